"""Ask every QA item through a pipeline and score the answers.

Conversation turns are asked in order within one conversation object; a new conversation starts
at each conversation's first turn. A question the pipeline fails on is recorded with its error
(and scores as a failure) rather than aborting the whole run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from assistant.models import Answer
from evals.qa_file import QAItem
from evals.results import QuestionResult
from evals.scoring import CitationChecker, score_answer

log = logging.getLogger(__name__)


class AnsweringPipeline(Protocol):
    """The slice of ``assistant.pipeline.Pipeline`` the evals use."""

    def ask(self, question: str, conversation: Any = None) -> Answer: ...

    def new_conversation(self) -> Any: ...


#: the questions of the reviewed answers (人工审核答复) the app shows beside an answer
ReviewedShown = Callable[[Answer], Sequence[str]]


class EvalRunner:
    def __init__(
        self, pipeline: AnsweringPipeline, checker: CitationChecker, reviewed: ReviewedShown | None = None
    ) -> None:
        """``reviewed``: with reviewed answers active, which of them is shown beside an answer."""
        self._pipeline = pipeline
        self._checker = checker
        self._reviewed = reviewed

    def run(
        self,
        items: Sequence[QAItem],
        on_result: Callable[[QuestionResult], None] | None = None,
    ) -> list[QuestionResult]:
        results: list[QuestionResult] = []
        conversation: Any = None
        current: str | None = None
        for item in items:
            if item.conversation != current:
                current = item.conversation
                conversation = self._pipeline.new_conversation() if current is not None else None
            result = self.run_one(item, conversation)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results

    def run_one(self, item: QAItem, conversation: Any = None) -> QuestionResult:
        started = time.perf_counter()
        shown: tuple[str, ...] | None = None if self._reviewed is None else ()
        try:
            answer = self._pipeline.ask(item.question, conversation)
            if self._reviewed is not None:
                shown = tuple(self._reviewed(answer))
        except Exception as exc:  # a failing question is a result, not the end of the run
            elapsed = (time.perf_counter() - started) * 1000
            log.warning("question failed", extra={"id": item.id, "error": repr(exc)})
            score = score_answer(
                item,
                text="",
                refused=False,
                citations=(),
                retrieved=(),
                checker=self._checker,
                reviewed_shown=shown,
            )
            return QuestionResult(
                item=item,
                score=score,
                answer="",
                refused=False,
                mode="",
                latency_ms=elapsed,
                error=repr(exc),
                reviewed=shown,
            )
        latency = answer.latency_ms or (time.perf_counter() - started) * 1000
        score = score_answer(
            item,
            text=answer.text,
            refused=answer.refused,
            citations=answer.citations,
            retrieved=answer.retrieved,
            checker=self._checker,
            reviewed_shown=shown,
        )
        extra: dict[str, Any] = {}
        if answer.rewritten:
            extra["rewritten_question"] = answer.rewritten
        if answer.dropped:
            extra["dropped"] = [{"what": d.what, "reason": d.reason} for d in answer.dropped]
        if answer.fallback_reason:
            extra["fallback_reason"] = answer.fallback_reason
        return QuestionResult(
            item=item,
            score=score,
            answer=answer.text,
            refused=answer.refused,
            mode=answer.mode,
            citations=tuple(answer.citations),
            retrieved=tuple(answer.retrieved),
            latency_ms=latency,
            extra=extra,
            reviewed=shown,
        )
