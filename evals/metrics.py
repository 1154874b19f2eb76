"""Aggregate per-question scores into the ``metrics.json`` numbers. Definitions: evals/METRICS.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evals.answering import aggregate as answering_metrics
from evals.qa_file import TYPES
from evals.results import QuestionResult

# The metrics every summary shows, in order.
HEADLINE = (
    "n",
    "hit_at_1",
    "hit_at_3",
    "mrr",
    "citation_precision",
    "citation_recall",
    "must_include_recall",
    "refusal_accuracy",
    "asks_answered",
    "false_affirmatives",
    "yes_when_granted",
    "not_stated_recall",
    "unverified_citations",
    "latency_ms_p50",
    "latency_ms_p95",
)
# Reviewed answers (人工审核答复) beside the answers: only in runs with reviewed answers (``--reviewed``).
REVIEWED = ("reviewed_shown", "reviewed_correct", "reviewed_false")
# Metrics where a larger value is better; the rest (unverified_citations, latencies, errors) are
# better when smaller. Used by compare and the reports.
HIGHER_IS_BETTER = {
    key
    for key in HEADLINE
    if key not in {"n", "unverified_citations", "false_affirmatives", "latency_ms_p50", "latency_ms_p95"}
} | {"pass_rate", "other_places_declined", "reviewed_shown", "reviewed_correct"}


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"expected a percentile in 0..100; got {p}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def summarise(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """The metric values of a set of results (all of a run, or one type)."""
    scored = [r.score for r in results if r.score.retrieval_scored]
    precisions = [s.precision for s in scored if s.precision is not None]
    recalls = [s.recall for s in scored if s.recall is not None]
    must = [r.score.must_include_recall for r in results if r.score.must_include_recall is not None]
    latencies = [r.latency_ms for r in results]
    answering = answering_metrics([r.score.answering for r in results])
    return {
        "n": len(results),
        "hit_at_1": _round(_mean([float(s.hit_at(1)) for s in scored])),
        "hit_at_3": _round(_mean([float(s.hit_at(3)) for s in scored])),
        "mrr": _round(_mean([s.reciprocal_rank for s in scored])),
        "citation_precision": _round(_mean(precisions)),
        "citation_recall": _round(_mean(recalls)),
        "must_include_recall": _round(_mean([m for m in must if m is not None])),
        "refusal_accuracy": _round(_mean([float(r.score.refusal_correct) for r in results])),
        "asks_answered": answering["asks_answered"],
        "false_affirmatives": answering["false_affirmatives"],
        "yes_when_granted": answering["yes_when_granted"],
        "not_stated_recall": answering["not_stated_recall"],
        "other_places_declined": answering["other_places_declined"],
        "n_asks": answering["n_asks"],
        "unverified_citations": sum(len(r.score.unverified) for r in results),
        "latency_ms_p50": _round(percentile(latencies, 50), 1),
        "latency_ms_p95": _round(percentile(latencies, 95), 1),
        "pass_rate": _round(_mean([float(r.score.ok) for r in results])),
        "n_retrieval_scored": len(scored),
        "n_must_include_scored": len(must),
        "false_refusals": sum(r.refused and not r.item.must_refuse for r in results),
        "missed_refusals": sum(not r.refused and r.item.must_refuse for r in results),
        "errors": sum(bool(r.error) for r in results),
        **reviewed_metrics(results),
    }


def reviewed_metrics(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """How the reviewed answers shown beside the answers match the items' ``reviewed`` labels;
    empty when the run had no reviewed answers. Definitions: evals/METRICS.md."""
    active = [r for r in results if r.reviewed is not None]
    if not active:
        return {}
    expecting = [r for r in active if isinstance(r.item.reviewed, str)]
    none = [r for r in active if r.item.reviewed is False]
    return {
        "reviewed_shown": _round(_mean([float(bool(r.reviewed)) for r in expecting])),
        "reviewed_correct": _round(_mean([float(bool(r.score.reviewed_ok)) for r in expecting])),
        "reviewed_false": sum(bool(r.reviewed) for r in none),
        "reviewed_wrong": sum(bool(r.reviewed) and not r.score.reviewed_ok for r in expecting),
        "reviewed_shown_unlabelled": sum(bool(r.reviewed) for r in active if r.item.reviewed is None),
        "n_reviewed_expected": len(expecting),
        "n_reviewed_none": len(none),
    }


def compute_metrics(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Overall metrics plus ``by_type`` (same keys, per question type, in the canonical type order)."""
    metrics = summarise(results)
    present = {r.item.type for r in results}
    metrics["by_type"] = {
        t: summarise([r for r in results if r.item.type == t]) for t in TYPES if t in present
    }
    return metrics


METRIC_LABELS = {
    "n": "题数",
    "hit_at_1": "命中@1",
    "hit_at_3": "命中@3",
    "mrr": "MRR",
    "citation_precision": "引用精确率",
    "citation_recall": "引用召回率",
    "must_include_recall": "要点召回率",
    "refusal_accuracy": "拒答准确率",
    "asks_answered": "问有所答",
    "false_affirmatives": "误答“可以”",
    "yes_when_granted": "该答“可以”率",
    "not_stated_recall": "未载明说明率",
    "other_places_declined": "外地问题拒答率",
    "unverified_citations": "未核实引用",
    "latency_ms_p50": "延迟 p50 (ms)",
    "latency_ms_p95": "延迟 p95 (ms)",
    "pass_rate": "全部通过率",
    "errors": "出错",
    "reviewed_shown": "审核答复显示率",
    "reviewed_correct": "审核答复正确率",
    "reviewed_false": "误显示审核答复",
    "reviewed_wrong": "显示了别的审核答复",
    "reviewed_shown_unlabelled": "未标注题显示审核答复",
}
TYPE_LABELS = {
    "fact": "事实",
    "eligibility": "资格",
    "subsidy": "补贴",
    "procedure": "办理",
    "multi": "多条款",
    "english": "英文",
    "not_in_doc": "文中未载",
    "out_of_scope": "超出范围",
}


def format_value(metric: str, value: Any) -> str:
    """How a metric value is printed in tables: rates with 3 decimals, counts as integers, None as —."""
    if value is None:
        return "—"
    if metric.startswith("latency"):
        return f"{value:.0f}"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"
