"""``policy-assistant eval FILE`` and ``eval compare`` with a fake pipeline in place of the factory's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import assistant.factory
from corpus.models import Document
from evals.qa_file import QAItem
from tests.evals.conftest import DEV_DIR, FakePipeline, oracle_retriever, shuffled_retriever
from ui.cli import app

D = "sh-digital-talent-2024"
runner = CliRunner()


@pytest.fixture()
def use_fake(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, documents: list[Document], dev_items: list[QAItem]
):
    monkeypatch.setenv("POLICY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    calls: list[dict[str, Any]] = []

    def install(broken: bool = False) -> list[dict[str, Any]]:
        retrieve = shuffled_retriever(dev_items, D) if broken else oracle_retriever(dev_items, D)

        def make_pipeline(
            settings: Any, mode: str | None = None, k: int | None = None, held_out: Any = ()
        ) -> FakePipeline:
            calls.append({"mode": mode, "k": k})
            return FakePipeline(documents, retrieve)

        monkeypatch.setattr(assistant.factory, "make_pipeline", make_pipeline, raising=False)
        return calls

    return install


def _subset(tmp_path: Path, n: int = 12) -> Path:
    lines = (DEV_DIR / "qa.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    path = tmp_path / "subset.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_file_is_the_default_command(tmp_path: Path, use_fake) -> None:
    calls = use_fake()
    out = tmp_path / "runs" / "a"
    result = runner.invoke(
        app, ["eval", str(_subset(tmp_path)), "--out", str(out), "--mode", "extractive", "--k", "4"]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"metrics.json", "results.jsonl", "report.md", "report.html"}
    assert calls == [{"mode": "extractive", "k": 4}]
    assert "命中@3" in result.output and "结果已写入" in result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 12 and metrics["run"]["k"] == 4


def test_eval_accepts_conversations_and_explicit_run(tmp_path: Path, use_fake) -> None:
    use_fake()
    out = tmp_path / "conv"
    result = runner.invoke(app, ["eval", "run", str(DEV_DIR / "conversations.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("conversation" in r and r["turn"] >= 1 for r in rows)


def test_on_error_stop_lists_every_problem_and_runs_nothing(tmp_path: Path, use_fake) -> None:
    calls = use_fake()
    path = _subset(tmp_path, 3)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            '{"id": "x1", "question": "坏行"\n{"id": "x2", "question": "类型错", "expected_articles": ["（一）"], "type": "nope"}\n'
        )
    out = tmp_path / "stopped"
    result = runner.invoke(app, ["eval", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "第 4 行" in result.output and "第 5 行" in result.output and "--on-error skip" in result.output
    assert calls == [] and not out.exists()

    result = runner.invoke(app, ["eval", str(path), "--out", str(out), "--on-error", "skip"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 3
    assert [s[:6] for s in metrics["run"]["skipped"]] == ["第 4 行：", "第 5 行："]


def test_gate_option_fails_with_a_broken_retriever(tmp_path: Path, use_fake) -> None:
    use_fake(broken=True)
    result = runner.invoke(
        app, ["eval", str(_subset(tmp_path)), "--out", str(tmp_path / "b"), "--gate", "evals/thresholds.json"]
    )
    assert result.exit_code == 1
    assert "hit_at_3 = 0 is below minimum" in result.output


def test_compare_shows_deltas_and_flips(tmp_path: Path, use_fake) -> None:
    qa = _subset(tmp_path)
    use_fake()
    assert runner.invoke(app, ["eval", str(qa), "--out", str(tmp_path / "good")]).exit_code == 0
    use_fake(broken=True)
    assert runner.invoke(app, ["eval", str(qa), "--out", str(tmp_path / "bad")]).exit_code == 0
    result = runner.invoke(app, ["eval", "compare", str(tmp_path / "good"), str(tmp_path / "bad")])
    assert result.exit_code == 0, result.output
    assert "指标变化" in result.output and "-1.000" in result.output
    assert "通过 → 未通过（12）" in result.output and "q001" in result.output
    assert "未通过 → 通过：无" in result.output


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "compare", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2
    assert "不是评测结果目录" in result.output
