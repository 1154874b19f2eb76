"""Score one answer against its QA item. Definitions: evals/METRICS.md."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.models import Citation
from corpus.labels import canonical_label
from corpus.models import Document
from evals.answering import AnsweringScore, score_answering
from evals.qa_file import QAItem


def normalise_text(text: str) -> str:
    """NFKC + casefold: full-width ／ half-width and letter case do not matter for must_include."""
    return unicodedata.normalize("NFKC", text).casefold()


class CitationChecker:
    """Re-checks citations against the loaded corpus, independently of the pipeline's own verifier."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self._articles: dict[tuple[str, str], str] = {}
        for document in documents:
            for article in document.articles:
                self._articles[(document.doc_id, article.label)] = document.article_text(article)

    def problem(self, citation: Citation) -> str | None:
        """Why a citation is unverified, or None when its quote is verbatim in the cited article."""
        key = (citation.doc_id, canonical_label(citation.article))
        text = self._articles.get(key)
        if text is None:
            return f"{citation.doc_id}#{citation.article}: no such article in the corpus"
        if citation.quote not in text:
            return f"{citation.doc_id}#{citation.article}: quote not verbatim: {citation.quote[:40]!r}"
        return None

    def has_article(self, doc_id: str | None, article: str) -> bool:
        return any(a == article and (doc_id is None or d == doc_id) for d, a in self._articles)


@dataclass(frozen=True)
class Score:
    """What one answer earned. ``None`` means the metric does not apply to this question."""

    retrieval_scored: bool
    rank: int | None
    precision: float | None
    recall: float | None
    must_found: tuple[str, ...]
    must_missing: tuple[str, ...]
    refusal_correct: bool
    unverified: tuple[str, ...]
    answering: AnsweringScore = AnsweringScore(0, 0, False, None, None)
    #: the reviewed answer shown is the one labelled (or none shown where none should be); None:
    #: the item has no ``reviewed`` label or the run had no reviewed answers
    reviewed_ok: bool | None = None

    def hit_at(self, k: int) -> bool:
        return self.rank is not None and self.rank <= k

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def must_include_recall(self) -> float | None:
        total = len(self.must_found) + len(self.must_missing)
        return len(self.must_found) / total if total else None

    @property
    def passed(self) -> dict[str, bool]:
        """metric → pass, only for the metrics that apply to this question."""
        out: dict[str, bool] = {}
        if self.retrieval_scored:
            out["hit_at_1"] = self.hit_at(1)
            out["hit_at_3"] = self.hit_at(3)
            if self.precision is not None:
                out["citation_precision"] = self.precision == 1.0
            if self.recall is not None:
                out["citation_recall"] = self.recall == 1.0
        if self.must_found or self.must_missing:
            out["must_include"] = not self.must_missing
        out["refusal"] = self.refusal_correct
        out["citations_verified"] = not self.unverified
        if self.answering.asks_total:
            out["asks_answered"] = self.answering.asks_answered == self.answering.asks_total
        out["no_false_affirmative"] = not self.answering.false_affirmative
        if self.answering.not_stated_said is not None:
            out["not_stated"] = self.answering.not_stated_said
        if self.reviewed_ok is not None:
            out["reviewed"] = self.reviewed_ok
        return out

    @property
    def ok(self) -> bool:
        return all(self.passed.values())


def score_answer(
    item: QAItem,
    *,
    text: str,
    refused: bool,
    citations: Sequence[Citation],
    retrieved: Sequence[tuple[str, str, float]],
    checker: CitationChecker,
    reviewed_shown: Sequence[str] | None = None,
) -> Score:
    """``reviewed_shown``: the questions of the reviewed answers shown beside the answer (None: the
    run has no reviewed answers)."""
    scored = not item.must_refuse and bool(item.expected)
    rank = _first_rank(item, retrieved) if scored else None
    cited = list(dict.fromkeys((c.doc_id, canonical_label(c.article)) for c in citations))
    precision: float | None = None
    recall: float | None = None
    if scored:
        if cited:
            precision = sum(any(e.matches(d, a) for e in item.expected) for d, a in cited) / len(cited)
        recall = sum(any(e.matches(d, a) for d, a in cited) for e in item.expected) / len(item.expected)
    answer = normalise_text(text)
    found = tuple(m for m in item.must_include if normalise_text(m) in answer)
    missing = tuple(m for m in item.must_include if normalise_text(m) not in answer)
    problems = tuple(p for p in (checker.problem(c) for c in citations) if p)
    return Score(
        retrieval_scored=scored,
        rank=rank,
        precision=precision,
        recall=recall,
        must_found=found,
        must_missing=missing,
        refusal_correct=refused == item.must_refuse,
        unverified=problems,
        answering=score_answering(item, text, refused),
        reviewed_ok=(
            None
            if reviewed_shown is None or item.reviewed is None
            else reviewed_right(item.reviewed, reviewed_shown)
        ),
    )


def same_question(a: str, b: str) -> bool:
    """Whether two reviewed answers' questions are the same (NFKC, case and spaces ignored)."""
    return "".join(normalise_text(a).split()) == "".join(normalise_text(b).split())


def reviewed_right(expected: str | Literal[False], shown: Sequence[str]) -> bool:
    """The first reviewed answer shown is the expected one; or, expecting none, none is shown."""
    if expected is False:
        return not shown
    return bool(shown) and same_question(shown[0], expected)


def _first_rank(item: QAItem, retrieved: Sequence[tuple[str, str, float]]) -> int | None:
    ranked = list(dict.fromkeys((doc_id, canonical_label(article)) for doc_id, article, _ in retrieved))
    for position, (doc_id, article) in enumerate(ranked, start=1):
        if any(e.matches(doc_id, article) for e in item.expected):
            return position
    return None
