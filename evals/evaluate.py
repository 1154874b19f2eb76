"""One eval run end to end: QA sets → pipeline → scores → run directory.

The CLI, the regression gate and the benchmarks all go through :func:`evaluate`, so they measure
the same thing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from corpus.models import Document
from evals.metrics import compute_metrics
from evals.qa_file import Problem, QAItem, QASet
from evals.results import QuestionResult
from evals.run_files import RunInfo, write_run
from evals.runner import AnsweringPipeline, EvalRunner, ReviewedShown
from evals.scoring import CitationChecker

log = logging.getLogger(__name__)


def combine(sets: Sequence[QASet]) -> tuple[list[QAItem], list[Problem]]:
    """Items of several files in order; an id used by an earlier file is a problem of the later one."""
    items: list[QAItem] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for qa_set in sets:
        problems.extend(replace(p, message=f"{qa_set.path.name}：{p.message}") for p in qa_set.problems)
        for item in qa_set.items:
            if item.id in seen:
                problems.append(
                    Problem(item.line, f"{qa_set.path.name}：id {item.id} 已在 {seen[item.id].name} 中使用")
                )
                continue
            seen[item.id] = qa_set.path
            items.append(item)
    return items, problems


def unknown_articles(items: Sequence[QAItem], checker: CitationChecker) -> list[str]:
    """Expected articles that the loaded corpus does not have (a typo in the QA set, or a missing document)."""
    out = []
    for item in items:
        for expected in item.expected:
            if not checker.has_article(expected.doc_id, expected.article):
                out.append(f"{item.id}: {expected}")
    return out


def evaluate(
    pipeline: AnsweringPipeline,
    items: Sequence[QAItem],
    documents: Sequence[Document],
    info: RunInfo,
    out_dir: Path | None = None,
    on_result: Callable[[QuestionResult], None] | None = None,
    reviewed: ReviewedShown | None = None,
) -> tuple[dict[str, Any], list[QuestionResult]]:
    """Ask and score every item; write the run directory when ``out_dir`` is given. ``reviewed``:
    with reviewed answers active, which of them the app shows beside an answer."""
    checker = CitationChecker(documents)
    for problem in unknown_articles(items, checker):
        log.warning("expected article not in corpus: %s", problem)
    results = EvalRunner(pipeline, checker, reviewed).run(items, on_result=on_result)
    if out_dir is not None:
        metrics = write_run(out_dir, results, info)
    else:
        metrics = compute_metrics(results)
        metrics["run"] = info.to_json()
    return metrics, results
