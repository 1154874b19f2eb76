"""The channel's tables: the migration from the conversation log's first schema, and the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from assistant.log import ConversationLog, TurnRecord
from assistant.log.migrate import current_revision, head_revision, upgrade
from channel.passwords import check_strength, hash_password, verify_password
from channel.store import ChannelStore, NewMessage, Reply, UserExists


def _new(code: str = "c1", client: str = "k1", question: str = "补贴怎么申请？") -> NewMessage:
    return NewMessage(
        code_hash=code,
        doc_id="sh-digital-talent-2024",
        doc_title="实施方案",
        question=question,
        question_hash="h-" + question,
        contact="13800000000",
        client_hash=client,
    )


def test_upgrade_of_an_existing_log_keeps_every_turn_and_feedback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'conversations.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:  # a log as the released version left it: revision 0001
        upgrade(connection, "0001")
    engine.dispose()
    old = ConversationLog(url)
    old._migrated = True  # write with the old schema only (do not upgrade yet)
    ids = [
        old.record(TurnRecord(question=f"问题{i}", answer=f"回答{i}", mode="extractive")) for i in range(3)
    ]
    assert ids[0] is not None
    old.feedback(ids[0], -1, "没说金额")
    old.close()
    with create_engine(url).connect() as connection:
        assert current_revision(connection) == "0001"
        assert "channel_messages" not in inspect(connection).get_table_names()

    store = ChannelStore(url)
    assert store.counts() == {"new": 0, "in_progress": 0, "answered": 0, "closed": 0}
    store.close()
    with create_engine(url).connect() as connection:
        assert current_revision(connection) == head_revision() == "0004"
        tables = set(inspect(connection).get_table_names())
    assert {
        "turns",
        "feedback",
        "channel_messages",
        "channel_replies",
        "staff_users",
        "audit_events",
    } <= tables
    log = ConversationLog(url)
    turns = log.turns()
    assert [t.question for t in turns] == ["问题0", "问题1", "问题2"]
    assert turns[0].feedback[0].comment == "没说金额"
    log.close()


def test_messages_replies_counts_and_filters(tmp_path: Path) -> None:
    store = ChannelStore(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    first = store.add_message(_new("c1"))
    second = store.add_message(_new("c2", question="有效期到哪年？"))
    assert store.counts() == {"new": 2, "in_progress": 0, "answered": 0, "closed": 0}
    assert [m.id for m in store.messages()] == [first, second]  # oldest first
    assert store.message_by_code("nope") is None
    reply = Reply(author="wang", text="请看第（十三）条。", citations=({"article": "（十三）"},))
    store.add_reply(first, reply)
    found = store.message_by_code("c1")
    assert found is not None and found.status == "answered" and found.replies[0].text == "请看第（十三）条。"
    assert store.counts()["answered"] == 1
    assert [m.id for m in store.messages(status="new")] == [second]
    assert store.messages(doc_id="other") == []
    assert store.set_status(first, "closed")
    assert not store.set_status(999, "closed")
    with pytest.raises(ValueError):
        store.set_status(first, "gone")
    since = datetime.now(UTC) - timedelta(hours=1)
    assert store.messages_from("k1", since) == 2
    assert store.duplicate("sh-digital-talent-2024", "h-补贴怎么申请？", "k1", since)
    assert not store.duplicate("sh-digital-talent-2024", "h-补贴怎么申请？", "k2", since)


def test_users_sessions_and_audit(tmp_path: Path) -> None:
    store = ChannelStore(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert not store.has_users()
    store.add_user("li", hash_password("a-long-password-1"), "operator")
    with pytest.raises(UserExists):
        store.add_user("li", hash_password("another-password-2"), "admin")
    with pytest.raises(ValueError):
        store.add_user("zhao", "x", "superuser")
    user = store.user("li")
    assert user is not None and user.role == "operator" and not user.disabled
    assert verify_password(user.password_hash, "a-long-password-1")
    assert not verify_password(user.password_hash, "wrong")
    assert not verify_password(None, "anything")
    expires = datetime.now(UTC) + timedelta(minutes=5)
    store.add_session("t1", "li", "operator", expires)
    session = store.session("t1")
    assert session is not None and session.name == "li"
    assert store.session("t1", now=expires + timedelta(seconds=1)) is None  # expired: gone
    store.add_session("t2", "li", "operator", expires)
    store.update_user("li", disabled=True)  # disabling ends the user's sessions
    assert store.session("t2") is None
    store.audit("li", "reply", "message:1", {"citations": 1})
    [event] = store.audit_events()
    assert (event.actor, event.action, event.target, event.detail) == (
        "li",
        "reply",
        "message:1",
        {"citations": 1},
    )


def test_password_strength() -> None:
    check_strength("correct-horse-9")
    for weak in ("short", "aaaaaaaaaaaa"):
        with pytest.raises(ValueError):
            check_strength(weak)


@pytest.mark.slow
def test_postgres_upgrade_and_store(postgres_url: str) -> None:
    store = ChannelStore(postgres_url)
    message_id = store.add_message(_new("pg-code"))
    store.add_reply(message_id, Reply(author="wang", text="答复", sources=({"title": "标准"},)))
    found = store.message_by_code("pg-code")
    assert found is not None and found.replies[0].sources[0]["title"] == "标准"
    store.add_user("pg-user", hash_password("pg-password-1"), "reviewer")
    assert store.user("pg-user") is not None
    with create_engine(postgres_url).connect() as connection:
        assert current_revision(connection) == head_revision()
    store.close()
