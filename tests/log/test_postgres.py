"""The conversation log against a real PostgreSQL server (started by the fixture)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from assistant.log import ConversationLog, TurnRecord
from assistant.log.migrate import head_revision
from tests.log.conftest import PostgresServer


@pytest.mark.slow
def test_postgres_migrates_records_and_exports(postgres_url: str) -> None:
    log = ConversationLog(postgres_url)
    first = log.record(
        TurnRecord(
            question="手机13812345678，补贴怎么申请？",
            answer="可以。",
            mode="llm",
            conversation_id="pg",
            citations=({"doc_id": "d", "article": "（十三）", "quote": "q"},),
            latencies={"answer": 12.0},
        )
    )
    assert first is not None
    log.feedback(first, 1, "有用")
    [turn] = log.recent(1)
    assert turn.question == "手机〔手机号〕，补贴怎么申请？"
    assert turn.citations[0]["article"] == "（十三）" and turn.feedback[0].rating == 1
    out = io.StringIO()
    assert log.export(out, format="jsonl") >= 1
    assert json.loads(out.getvalue().splitlines()[-1])["conversation_id"] == "pg"
    with create_engine(postgres_url).connect() as connection:
        version = connection.exec_driver_sql("select version_num from alembic_version").scalar()
    assert version == head_revision()
    log.close()


@pytest.mark.slow
def test_postgres_down_keeps_turns_for_retry(postgres_url: str) -> None:
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    log = ConversationLog(postgres_url.replace(f":{port}/", ":1/"), lock_timeout=1)
    assert log.record(TurnRecord(question="q", answer="a", mode="extractive")) is None
    assert log.pending == 1


@pytest.mark.slow
def test_postgres_stopped_and_restarted_loses_no_turn(
    postgres_server: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: the server goes away mid-run and comes back; then it goes away at shutdown and a
    new process writes what the old one kept on disk. Every turn arrives once, in order."""
    spool = tmp_path / "log-spool"
    log = ConversationLog(postgres_server.url, lock_timeout=1, spool_dir=spool, retry_seconds=0)
    assert log.record(TurnRecord(question="一", answer="a", mode="extractive")) is not None
    postgres_server.stop()
    assert log.record(TurnRecord(question="二", answer="a", mode="extractive")) is None
    assert log.record(TurnRecord(question="三", answer="a", mode="extractive")) is None
    assert log.pending == 2 and (spool / "unwritten-turns.jsonl").exists()
    postgres_server.start()
    assert log.record(TurnRecord(question="四", answer="a", mode="extractive")) is not None
    assert log.pending == 0
    postgres_server.stop()
    log.record(TurnRecord(question="五", answer="a", mode="extractive"))
    log.close()  # shutting down while the database is away: on disk, said loudly
    assert "1 条对话记录未能写入日志数据库" in capsys.readouterr().err
    postgres_server.start()
    restarted = ConversationLog(postgres_server.url, lock_timeout=1, spool_dir=spool)
    assert restarted.record(TurnRecord(question="六", answer="a", mode="extractive")) is not None
    assert [t.question for t in restarted.turns()] == ["一", "二", "三", "四", "五", "六"]
    restarted.close()
