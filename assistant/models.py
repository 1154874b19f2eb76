"""Typed data objects of the answering stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Citation:
    """A quote from one article. ``quote`` is verbatim ``document.text[start:end]``."""

    doc_id: str
    doc_title: str
    article: str
    quote: str
    heading: str = ""
    start: int = -1
    end: int = -1

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "article": self.article,
            "quote": self.quote,
        }

    @property
    def marker(self) -> str:
        """How the citation is written in answer text: 《title》第（十三）条「heading」."""
        if self.article == "前言":
            name = "前言"
        elif self.article.startswith(("第", "附件")):
            name = self.article
        else:
            name = f"第{self.article}条"
        head = f"「{self.heading}」" if self.heading else ""
        return f"《{self.doc_title}》{name}{head}"


@dataclass(frozen=True)
class Dropped:
    """Something verification removed from an answer, and why."""

    what: str
    reason: str


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    refused: bool
    mode: Mode
    citations: tuple[Citation, ...] = ()
    rewritten: str = ""
    notice: str = ""
    fallback_reason: str = ""
    dropped: tuple[Dropped, ...] = ()
    retrieved: tuple[tuple[str, str, float], ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    language: str = "zh"
    streamed: bool = False  # the text reached the user sentence by sentence as it was verified

    def to_json(self) -> dict[str, Any]:
        """The object of the ``ask --json`` / ``POST /api/ask`` contract (plus extra fields)."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "latency_ms": round(self.latency_ms, 2),
            "rewritten_question": self.rewritten,
            "notice": self.notice,
            "fallback_reason": self.fallback_reason,
            "dropped": [{"what": d.what, "reason": d.reason} for d in self.dropped],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "retrieved": [{"doc_id": d, "article": a, "score": round(s, 6)} for d, a, s in self.retrieved],
        }
