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
    assert set(bench.BENCHMARKS) == {"retrieval", "distractors", "embedding", "answer"}
