"""The state app processes share between requests (ui/shared_state.py), on SQLite and on a real
PostgreSQL: two stores on one database stand for two processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from assistant.conversation import Turn
from tests.log.conftest import postgres_url  # noqa: F401  (a real PostgreSQL for the session)
from ui.shared_state import DatabaseBucket, DatabaseConversations, SharedDatabase


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    name = f"shared_{abs(hash(tmp_path)) % 10**9}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    yield base.rsplit("/", 1)[0] + "/" + name


def test_a_conversation_is_known_to_every_process(url: str) -> None:
    one, two = SharedDatabase(url), SharedDatabase(url)
    first, second = DatabaseConversations(one), DatabaseConversations(two)
    conversation = first.load(None)
    turn = Turn(
        "我的手机13812345678，职业技能提升补贴怎么申请？",
        "职业技能提升补贴怎么申请",
        "答复",
        (("doc", "（十三）"),),
    )
    first.save(conversation, [turn])
    seen = second.load(conversation.conversation_id)
    assert seen.conversation_id == conversation.conversation_id
    assert len(seen.turns) == 1 and seen.turns[0].articles == (("doc", "（十三）"),)
    assert "13812345678" not in seen.turns[0].question and "〔手机号〕" in seen.turns[0].question  # masked
    # both processes answer a turn of it at once: appended, neither lost
    a, b = first.load(conversation.conversation_id), second.load(conversation.conversation_id)
    first.save(a, [Turn("那需要什么条件？", "职业技能提升补贴 那需要什么条件？")])
    second.save(b, [Turn("还有别的吗？", "职业技能提升补贴 还有别的吗？")])
    assert [t.question for t in first.load(conversation.conversation_id).turns][1:] == [
        "那需要什么条件？",
        "还有别的吗？",
    ]
    # ids nobody issued, and a made-up id of any length, start afresh under a new id
    for made_up in ("0" * 32, "x" * 500, ""):
        fresh = second.load(made_up)
        assert fresh.conversation_id not in (made_up, conversation.conversation_id) and not fresh.turns
    one.close()
    two.close()


def test_conversations_expire(url: str) -> None:
    clock = [datetime(2026, 12, 3, 9, tzinfo=UTC)]
    store = DatabaseConversations(SharedDatabase(url), ttl_seconds=600, now=lambda: clock[0])
    conversation = store.load(None)
    store.save(conversation, [Turn("问", "问")])
    clock[0] += timedelta(seconds=599)
    assert store.load(conversation.conversation_id).turns
    clock[0] += timedelta(seconds=602)
    assert store.load(conversation.conversation_id).conversation_id != conversation.conversation_id
    store._swept = 0.0  # the next save sweeps expired rows away
    store.save(store.load(None), [Turn("新", "新")])
    assert len(store) == 1
    store.database.close()


def test_the_rate_limit_counts_across_processes(url: str) -> None:
    clock = [1000.0]
    first = DatabaseBucket(SharedDatabase(url), rate_per_minute=60, burst=3, clock=lambda: clock[0])
    second = DatabaseBucket(SharedDatabase(url), rate_per_minute=60, burst=3, clock=lambda: clock[0])
    taken = [first.take("10.0.0.1"), second.take("10.0.0.1"), first.take("10.0.0.1"), second.take("10.0.0.1")]
    assert [d.allowed for d in taken] == [True, True, True, False]
    assert taken[-1].retry_after == pytest.approx(1.0)
    assert second.take("10.0.0.2").allowed  # another client has its own bucket
    clock[0] += 1.0  # one request a second comes back
    assert first.take("10.0.0.1").allowed and not second.take("10.0.0.1").allowed
    assert DatabaseBucket(SharedDatabase(url), 0, 1).take("10.0.0.1").allowed  # 0 disables
    with SharedDatabase(url).begin() as db:
        stored = [r[0] for r in db.exec_driver_sql("SELECT client_hash FROM rate_limits").all()]
    assert len(stored) == 2 and not any("10.0.0" in s for s in stored)  # hashes, never addresses


def test_an_unreachable_database_neither_stops_answers_nor_blocks(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    down = SharedDatabase(f"sqlite:///{tmp_path / 'file' / 'cannot-be-made.sqlite3'}")
    conversations = DatabaseConversations(down)
    conversation = conversations.load("abc")
    assert conversation.conversation_id != "abc"
    conversations.save(conversation, [Turn("问", "问")])  # not kept, said in the log; no error
    assert DatabaseBucket(down, 60, 1).take("10.0.0.1").allowed  # let through, said in the log


def test_the_tables_come_with_the_logs_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    with SharedDatabase(url).begin():
        pass
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"api_conversations", "api_conversation_turns", "rate_limits", "turns", "staff_sessions"} <= tables
