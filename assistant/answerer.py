"""The answering seam: given a question and retrieved articles, write a draft with citations.

The extractive answerer (offline default) and the chat-model answerer both implement
:class:`Answerer`; every draft then goes through :mod:`assistant.verify` before a user sees it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from assistant.models import Citation, Mode
from corpus.models import Document
from index.models import Hit

Language = Literal["zh", "en"]


@dataclass(frozen=True)
class Asks:
    """Specifics a question asks for, which the document may or may not state."""

    amount: bool = False
    deadline: bool = False
    materials: bool = False
    where: bool = False
    duration: bool = False
    yes_no: bool = False
    eligibility: bool = False
    procedure: bool = False

    @property
    def specifics(self) -> tuple[str, ...]:
        names = {
            "amount": "具体金额或补贴标准",
            "deadline": "申请时间或截止日期",
            "materials": "所需材料",
            "where": "办理地点或渠道",
            "duration": "办理时限",
        }
        return tuple(label for key, label in names.items() if getattr(self, key))


@dataclass(frozen=True)
class AnswerRequest:
    """Everything an answerer may use. ``question`` is standalone (follow-ups resolved) and masked."""

    question: str
    hits: tuple[Hit, ...]
    documents: Mapping[str, Document]
    language: Language = "zh"
    asks: Asks = field(default_factory=Asks)
    original: str = ""
    history: tuple[tuple[str, str], ...] = ()  # (question, answer) of earlier in-scope turns


@dataclass(frozen=True)
class Draft:
    """An unverified answer: text plus the citations it claims."""

    text: str
    citations: tuple[Citation, ...]
    mode: Mode
    notice: str = ""
    fallback_reason: str = ""


class Answerer(Protocol):
    @property
    def mode(self) -> Mode: ...

    def answer(self, request: AnswerRequest) -> Draft: ...


@runtime_checkable
class StreamingAnswerer(Protocol):
    """An answerer that can also stream: raw text deltas, parsed into drafts sentence by sentence."""

    @property
    def mode(self) -> Mode: ...

    def answer(self, request: AnswerRequest) -> Draft: ...

    def stream_text(self, request: AnswerRequest) -> Iterator[str]: ...

    def draft_from_text(self, text: str, request: AnswerRequest) -> Draft: ...


class AnswererUnavailable(Exception):
    """The answerer cannot answer now (endpoint down, timeout, rate limit, bad reply, no key).

    The pipeline catches it and falls back to the extractive answerer; ``reason`` says why.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
