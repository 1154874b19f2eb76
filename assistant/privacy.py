"""Mask personal data before anything is logged or sent to an external model.

Citizens type their 身份证号, phone numbers, bank cards, e-mail addresses and names into the
chat. :func:`mask` replaces them with placeholders such as 〔手机号〕 and says which kinds it
found. Policy numbers (2024, 20支, 2000名, 人社部发〔2024〕37号, the 12333 hotline) are left alone:
only digit runs shaped like personal identifiers are touched, and 身份证号 and bank cards are
checked (ISO 7064 checksum, Luhn) before they are named as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

ID_CARD = "〔身份证号〕"
MOBILE = "〔手机号〕"
PHONE = "〔电话〕"
BANK_CARD = "〔银行卡号〕"
EMAIL = "〔邮箱〕"
NAME = "〔姓名〕"
NUMBER = "〔证件号码〕"

_KIND = {
    ID_CARD: "id_card",
    MOBILE: "mobile",
    PHONE: "phone",
    BANK_CARD: "bank_card",
    EMAIL: "email",
    NAME: "name",
    NUMBER: "number",
}


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of personal data replaced, in order of first appearance."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A long digit run, optionally grouped by single spaces or dashes (6222 0212 3456 7890, 310101-1990…).
_LONG_DIGITS = re.compile(r"(?<![\dA-Za-z])\d(?:[ \-]?\d){14,18}(?:[ \-]?[Xx])?(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(
    r"(?<!\d)(?:[(（]0\d{2,3}[)）][ \-]?|0\d{2,3}[ \-])\d{7,8}(?:[ \-]?(?:转|ext\.?)?\d{1,5})?(?!\d)"
    r"|(?<!\d)0(?:10|2\d|[3-9]\d{2})\d{7,8}(?!\d)"
)
_LOCAL_PHONE = re.compile(r"((?:电话|座机|固话|号码)(?:号码)?\s*(?:是|为|[:：])?\s*)(\d{7,8})(?!\d)")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Common surnames (single and compound), for names introduced with the weaker 「我是/本人」.
_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯|端木|独孤|南宫|西门|轩辕"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池乐匡鞠"
)
_BOUNDARY = (
    r"(?=$|[\s，,。.！!？?；;：:、）)\]】“”\"'（(]|来自|今年|想问|想咨询|想了解|请问|咨询|家住|住在|联系|电话|手机"
    r"|身份证|邮箱|的身份证|的手机|的电话)"
)
_STRONG_NAME = re.compile(
    r"((?:我叫|我的名字是|我的名字叫|名字叫|名字是|姓名(?:是|为|[:：])?|(?i:my name is))\s*)"
    rf"([\u4e00-\u9fff·]{{2,4}}?{_BOUNDARY}|[A-Z][a-z]+(?: [A-Z][a-z]+)?|[\u4e00-\u9fff]{{2}})"
)
_WEAK_NAME = re.compile(
    rf"((?:我是|本人是|本人|鄙人)\s*)((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?{_BOUNDARY})"
)
_SURNAME_ONLY = re.compile(rf"(我姓|本人姓)((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]))")


def mask(text: str) -> Masked:
    """Replace personal data in ``text`` with placeholders; leave policy numbers alone."""
    found: list[tuple[int, str]] = []

    def sub(
        pattern: re.Pattern[str], text: str, placeholder_of: Callable[[re.Match[str]], str | None]
    ) -> str:
        """Replace the last group of each match (the whole match if there is one group at most)."""

        def one(m: re.Match[str]) -> str:
            placeholder = placeholder_of(m)
            if placeholder is None:
                return m.group(0)
            found.append((m.start(), _KIND[placeholder]))
            keep = m.group(1) if (m.re.groups or 0) >= 2 else ""
            return keep + placeholder

        return pattern.sub(one, text)

    out = sub(_EMAIL, text, lambda m: EMAIL)
    out = sub(_LONG_DIGITS, out, lambda m: _classify_long_number(m.group(0)))
    out = sub(_MOBILE, out, lambda m: MOBILE)
    out = sub(_LANDLINE, out, lambda m: PHONE)
    out = sub(_LOCAL_PHONE, out, lambda m: PHONE)
    out = sub(_STRONG_NAME, out, lambda m: NAME)
    out = sub(_WEAK_NAME, out, lambda m: NAME)
    out = sub(_SURNAME_ONLY, out, lambda m: NAME)
    kinds: list[str] = []
    for _, kind in sorted(found, key=lambda f: f[0]):
        if kind not in kinds:
            kinds.append(kind)
    return Masked(out, tuple(kinds))


#: A placeholder with the words that introduce it (「手机〔手机号〕」「身份证号是〔身份证号〕」「我叫〔姓名〕」).
_PLACEHOLDER = re.compile(
    r"(?:(?:我的?|本人的?|他的|她的|孩子的)?"
    r"(?:手机号码|手机号|手机|电话号码|电话|座机|联系方式|身份证号码|身份证号|身份证|证件号码|证件号|护照号|邮箱|电子邮箱|"
    r"银行卡号|银行卡|卡号|姓名|名字|微信|QQ|我叫|我是|本人是|本人|名叫|叫)\s*(?:是|为|[:：])?\s*)?"
    r"〔(?:身份证号|手机号|电话|银行卡号|邮箱|姓名|证件号码)〕",
    re.I,
)


def without_personal_data(masked: str) -> str:
    """A masked text with its placeholders and the words that introduce them removed: what search
    and scope read. 「我手机〔手机号〕，身份证〔身份证号〕，能领补贴吗」 → 「能领补贴吗」; the placeholder
    would otherwise be read as words (〔身份证号〕 matches 身份 in the documents)."""
    text = _PLACEHOLDER.sub("", masked)
    text = re.sub(r"([，,；;。、])\s*(?=[，,；;。、])", "", text)
    text = re.sub(r"^\s*[，,；;。、]+\s*", "", text)
    return text.strip() or masked


def _classify_long_number(raw: str) -> str | None:
    digits = re.sub(r"[ \-]", "", raw)
    if len(digits) == 18 and valid_id_card(digits):
        return ID_CARD
    if digits.isdigit() and 16 <= len(digits) <= 19 and luhn_ok(digits):
        return BANK_CARD
    if len(digits) == 15 and digits.isdigit() and _valid_birth(1900 + int(digits[6:8]), digits[8:12]):
        return ID_CARD
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return None  # a mobile number; handled by _MOBILE
    # A long identifier that is neither: still personal-looking, never a policy number.
    return NUMBER


def valid_id_card(number: str) -> bool:
    """18-digit 居民身份证号码: plausible birth date and ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    if not _valid_birth(int(number[6:10]), number[10:14]):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    """Luhn check used by bank card numbers."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _valid_birth(year: int, month_day: str) -> bool:
    try:
        born = date(year, int(month_day[:2]), int(month_day[2:]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()
