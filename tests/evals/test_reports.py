"""The run directory: contract keys, report.md and a self-contained, escaped report.html."""

from __future__ import annotations

import json
import re
from pathlib import Path

from corpus.models import Document
from evals.evaluate import evaluate
from evals.qa_file import QAItem
from evals.run_files import RunInfo, load_run
from tests.evals.conftest import FakePipeline, oracle_retriever

D = "sh-digital-talent-2024"
HOSTILE = '<script>alert("x")</script> 补贴 & 条件'


def _run(tmp_path: Path, documents: list[Document], items: list[QAItem]) -> Path:
    pipeline = FakePipeline(documents, oracle_retriever(items, D))
    out = tmp_path / "run"
    evaluate(
        pipeline,
        items,
        documents,
        RunInfo(qa_file="x.jsonl", mode="extractive", k=5, commit="abc"),
        out_dir=out,
    )
    return out


def _items(dev_items: list[QAItem]) -> list[QAItem]:
    first = dev_items[0]
    hostile = QAItem(
        id="evil", question=HOSTILE, type="fact", expected=first.expected, must_include=("不会出现的词",)
    )
    conv = [i for i in dev_items if i.conversation][:3]
    return [hostile, *dev_items[:5], *conv]


def test_run_directory_follows_the_contract(
    tmp_path: Path, documents: list[Document], dev_items: list[QAItem]
) -> None:
    out = _run(tmp_path, documents, _items(dev_items))
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    for key in (
        "n",
        "hit_at_1",
        "hit_at_3",
        "mrr",
        "citation_precision",
        "citation_recall",
        "must_include_recall",
        "refusal_accuracy",
        "unverified_citations",
        "latency_ms_p50",
        "latency_ms_p95",
        "by_type",
    ):
        assert key in metrics, key
    assert metrics["n"] == 9 and metrics["unverified_citations"] == 0
    assert (
        metrics["run"]["mode"] == "extractive"
        and metrics["run"]["k"] == 5
        and metrics["run"]["commit"] == "abc"
    )
    assert metrics["run"]["timestamp"]
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    for key in (
        "id",
        "question",
        "type",
        "retrieved",
        "answer",
        "refused",
        "citations",
        "passed",
        "latency_ms",
    ):
        assert all(key in r for r in rows), key
    assert set(rows[1]["retrieved"][0]) == {"doc_id", "article", "score"}
    assert set(rows[1]["citations"][0]) == {"doc_id", "doc_title", "article", "quote"}
    turns = [r for r in rows if "conversation" in r]
    assert [(r["conversation"], r["turn"]) for r in turns] == [("c01", 1), ("c01", 2), ("c01", 3)]
    assert rows[0]["passed"]["must_include"] is False
    assert load_run(out).metrics == metrics


def test_report_html_is_self_contained_and_escaped(
    tmp_path: Path, documents: list[Document], dev_items: list[QAItem]
) -> None:
    out = _run(tmp_path, documents, _items(dev_items))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page  # the question is shown, escaped, never executed
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 补贴 &amp; 条件" in page
    assert page.count("<svg") == 2  # per-type bars and latency histogram
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing loaded from elsewhere
    assert "<link" not in page
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "命中@3" in report and "evil" in report and "<script>" not in report
