from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.log import ConversationLog, TurnRecord
from ui.cli import app


@pytest.fixture
def log_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConversationLog:
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    monkeypatch.setenv("POLICY_LOG_URL", url)
    log = ConversationLog(url)
    log.record(TurnRecord("旧", "a", "llm", created_at=datetime(2024, 5, 1, tzinfo=UTC)))
    log.record(TurnRecord("新", "b", "extractive", created_at=datetime(2025, 5, 1, tzinfo=UTC)))
    return log


def test_export_jsonl_to_a_file(log_env: ConversationLog, tmp_path: Path) -> None:
    out = tmp_path / "out" / "log.jsonl"
    result = CliRunner().invoke(app, ["log", "export", "--since", "2025-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in rows] == ["新"]


def test_export_csv_to_stdout(log_env: ConversationLog) -> None:
    result = CliRunner().invoke(app, ["log", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("id,conversation_id,created_at,question")
    assert "旧" in result.stdout and "新" in result.stdout


def test_bad_arguments_say_what_to_do(log_env: ConversationLog) -> None:
    bad_date = CliRunner().invoke(app, ["log", "export", "--since", "01/02/2025"])
    assert bad_date.exit_code != 0 and "YYYY-MM-DD" in bad_date.output
    bad_format = CliRunner().invoke(app, ["log", "export", "--format", "xml"])
    assert bad_format.exit_code != 0 and "csv" in bad_format.output
