"""evals.bench: each benchmark is a function; rows become one table and BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from evals import bench


def test_rows_from_every_selected_benchmark_land_in_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def fake(options: bench.BenchOptions, work: Path) -> list[bench.Row]:
        seen.append(work)
        assert work.is_dir()
        return [
            bench.Row("fake", "v", "latency p50", 12.345, "ms", "note"),
            bench.Row("fake", "v", "hit@3", 0.9),
        ]

    monkeypatch.setattr(bench, "BENCHMARKS", {"one": fake, "two": fake})
    rows = bench.run_benchmarks(["one", "two"], bench.BenchOptions())
    assert len(rows) == 4 and [p.name for p in seen] == ["one", "two"]

    console = Console(record=True, width=120)
    console.print(bench.rich_table(rows))
    shown = console.export_text()
    assert "12.3" in shown and "0.900" in shown

    text = bench.markdown(rows, "python -m evals.bench --only one", peak_mb=100)
    assert "`python -m evals.bench --only one`" in text
    assert "| fake | v | latency p50 | 12.3 | ms | note |" in text


def test_every_benchmark_is_registered() -> None:
    assert set(bench.BENCHMARKS) == {"retrieval", "distractors", "embedding", "answer", "stard"}


def test_stard_is_skipped_with_a_warning_when_its_files_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STARD_DIR", str(tmp_path / "nowhere"))
    assert bench.stard_benchmark(bench.BenchOptions(), tmp_path) == []
    assert "STARD benchmark skipped" in caplog.text and "nowhere" in caplog.text


def test_a_question_s_latency_is_its_fastest_pass_and_every_search_is_counted_too() -> None:
    import time

    from evals.benchmarks import retrieval
    from index.models import Hit

    questions = [retrieval.Question(f"q{i}", f"问题{i}", (("doc", "（一）"),), "fact") for i in range(20)]
    calls: dict[str, int] = {}

    class Stalling:
        """Finds （一） for every question; each question's first measured search stalls 30 ms."""

        def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]:
            calls[query] = calls.get(query, 0) + 1
            warmed_up = query == questions[0].question  # evaluate searched it once to warm up
            if calls[query] == (2 if warmed_up else 1):
                time.sleep(0.03)
            return [Hit("doc", "标题", "（一）", "", "", 1.0, 0, 2, "正文")]

    m = retrieval.evaluate(Stalling(), questions, passes=3)
    assert m.hit_at_1 == 1.0 and m.misses == ()
    assert m.p95_every_search_ms >= 30 > m.p95_ms
    assert all(count >= 3 for count in calls.values())
    with pytest.raises(ValueError, match="passes"):
        retrieval.evaluate(Stalling(), questions, passes=0)


def test_a_stard_result_becomes_rows_naming_the_corpus_size() -> None:
    entry = {
        "n": 3,
        "recall_at_1": 0.25,
        "recall_at_5": 0.5,
        "recall_at_10": 0.5,
        "recall_at_100": 0.75,
        "hit_at_10": 2 / 3,
        "mrr_at_10": 0.5,
        "corpus_articles": 58113,
        "index_seconds": 12.0,
        "query_p50_ms": 1.0,
        "query_p95_ms": 3.5,
    }
    result = {
        "bm25_plain": entry,
        "hybrid": {**entry, "corpus_articles": 10615},
        "hybrid_fixed": {**entry, "corpus_articles": 10615, "mrr_at_10": 0.4},
        "keyword_labelled": {**entry, "recall_at_100": 0.85},
        "peak_memory_mb": 900.0,
        "run": {"dense": None},
    }
    rows = bench.stard_rows(result)
    shown = {(r.variant, r.metric): r.shown() for r in rows}
    assert shown[("bm25_plain (58,113 articles)", "R@100")] == "0.750"
    assert shown[("hybrid (10,615 articles)", "query p95")] == "3.5"
    # the learned fusion is shown beside the fixed default
    assert shown[("hybrid_fixed (10,615 articles)", "MRR@10")] == "0.400"
    assert shown[("keyword_labelled (58,113 articles)", "R@100")] == "0.850"
    assert shown[("process", "peak memory")] == "900.0"


def test_coldstart_compares_two_checkouts_side_by_side(tmp_path: Path) -> None:
    import argparse

    from evals.benchmarks import coldstart

    before = coldstart.Variant.parse(f"before={tmp_path}:{tmp_path / 'data-old'}")
    assert before.name == "before" and before.data_dir == (tmp_path / "data-old").resolve()
    env = before.env()
    assert env["POLICY_DATA_DIR"] == str(before.data_dir) and env["PYTHONPATH"].startswith(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError):
        coldstart.Variant.parse("before=/only/a/source")
    table = coldstart.table(
        {
            "before": {"cold_search_median_s": 20.0, "phases": {"warm_p95_ms": 16.0}},
            "after": {"cold_search_median_s": 2.5, "phases": {"warm_p95_ms": 12.0}},
        }
    )
    assert "| cold search, median wall | 20.0 | 2.5 | s | 0.12 |" in table
    assert "| warm search p95 | 16.0 | 12.0 | ms | 0.75 |" in table
    assert "serve ready" not in table  # a measure no variant has is left out
