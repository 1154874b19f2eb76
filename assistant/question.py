"""Cleaning a raw question and reading what it asks for (language, specifics, yes/no)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.answerer import Asks, Language

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class QuestionError(ValueError):
    """A question that cannot be answered as given; the message is shown to the user."""


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    language: Language
    truncated: bool = False


def clean_question(raw: str, max_chars: int) -> CleanQuestion:
    """Strip control characters and extra whitespace; reject empty or content-free questions.

    An over-long question is cut to ``max_chars`` (and flagged) rather than refused outright.
    """
    if raw is None:  # defensive: callers from JSON
        raise QuestionError("请输入问题。")
    text = _CONTROL.sub("", str(raw))
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise QuestionError("问题是空的，请输入您想咨询的政策问题。")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise QuestionError("没有看懂这个问题（只有标点或表情符号），请用文字描述您想咨询的政策问题。")
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    return CleanQuestion(text=text, language=detect_language(text), truncated=truncated)


def detect_language(text: str) -> Language:
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "en" if latin >= 8 and latin > 3 * han else "zh"


_ASKS = {
    "amount": r"多少钱|多少元|金额|几[千万]|补[贴助]多少|标准是多少|补多少|贴多少|给多少|能拿多少|拿多少|贷多少|加到多少|how much|amount|yuan|rmb",
    "deadline": r"截止|什么时候|何时|几月|哪天|期限|最晚|最迟|deadline|when\b",
    "materials": r"材料|证明文件|申请表|表格|要带|准备什么|准备哪些|what documents|materials|forms?\b",
    "where": r"哪里|哪儿|在哪|哪个窗口|什么窗口|去哪|地址|网址|电话|热线|官网|where|which office|phone",
    "duration": r"多久|多长时间|几天|几个月能|到账|审批时间|how long",
    "yes_no": r"吗[？?]?$|能不能|可不可以|是否|有没有|能否|可否|行不行|会不会|^(can|is|are|do|does|will)\b",
    "eligibility": r"条件|资格|谁可以|哪些人|符合|门槛|要求|eligib|who can|qualif",
    "procedure": r"怎么申请|如何申请|怎么办|如何办理|流程|步骤|程序|怎么报名|如何报名|申报|apply|how do i|procedure",
}
_ASKS_RE = {key: re.compile(pattern, re.I) for key, pattern in _ASKS.items()}


def read_asks(text: str) -> Asks:
    return Asks(**{key: bool(rx.search(text)) for key, rx in _ASKS_RE.items()})
