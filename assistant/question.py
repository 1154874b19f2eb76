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
    return CleanQuestion(text=text, language=detect_language(text), truncated=truncated)


def detect_language(text: str) -> Language:
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "en" if latin >= 8 and latin > 3 * han else "zh"
