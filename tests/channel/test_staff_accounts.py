"""Staff sign-in over the channel's accounts: roles, expiry, the older ways to sign in, the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from channel.passwords import hash_password
from channel.store import ChannelStore
from ui.cli import app as cli
from ui.staff_accounts import ChannelStaffAuth, allows


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> ChannelStore:
    store = ChannelStore(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.add_user("li", hash_password("li-password-123"), "reviewer")
    return store


def test_roles_nest() -> None:
    assert allows("admin", "operator") and allows("reviewer", "operator") and allows("admin", "admin")
    assert (
        not allows("operator", "reviewer") and not allows("reviewer", "admin") and not allows("x", "operator")
    )


def test_database_accounts_sessions_expire_and_end(store: ChannelStore) -> None:
    clock = Clock()
    auth = ChannelStaffAuth(store, session_minutes=30, now=clock)
    assert auth.enabled  # a user in the database opens the staff pages
    assert auth.role_of("li", "li-password-123") == "reviewer"
    assert not auth.check("li", "wrong-password")
    assert not auth.check("ghost", "li-password-123")
    token = auth.sign_in("li")
    actor = auth.actor(token)
    assert actor is not None and (actor.name, actor.role) == ("li", "reviewer")
    clock.now += timedelta(minutes=29)
    assert auth.user(token) == "li"
    clock.now += timedelta(minutes=2)
    assert auth.user(token) is None  # expired
    second = auth.sign_in("li")
    assert auth.sign_out(second) == "li" and auth.user(second) is None
    actions = [(e.actor, e.action) for e in store.audit_events()]
    assert (
        ("li", "login.refused") in actions
        and ("ghost", "login.refused") in actions
        and ("li", "logout") in actions
    )


def test_admin_token_and_legacy_accounts_keep_working(store: ChannelStore) -> None:
    auth = ChannelStaffAuth(store, {"wang": "wang-password"}, admin_token="the-token")
    assert auth.role_of("admin", "the-token") == "admin"
    assert auth.role_of("admin", "nope") is None
    assert auth.role_of("wang", "wang-password") == "operator"
    admin = auth.actor(auth.sign_in("admin"))
    assert admin is not None and admin.role == "admin"
    assert auth.admin_token_matches("the-token") and not auth.admin_token_matches("the-toke")


def test_closed_without_any_account(tmp_path: Path) -> None:
    assert not ChannelStaffAuth(ChannelStore(f"sqlite:///{tmp_path / 'x.sqlite3'}")).enabled


def test_users_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("POLICY_LOG_URL", raising=False)
    runner = CliRunner()
    weak = runner.invoke(cli, ["users", "add", "zhao", "--password-stdin"], input="short\n")
    assert weak.exit_code == 2 and "密码至少" in weak.output
    bad_role = runner.invoke(cli, ["users", "add", "zhao", "--role", "root", "--password-stdin"], input="x\n")
    assert bad_role.exit_code != 0
    added = runner.invoke(
        cli, ["users", "add", "zhao", "--role", "admin"], input="zhao-password-1\nzhao-password-1\n"
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli, ["users", "add", "zhao", "--password-stdin"], input="zhao-password-2\n")
    assert again.exit_code == 1 and "已存在" in again.output
    listed = runner.invoke(cli, ["users", "list"])
    assert "zhao" in listed.output and "admin" in listed.output
    assert runner.invoke(cli, ["users", "disable", "zhao"]).exit_code == 0
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1
    store = ChannelStore(f"sqlite:///{(tmp_path / 'conversations.sqlite3').resolve()}")
    user = store.user("zhao")
    assert user is not None and user.disabled and user.password_hash.startswith("$argon2id$")
    assert "zhao-password-1" not in str(store.audit_events())
