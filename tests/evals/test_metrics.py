"""Metrics of a tiny hand-made run equal the values worked out by hand (see evals/METRICS.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from corpus.models import Document
from evals.metrics import compute_metrics, percentile
from evals.qa_file import load_qa_file
from evals.runner import EvalRunner
from evals.scoring import CitationChecker

D = "sh-digital-talent-2024"

ROWS = [
    {
        "id": "q1",
        "question": "Q1",
        "expected_articles": ["(十三)"],
        "must_include": ["职业技能提升补贴", "ABC"],
        "type": "fact",
    },
    {
        "id": "q2",
        "question": "Q2",
        "expected_articles": [f"{D}#（十三）", "（一）"],
        "must_include": ["不存在的词"],
        "type": "multi",
    },
    {
        "id": "q3",
        "question": "Q3",
        "expected_articles": ["other-doc#（二）", "（十四）"],
        "must_include": [],
        "type": "not_in_doc",
    },
    {"id": "q4", "question": "Q4", "expected_articles": [], "must_include": [], "type": "out_of_scope"},
    {"id": "q5", "question": "Q5", "expected_articles": [], "must_include": [], "type": "out_of_scope"},
]


class ScriptedPipeline:
    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers

    def new_conversation(self) -> None:
        return None

    def ask(self, question: str, conversation: object = None) -> Answer:
        return self.answers[question]


def _cite(doc: Document, label: str, quote: str | None = None) -> Citation:
    article = doc.article(label)
    assert article is not None
    text = doc.article_text(article)
    return Citation(D, doc.title, label, text[5:25] if quote is None else quote)


def _answers(doc: Document) -> dict[str, Answer]:
    r = lambda *labels: tuple((D, a, 1.0) for a in labels)  # noqa: E731
    return {
        # rank 2; cites (十三) verbatim and (一) with an invented quote; both must_include found
        "Q1": Answer(
            "Q1",
            "可申领职业技能提升补贴，另见 ＡＢＣ。",
            False,
            "extractive",
            citations=(_cite(doc, "（十三）"), _cite(doc, "（一）", "捏造的原文")),
            retrieved=r("（一）", "（十三）", "（二）"),
            latency_ms=100,
        ),
        # rank 1 (duplicate retrieved rows count once); (十三) cited twice counts once; （一） not cited
        "Q2": Answer(
            "Q2",
            "见第（十三）条。",
            False,
            "extractive",
            citations=(_cite(doc, "（十三）"), _cite(doc, "（十三）")),
            retrieved=r("（十三）", "（十三）", "（五）"),
            latency_ms=200,
        ),
        # wrongly refused; the right article only at rank 4; other-doc#（二） never matches our （二）
        "Q3": Answer(
            "Q3",
            "抱歉。",
            True,
            "extractive",
            retrieved=r("（二）", "（三）", "（四）", "（十四）"),
            latency_ms=300,
        ),
        "Q4": Answer("Q4", "抱歉。", True, "extractive", retrieved=r("（一）"), latency_ms=400),
        # should have been refused
        "Q5": Answer("Q5", "……", False, "extractive", citations=(_cite(doc, "（一）"),), latency_ms=1000),
    }


@pytest.fixture()
def metrics(tmp_path: Path, documents: list[Document]) -> dict:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    qa = load_qa_file(path)
    assert not qa.problems
    doc = documents[0]
    results = EvalRunner(ScriptedPipeline(_answers(doc)), CitationChecker(documents)).run(qa.items)
    return compute_metrics(results)


def test_headline_metrics_match_hand_computed_values(metrics: dict) -> None:
    expected = {
        "n": 5,
        "hit_at_1": round(1 / 3, 4),  # q2 only, of q1 q2 q3
        "hit_at_3": round(2 / 3, 4),  # q1 (rank 2), q2
        "mrr": round((1 / 2 + 1 + 1 / 4) / 3, 4),
        "citation_precision": 0.75,  # q1 1/2, q2 1/1; q3 has no citations
        "citation_recall": 0.5,  # q1 1/1, q2 1/2, q3 0/2
        "must_include_recall": 0.5,  # q1 2/2 (ＡＢＣ ~ ABC after NFKC + casefold), q2 0/1
        "refusal_accuracy": 0.6,  # q3 wrongly refused, q5 wrongly answered
        "unverified_citations": 1,  # q1's invented quote
        "latency_ms_p50": 300.0,
        "latency_ms_p95": 880.0,  # 400 + 0.8 * (1000 - 400)
        "pass_rate": 0.2,  # only q4
        "false_refusals": 1,
        "missed_refusals": 1,
    }
    assert {k: metrics[k] for k in expected} == expected


def test_per_type_breakdown(metrics: dict) -> None:
    by_type = metrics["by_type"]
    assert list(by_type) == ["fact", "multi", "not_in_doc", "out_of_scope"]
    assert by_type["out_of_scope"]["n"] == 2
    assert by_type["out_of_scope"]["hit_at_1"] is None  # excluded from retrieval metrics
    assert by_type["out_of_scope"]["refusal_accuracy"] == 0.5
    assert by_type["not_in_doc"]["mrr"] == 0.25
    assert by_type["fact"]["citation_precision"] == 0.5


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    with pytest.raises(ValueError, match="0..100"):
        percentile([1.0], 101)
