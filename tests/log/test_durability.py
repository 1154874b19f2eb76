"""Issue 15: no turn is lost when the log database fails and recovers, and what truly cannot be
written is said loudly (real SQLite files; the PostgreSQL case is in test_postgres.py)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from assistant.log import ConversationLog, TurnRecord


def _turn(question: str, conversation_id: str = "c") -> TurnRecord:
    return TurnRecord(question=question, answer="答", mode="extractive", conversation_id=conversation_id)


def test_a_deleted_data_dir_is_made_again_and_nothing_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = ConversationLog(f"sqlite:///{data / 'conversations.sqlite3'}", spool_dir=data / "log-spool")
    assert log.record(_turn("删除之前")) is not None
    shutil.rmtree(data)  # an operator (or a cleanup job) removes the data folder while serving
    for n in range(3):
        log.record(_turn(f"删除之后{n}"))
    log.record(_turn("最后"))
    assert log.pending == 0
    questions = [t.question for t in log.turns()]
    # the turn before the deletion went with the folder; every later one is in the new database
    assert questions == ["删除之后0", "删除之后1", "删除之后2", "最后"]
    log.close()


def test_read_only_database_keeps_turns_on_disk_and_the_next_process_writes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "conversations.sqlite3"
    spool = tmp_path / "log-spool"
    ConversationLog(f"sqlite:///{db}", spool_dir=spool).record(_turn("可写时"))
    read_only = ConversationLog(f"sqlite:///file:{db}?mode=ro&uri=true", spool_dir=spool, retry_seconds=0)
    assert read_only.record(_turn("只读时一")) is None
    assert read_only.record(_turn("只读时二")) is None
    assert read_only.pending == 2
    read_only.close()
    err = capsys.readouterr().err
    assert "2 条对话记录未能写入日志数据库" in err and str(spool) in err  # loud, with where they are
    lines = (spool / "unwritten-turns.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["question"] for line in lines] == ["只读时一", "只读时二"]

    writable = ConversationLog(f"sqlite:///{db}", spool_dir=spool)  # the database is writable again
    assert writable.flush() == 0
    assert [t.question for t in writable.turns()] == ["可写时", "只读时一", "只读时二"]
    assert not (spool / "unwritten-turns.jsonl").exists()
    writable.close()


def test_turns_are_masked_on_disk(tmp_path: Path) -> None:
    spool = tmp_path / "log-spool"
    log = ConversationLog(f"sqlite:///file:{tmp_path / 'x.sqlite3'}?mode=ro&uri=true", spool_dir=spool)
    log.record(_turn("我的手机13812345678，邮箱a@b.cn，补贴怎么领"))
    text = (spool / "unwritten-turns.jsonl").read_text(encoding="utf-8")
    assert "13812345678" not in text and "a@b.cn" not in text and "〔手机号〕" in text
    log.close()


def test_a_retry_writes_the_spool_without_new_turns(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the database folder should be")
    spool = tmp_path / "log-spool"
    log = ConversationLog(f"sqlite:///{blocked / 'log.sqlite3'}", spool_dir=spool, retry_seconds=0.2)
    assert log.record(_turn("等待中")) is None
    blocked.unlink()  # the store recovers; no one asks anything
    deadline = time.monotonic() + 10
    while log.pending and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log.pending == 0
    assert [t.question for t in log.turns()] == ["等待中"]
    log.close()


def test_when_nothing_can_be_written_the_turns_are_printed_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    log = ConversationLog(
        f"sqlite:///{tmp_path / 'file' / 'log.sqlite3'}",
        spool_dir=tmp_path / "file" / "spool",
        retry_seconds=0,
    )
    log.record(_turn("手机13812345678，能领补贴吗"))
    log.close()
    err = capsys.readouterr().err
    assert "1 条对话记录无法写入" in err
    [line] = [line for line in err.splitlines() if line.startswith("UNWRITTEN-TURN ")]
    turn = json.loads(line.removeprefix("UNWRITTEN-TURN "))
    assert turn["question"] == "手机〔手机号〕，能领补贴吗"
