"""One evaluated question, and the ``results.jsonl`` line it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.models import Citation
from evals.qa_file import QAItem
from evals.scoring import Score


@dataclass(frozen=True)
class QuestionResult:
    item: QAItem
    score: Score
    answer: str
    refused: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[tuple[str, str, float], ...] = ()
    latency_ms: float = 0.0
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: the questions of the reviewed answers shown beside the answer; None: the run had none
    reviewed: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``results.jsonl`` object (contract keys first, then diagnostics)."""
        item, score = self.item, self.score
        row: dict[str, Any] = {
            "id": item.id,
            "question": item.question,
            "type": item.type,
            "retrieved": [{"doc_id": d, "article": a, "score": round(s, 6)} for d, a, s in self.retrieved],
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "passed": score.passed,
            "latency_ms": round(self.latency_ms, 2),
        }
        if item.conversation is not None:
            row["conversation"] = item.conversation
            row["turn"] = item.turn
        row.update(
            {
                "ok": score.ok,
                "mode": self.mode,
                "expected_articles": [str(e) for e in item.expected],
                "must_include": list(item.must_include),
                "rank": score.rank,
                "citation_precision": score.precision,
                "citation_recall": score.recall,
                "must_include_missing": list(score.must_missing),
                "unverified": list(score.unverified),
                "line": item.line,
            }
        )
        if self.reviewed is not None:
            row["reviewed_shown"] = self.reviewed[0] if self.reviewed else None
            row["reviewed_expected"] = item.reviewed
        if self.error:
            row["error"] = self.error
        row.update(self.extra)
        return row
