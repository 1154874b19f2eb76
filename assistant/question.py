"""Cleaning a raw question: control characters, whitespace, length, language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.answerer import Language

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
#: What no text may carry: lone surrogates (from a bad UTF-16 pair, or bytes that were not UTF-8,
#: as ``surrogateescape`` decodes them on the command line) cannot be encoded, and the
#: noncharacters U+FFFE/U+FFFF are not text.
_UNENCODABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
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
    #: written mostly in a script other than Chinese or Latin (Korean, Arabic, Cyrillic, Japanese kana…)
    other_language: bool = False


def scrub(text: str) -> str:
    """``text`` without what cannot be encoded as UTF-8 (lone surrogates) and without control
    and invisible formatting characters; every text from outside goes through it before it is
    searched, stored or sent anywhere."""
    return _CONTROL.sub("", _UNENCODABLE.sub("", text))


def clean_question(raw: str, max_chars: int) -> CleanQuestion:
    """Strip control characters and extra whitespace; reject empty or content-free questions.

    An over-long question is cut to ``max_chars`` (and flagged) rather than refused outright.
    """
    if raw is None:  # defensive: callers from JSON
        raise QuestionError("请输入问题。")
    text = scrub(str(raw))
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise QuestionError("问题是空的，请输入您想咨询的政策问题。")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise QuestionError("没有看懂这个问题（只有标点或表情符号），请用文字描述您想咨询的政策问题。")
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    return CleanQuestion(
        text=text, language=detect_language(text), truncated=truncated, other_language=other_language(text)
    )


def detect_language(text: str) -> Language:
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "en" if latin >= 8 and latin > 3 * han else "zh"


#: Letters of scripts the assistant does not answer in: Greek, Cyrillic, Armenian, Hebrew, Arabic,
#: Syriac…, the Indic and South-East Asian scripts, Georgian, Hangul, Japanese kana.
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u058f\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u10a0-\u10ff"
    r"\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\uac00-\ud7af\uff66-\uff9f]"
)


def other_language(text: str) -> bool:
    """Whether ``text`` is written in another language's script: at least a third of its letters
    (「안녕하세요 보조금」, 「كيف أتقدم」, 「補助金の申請方法を教えてください」)."""
    letters = sum(1 for ch in text if ch.isalpha())
    other = len(_OTHER_SCRIPT.findall(text))
    return other >= 2 and other * 3 >= letters


#: Code and injection attempts rather than questions (「'; DROP TABLE turns; --」, 「<script>」).
_CODE = re.compile(
    r"\b(?:drop|truncate|alter)\s+(?:table|database|schema)\b|\bunion\s+(?:all\s+)?select\b|"
    r"\bselect\b[^。？?]{0,80}\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|"
    r"['\"`]\s*;|;\s*--|<\s*/?\s*script\b|\{\{.*\}\}|\$\{[^}]*\}|\bjavascript\s*:|\bexec\s*\(|"
    r"\b(?:rm\s+-rf|sudo|chmod)\b",
    re.I,
)
_LATIN_WORD = re.compile(r"[A-Za-z]+")
#: one character typed eight or more times in a row
_FILLER = re.compile(r"(.)\1{7,}", re.S)


def unreadable(text: str) -> bool:
    """Whether ``text`` is not a question anyone could answer: code or an injection attempt,
    nothing but one character typed over and over (「aaaa…」「啊啊啊…」), or a run of Latin letters
    no language has (longer than any English word)."""
    if _CODE.search(text):
        return True
    rest = _FILLER.sub(" ", text)  # a question padded with 「啊啊啊…」 is still the question
    if rest != text and not any(ch.isalpha() for ch in rest):
        return True
    return any(len(word) > 30 for word in _LATIN_WORD.findall(rest))
