"""The answering seam: given a question and retrieved articles, write a draft with citations.

The extractive answerer (offline default) and the chat-model answerer both implement
:class:`Answerer`; every draft then goes through :mod:`assistant.verify` before a user sees it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from assistant.asks import Asks
from assistant.models import Citation, Mode
from corpus.models import Document
from index.models import Hit, QueryReading

Language = Literal["zh", "en"]


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
    #: how the search read the question: its words and the document words its everyday and
    #: English words stand for (None when the retriever does not say)
    reading: QueryReading | None = None
    #: ``time.monotonic()`` from which a chat model's time budget (POLICY_LLM_TIMEOUT) counts:
    #: set back by what a follow-up's rewrite already spent, so that the rewrite and the answer
    #: share one deadline (None: from when the answerer starts)
    budget_started: float | None = None


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
