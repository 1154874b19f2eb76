from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from assistant.log import ConversationLog, LogUnavailable, TurnRecord
from assistant.log.migrate import head_revision
from assistant.models import Answer, Citation

CITATION = {"doc_id": "sh-digital-talent-2024", "doc_title": "T", "article": "（十三）", "quote": "q"}


def _turn(question: str = "补贴怎么申请？", **extra: object) -> TurnRecord:
    values: dict[str, object] = {
        "question": question,
        "answer": "可按规定享受补贴。",
        "mode": "llm",
        "conversation_id": "c1",
        "citations": (CITATION,),
        "latencies": {"retrieve": 12.5, "answer": 300.0},
    }
    values.update(extra)
    return TurnRecord(**values)  # type: ignore[arg-type]


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sub' / 'log.sqlite3'}"


def test_construction_touches_nothing(tmp_path: Path) -> None:
    ConversationLog(_url(tmp_path))
    assert not (tmp_path / "sub").exists()
    with pytest.raises(ValueError, match="lock_timeout"):
        ConversationLog(_url(tmp_path), lock_timeout=0)


def test_migrates_on_first_use_and_records(tmp_path: Path) -> None:
    log = ConversationLog(_url(tmp_path))
    turn_id = log.record(_turn(refused=False, fallback_reason="", language="zh"))
    assert turn_id == 1
    engine = create_engine(_url(tmp_path))
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        version = connection.exec_driver_sql("select version_num from alembic_version").scalar()
    assert {"turns", "feedback", "alembic_version"} <= tables
    assert version == head_revision()
    [logged] = log.recent(5)
    assert logged.question == "补贴怎么申请？" and logged.mode == "llm"
    assert logged.citations == (CITATION,)
    assert logged.latencies == {"retrieve": 12.5, "answer": 300.0}
    assert logged.created_at.tzinfo is not None
    # A second log on the same database does not migrate again or lose rows.
    assert ConversationLog(_url(tmp_path)).count() == 1


def test_record_a_pipeline_answer(tmp_path: Path) -> None:
    answer = Answer(
        question="补贴？",
        text="可以。",
        refused=False,
        mode="extractive",
        citations=(Citation("d", "T", "（十三）", "q"),),
        fallback_reason="大模型接口超时",
        timings_ms={"answer": 1.234},
        latency_ms=9.87,
    )
    log = ConversationLog(_url(tmp_path))
    log.record(answer, "conv-9")
    [logged] = log.recent(1)
    assert logged.conversation_id == "conv-9"
    assert logged.fallback_reason == "大模型接口超时"
    assert logged.latencies == {"answer": 1.23, "total": 9.87}
    assert logged.citations[0]["article"] == "（十三）"


def test_feedback_and_recent_order(tmp_path: Path) -> None:
    log = ConversationLog(_url(tmp_path))
    first = log.record(_turn("一"))
    second = log.record(_turn("二"))
    assert first is not None and second is not None
    log.feedback(second, -1, "没有回答金额")
    log.feedback(second, 1)
    recent = log.recent(2)
    assert [t.question for t in recent] == ["二", "一"]
    assert [f.rating for f in recent[0].feedback] == [-1, 1]
    assert recent[0].feedback[0].comment == "没有回答金额"
    with pytest.raises(ValueError, match="rating"):
        log.feedback(first, 5)
    with pytest.raises(ValueError, match="没有找到这条回答"):
        log.feedback(999, 1)


def test_export_jsonl_csv_and_since(tmp_path: Path) -> None:
    log = ConversationLog(_url(tmp_path))
    log.record(_turn("旧问题", created_at=datetime(2024, 12, 31, 23, 0, tzinfo=UTC)))
    new_id = log.record(_turn("新问题", created_at=datetime(2025, 1, 2, tzinfo=UTC)))
    assert new_id is not None
    log.feedback(new_id, 1, "好")
    out = io.StringIO()
    assert log.export(out, format="jsonl") == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["question"] for r in rows] == ["旧问题", "新问题"]
    assert rows[1]["feedback"][0]["rating"] == 1
    out = io.StringIO()
    assert log.export(out, since=date(2025, 1, 1), format="csv") == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["question"] == "新问题"
    assert row["citations"] == "sh-digital-talent-2024#（十三）"
    assert row["rating"] == "1" and row["refused"] == "false"
    with pytest.raises(ValueError, match="format"):
        log.export(io.StringIO(), format="xml")  # type: ignore[arg-type]


def test_locked_database_keeps_the_turn_and_retries(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = ConversationLog(_url(tmp_path), lock_timeout=0.2)
    assert log.record(_turn("之前")) == 1
    blocker = sqlite3.connect(tmp_path / "sub" / "log.sqlite3", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        with caplog.at_level(logging.ERROR, logger="assistant.log"):
            assert log.record(_turn("锁住时")) is None
        assert time.perf_counter() - started < 2
        assert log.pending == 1
        assert any("kept for retry" in r.getMessage() for r in caplog.records)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert log.record(_turn("之后")) == 3  # the queued turn was written first, in order
    assert log.pending == 0
    assert [t.question for t in log.recent(5)] == ["之后", "锁住时", "之前"]


def test_unreachable_database_reports_queue_overflow_and_close(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "file").write_text("x")
    log = ConversationLog(f"sqlite:///{tmp_path / 'file' / 'log.sqlite3'}", max_pending=2)
    with caplog.at_level(logging.ERROR, logger="assistant.log"):
        for n in range(3):
            assert log.record(_turn(str(n))) is None
        assert log.pending == 2
        log.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any("queue full" in m for m in messages)
    assert any("closed with 2 unwritten" in m for m in messages)
    with pytest.raises(LogUnavailable):
        log.recent(1)


def test_url_hides_password() -> None:
    log = ConversationLog("postgresql+psycopg://user:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in log.url
