"""Reviewed answers (人工审核答复) beside the answers: the figures of a tiny hand-made run equal the
values worked out by hand (evals/METRICS.md), results.jsonl and the reports say which was shown,
and a run without reviewed answers records nothing about them."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.models import Answer
from corpus.models import Document
from evals.compare import compare_runs
from evals.evaluate import evaluate
from evals.metrics import compute_metrics
from evals.qa_file import QAItem, load_qa_file
from evals.run_files import RunInfo, load_run
from evals.runner import EvalRunner
from evals.scoring import CitationChecker
from tests.evals.conftest import FakePipeline

D = "sh-digital-talent-2024"
A = "考了技能等级证书能享受补贴吗？"
B = "在上海创业有哪些扶持政策？"
ROWS = [
    # expects A, shown A (the spelling differs only in width and spaces): right
    {"id": "a", "question": "QA", "expected_articles": ["（十三）"], "type": "fact", "reviewed": A},
    # expects A, shown B: shown, but the wrong one
    {"id": "b", "question": "QB", "expected_articles": ["（十三）"], "type": "fact", "reviewed": A},
    # expects B, none shown
    {"id": "c", "question": "QC", "expected_articles": ["（五）"], "type": "fact", "reviewed": B},
    # expects none, none shown: right
    {"id": "d", "question": "QD", "expected_articles": ["（四）"], "type": "fact", "reviewed": False},
    # expects none, A shown: a false show
    {"id": "e", "question": "QE", "expected_articles": ["（八）"], "type": "fact", "reviewed": False},
    # not labelled, A shown: counted apart, not scored
    {"id": "f", "question": "QF", "expected_articles": ["（一）"], "type": "fact"},
]
SHOWN = {"QA": [" 考了技能等级证书能享受补贴吗?"], "QB": [B], "QC": [], "QD": [], "QE": [A], "QF": [A]}
ARTICLE = {"QA": "（十三）", "QB": "（十三）", "QC": "（五）", "QD": "（四）", "QE": "（八）", "QF": "（一）"}


def _items(tmp_path: Path) -> list[QAItem]:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    qa = load_qa_file(path)
    assert not qa.problems
    return list(qa.items)


def _pipeline(documents: list[Document]) -> FakePipeline:
    return FakePipeline(documents, lambda q: [(D, ARTICLE[q], 1.0)])


def _shown(answer: Answer) -> list[str]:
    return SHOWN[answer.question]


def test_reviewed_figures_match_hand_computed_values(tmp_path: Path, documents: list[Document]) -> None:
    runner = EvalRunner(_pipeline(documents), CitationChecker(documents), _shown)
    results = runner.run(_items(tmp_path))
    metrics = compute_metrics(results)
    assert {k: v for k, v in metrics.items() if "reviewed" in k} == {
        "reviewed_shown": round(2 / 3, 4),  # a, b of a b c
        "reviewed_correct": round(1 / 3, 4),  # a
        "reviewed_false": 1,  # e
        "reviewed_wrong": 1,  # b
        "reviewed_shown_unlabelled": 1,  # f
        "n_reviewed_expected": 3,
        "n_reviewed_none": 2,
    }
    flags = {r.item.id: r.score.passed.get("reviewed") for r in results}
    assert flags == {"a": True, "b": False, "c": False, "d": True, "e": False, "f": None}
    # every other flag passes (the fake quotes the expected article whole): b, c and e fail on it alone
    assert metrics["pass_rate"] == 0.5  # a, d, f
    assert metrics["by_type"]["fact"]["reviewed_false"] == 1


def test_results_and_reports_say_which_answer_was_shown(tmp_path: Path, documents: list[Document]) -> None:
    out = tmp_path / "run"
    info = RunInfo(
        qa_file="tiny.jsonl", mode="extractive", k=5, reviewed_file="faq.jsonl", reviewed_answers=2
    )
    evaluate(_pipeline(documents), _items(tmp_path), documents, info, out_dir=out, reviewed=_shown)
    run = load_run(out)
    rows = {r["id"]: r for r in run.results}
    assert rows["b"]["reviewed_shown"] == B and rows["b"]["reviewed_expected"] == A
    assert rows["c"]["reviewed_shown"] is None and rows["d"]["reviewed_expected"] is False
    assert rows["f"]["reviewed_expected"] is None and "reviewed" not in rows["f"]["passed"]
    assert run.metrics["run"]["reviewed_file"] == "faq.jsonl" and run.metrics["run"]["reviewed_answers"] == 2
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## 人工审核答复" in report and "`reviewed_correct` | 0.333 | 3 |" in report
    assert f"| b | QB | {A} | {B} | ✗ |" in report and "（不应显示）" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>人工审核答复</h2>" in html and "faq.jsonl" in html


def test_without_reviewed_answers_nothing_about_them_is_recorded(
    tmp_path: Path, documents: list[Document]
) -> None:
    plain, reviewed = tmp_path / "plain", tmp_path / "reviewed"
    items = _items(tmp_path)
    evaluate(_pipeline(documents), items, documents, RunInfo("tiny.jsonl", "extractive", 5), out_dir=plain)
    metrics = json.loads((plain / "metrics.json").read_text(encoding="utf-8"))
    assert not [k for k in metrics if "reviewed" in k] and "reviewed_file" not in metrics["run"]
    assert not [k for k in metrics["by_type"]["fact"] if "reviewed" in k]
    rows = [json.loads(x) for x in (plain / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert not [k for r in rows for k in (*r, *r["passed"]) if "reviewed" in k]
    assert "人工审核答复" not in (plain / "report.md").read_text(encoding="utf-8")
    assert "人工审核答复" not in (plain / "report.html").read_text(encoding="utf-8")

    info = RunInfo("tiny.jsonl", "extractive", 5, reviewed_file="faq.jsonl", reviewed_answers=2)
    evaluate(_pipeline(documents), items, documents, info, out_dir=reviewed, reviewed=_shown)
    deltas = {d.metric: d for d in compare_runs(load_run(plain), load_run(reviewed)).deltas}
    assert deltas["reviewed_correct"].a is None and deltas["reviewed_correct"].b == round(1 / 3, 4)
    both = compare_runs(load_run(plain), load_run(plain))
    assert not [d for d in both.deltas if "reviewed" in d.metric]
