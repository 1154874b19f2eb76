"""Mask personal data before anything is logged or sent to an external model.

Citizens type their 身份证号, phone numbers, bank cards, e-mail addresses, passports, addresses
and names into the chat. :func:`mask` replaces them with placeholders such as 〔手机号〕 and says
which kinds it found. Policy numbers (2024, 20支, 2000名, 人社部发〔2024〕37号, the 12333 hotline)
are left alone: only digit runs shaped like personal identifiers are touched, and 身份证号 and
bank cards are checked (ISO 7064 checksum, Luhn) before they are named as such.

Patterns are matched on a copy of the text in which full-width letters and digits (１３７…),
full-width ＠, other scripts' digits and Chinese digits (一三九…) read as ASCII; the
replacement is made in the text as written, which is otherwise left untouched.
"""

from __future__ import annotations

import re
import unicodedata
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
PASSPORT = "〔护照号〕"
ADDRESS = "〔地址〕"
ACCOUNT = "〔账号〕"
PLATE = "〔车牌号〕"

_KIND = {
    ID_CARD: "id_card",
    MOBILE: "mobile",
    PHONE: "phone",
    BANK_CARD: "bank_card",
    EMAIL: "email",
    NAME: "name",
    NUMBER: "number",
    PASSPORT: "passport",
    ADDRESS: "address",
    ACCOUNT: "account",
    PLATE: "plate",
}
#: Every placeholder, for readers of masked text.
PLACEHOLDERS = tuple(_KIND)


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
# 11 digits, however they are grouped (138 1234 5678, 1391 2345 678, 138.1234.5678).
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-.]?\d){8}(?!\d)")
_LANDLINE = re.compile(
    r"(?<!\d)(?:[(（]0\d{2,3}[)）][ \-]?|0\d{2,3}[ \-])\d{7,8}(?:[ \-]?(?:转|ext\.?)?\d{1,5})?(?!\d)"
    r"|(?<!\d)0(?:10|2\d|[3-9]\d{2})\d{7,8}(?!\d)"
)
_LOCAL_PHONE = re.compile(r"((?:电话|座机|固话|号码)(?:号码)?\s*(?:是|为|[:：])?\s*)(\d{7,8})(?!\d)")

#: An identifier introduced by what it is (护照号 E12345678, 港澳通行证 C12345678, 学号 …).
_NAMED_ID = re.compile(
    r"((?:护照|通行证|港澳通行证|台胞证|回乡证|签证|驾驶证|驾照|社保卡|医保卡|居住证|学生证|学籍|学号|工号|"
    r"准考证|证书|职业资格证书|技能等级证书|军官证|外国人永久居留身份证|永久居留证|证件)"
    r"(?:号码|编号|号)?\s*(?:是|为|[:：])?\s*)"
    r"([A-Za-z0-9](?:[A-Za-z0-9\-]|\s(?=[A-Za-z0-9])){4,24})(?![A-Za-z0-9])",
    re.I,
)
#: Passports and permits without an introduction: E12345678, EA1234567, G12345678; Hong Kong
#: (A123456(7)) and Taiwan (A123456789) identity cards.
_PASSPORT = re.compile(
    r"(?<![A-Za-z0-9])(?:E[A-HJ-NP-Z]\d{7}|[EGDSP]\d{8}|[A-Z]{1,2}\d{6}[(（][0-9A][)）]|[A-Z][12]\d{8})(?![A-Za-z0-9])"
)
#: WeChat / QQ accounts introduced as such.
_ACCOUNT = re.compile(
    r"((?:微信号?|wechat|weixin|QQ号?|qq号码)\s*(?:是|为|[:：])?\s*)([A-Za-z][A-Za-z0-9_\-]{5,19}|\d{5,12})(?![A-Za-z0-9])",
    re.I,
)
#: Vehicle plates: 沪A12345, 沪A·D12345.
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][·・ ]?[A-HJ-NP-Z0-9]{5,6}(?![A-Za-z0-9])"
)
#: A street address: a road, lane, village or estate followed by its numbers (张江路123弄4号502室,
#: 幸福小区3栋2单元501室), or two numbered parts without a name (3栋502室). The district and city
#: before it stay (they are not personal, and say which region a question is about).
_STREET = (
    r"(?:(?![省市区县乡镇州盟旗])[\u4e00-\u9fff]){1,10}?"
    r"(?:路|街|大街|大道|巷|弄|胡同|公路|村|小区|花园|公寓|新村|家园|大厦|广场|社区|苑)"
)
_UNIT = r"\d+\s*(?:号楼|号院|号|弄|支弄|栋|幢|座|楼|单元|室|层|组|户)"
_ADDRESS = re.compile(rf"{_STREET}\s*(?:{_UNIT}\s*)+|(?<!\d){_UNIT}(?:\s*{_UNIT})+")
_ADDRESS_EN = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way)\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Room|Unit|Suite)\.?\s*\d+)?"
)

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
#: After an explicit introduction (「我叫」「我女儿叫」) a name also ends where a verb or particle
#: begins (「我女儿叫张丽丽想申请…」); not after the weaker 「我是」 (「我是马上要毕业的学生」).
_STRONG_BOUNDARY = (
    r"(?=$|[\s，,。.！!？?；;：:、）)\]】“”\"'（(]|来自|今年|去年|明年|想|请问|咨询|家住|住在|联系|电话|手机"
    r"|身份证|邮箱|的|要|需要|能|可以|可不可以|是否|有没有|申请|在|也|已|刚|目前|现在|正在|岁|和|还|都|就)"
)
#: Whose name may follow 「…叫」: the asker's family and the people they act for.
_RELATIVES = (
    r"儿子|女儿|孩子|小孩|闺女|妻子|老婆|丈夫|老公|爱人|媳妇|父亲|母亲|爸爸|妈妈|爸|妈|哥哥|姐姐|弟弟|妹妹|"
    r"爷爷|奶奶|外公|外婆|姥姥|姥爷|孙子|孙女|同事|朋友|同学|员工|学生|家属|亲戚|他|她"
)
_STRONG_NAME = re.compile(
    r"((?:我叫|我的名字是|我的名字叫|名字叫|名字是|姓名(?:是|为|[:：])?|"
    rf"(?:我|本人|我的|我们的|他的|她的)?(?:{_RELATIVES})(?:的名字|的姓名)?(?:叫做|名叫|叫)(?=[\u4e00-\u9fff])|名叫|叫做|"
    r"(?i:my name is|my (?:son|daughter|wife|husband|child)'s name is|contact(?: person)?\s*[:：]|name\s*[:：]))\s*)"
    rf"([\u4e00-\u9fff·]{{2,4}}?{_STRONG_BOUNDARY}|[A-Z][a-z]+(?: [A-Z][a-z]+)?|[\u4e00-\u9fff]{{2}})"
)
#: A person named in a role (「联系人：李四」「申请人是王五」): only a surname-led name after 是/为/：,
#: so 「申请人需要什么材料」「联系人是谁」 stay as they are.
_ROLE_NAME = re.compile(
    r"((?:紧急联系人|联系人|申请人|经办人|负责人|户主|法人代表|法定代表人|收件人|监护人|持卡人|被保险人)"
    r"(?:姓名)?\s*(?:是|为|[:：])\s*)"
    rf"((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?{_STRONG_BOUNDARY})"
)
_WEAK_NAME = re.compile(
    rf"((?:我是|本人是|本人|鄙人)\s*)((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?{_BOUNDARY})"
)
_SURNAME_ONLY = re.compile(rf"(我姓|本人姓)((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]))")


#: Chinese digits as said when dictating a number (幺 is 1 on the phone).
_CN_DIGITS = dict(zip("〇零一二三四五六七八九幺", "001234567891", strict=True))
#: Only a long run of them is a dictated number (张三 is a name, 二〇二四 a year).
_CN_DIGIT_RUN = re.compile(r"[〇零一二三四五六七八九幺](?:[ \-]?[〇零一二三四五六七八九幺]){6,}")


def as_ascii(text: str) -> str:
    """``text`` with each character that is a letter, digit or sign in another form read as its
    ASCII one — full-width (１３７, ＡＢ, ＠), other scripts' digits, runs of seven or more Chinese
    digits (一三九…), U+3000 as a space — one character for one, so positions stay the same."""
    dictated = {i for m in _CN_DIGIT_RUN.finditer(text) for i in range(m.start(), m.end())}
    out: list[str] = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        elif ch in "﹫":
            out.append("@")
        elif i in dictated and ch in _CN_DIGITS:
            out.append(_CN_DIGITS[ch])
        elif ch.isdecimal() and not ch.isascii():
            out.append(str(unicodedata.decimal(ch, 0)))
        else:
            out.append(ch)
    return "".join(out)


def mask(text: str) -> Masked:
    """Replace personal data in ``text`` with placeholders; leave policy numbers alone."""
    found: list[tuple[int, str]] = []
    # ``written`` is what is returned; ``read`` is the same text in ASCII forms, where the patterns
    # look. Every replacement is made in both, so they stay aligned character for character.
    written, read = text, as_ascii(text)

    def sub(pattern: re.Pattern[str], placeholder_of: Callable[[re.Match[str]], str | None]) -> None:
        """Replace the last group of each match (the whole match if there is one group at most)."""
        nonlocal written, read
        out_written: list[str] = []
        out_read: list[str] = []
        last = 0
        for m in pattern.finditer(read):
            placeholder = placeholder_of(m)
            if placeholder is None:
                continue
            start = m.end(1) if (m.re.groups or 0) >= 2 else m.start()
            found.append((m.start(), _KIND[placeholder]))
            out_written += [written[last:start], placeholder]
            out_read += [read[last:start], placeholder]
            last = m.end()
        if last:
            written = "".join([*out_written, written[last:]])
            read = "".join([*out_read, read[last:]])

    sub(_EMAIL, lambda m: EMAIL)
    sub(_NAMED_ID, lambda m: _classify_named_id(m.group(1), m.group(2)))
    sub(_ACCOUNT, lambda m: ACCOUNT)
    sub(_LONG_DIGITS, lambda m: _classify_long_number(m.group(0)))
    sub(_PASSPORT, lambda m: PASSPORT)
    sub(_MOBILE, lambda m: MOBILE)
    sub(_LANDLINE, lambda m: PHONE)
    sub(_LOCAL_PHONE, lambda m: PHONE)
    sub(_PLATE, lambda m: PLATE)
    sub(_ADDRESS, lambda m: ADDRESS)
    sub(_ADDRESS_EN, lambda m: ADDRESS)
    sub(_STRONG_NAME, lambda m: NAME)
    sub(_ROLE_NAME, lambda m: NAME)
    sub(_WEAK_NAME, lambda m: NAME)
    sub(_SURNAME_ONLY, lambda m: NAME)
    kinds: list[str] = []
    for _, kind in sorted(found, key=lambda f: f[0]):
        if kind not in kinds:
            kinds.append(kind)
    return Masked(written, tuple(kinds))


def _classify_named_id(intro: str, value: str) -> str | None:
    """An identifier after 护照号/证件号…: a 身份证号 when it is one, a passport or permit when
    introduced as one, else a document number — but only when it has digits (「证书是什么」 is a
    question, not a number)."""
    compact = re.sub(r"[\s\-]", "", value)
    if sum(ch.isdigit() for ch in compact) < 4:
        return None
    if len(compact) == 18 and valid_id_card(compact):
        return ID_CARD
    if re.search(r"护照|通行证|台胞证|回乡证", intro):
        return PASSPORT
    return NUMBER


#: A placeholder with the words that introduce it (「手机〔手机号〕」「身份证号是〔身份证号〕」「我叫〔姓名〕」).
_PLACEHOLDER = re.compile(
    r"(?:(?:我的?|本人的?|他的|她的|孩子的)?"
    r"(?:手机号码|手机号|手机|电话号码|电话|座机|联系方式|身份证号码|身份证号|身份证|证件号码|证件号|护照号码|护照号|护照|"
    r"通行证号码|通行证|邮箱|电子邮箱|银行卡号|银行卡|卡号|姓名|名字|微信号|微信|QQ号|QQ|车牌号|车牌|"
    r"家庭住址|通讯地址|联系地址|住址|地址|家住|住在|联系人|申请人|"
    rf"(?:我|本人|我的)?(?:{_RELATIVES})(?:的名字)?叫|"
    r"我叫|我是|本人是|本人|名叫|叫)\s*(?:是|为|[:：])?\s*)?"
    r"〔(?:身份证号|手机号|电话|银行卡号|邮箱|姓名|证件号码|护照号|地址|账号|车牌号)〕",
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
