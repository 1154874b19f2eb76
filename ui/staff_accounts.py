"""Staff sign-in with roles over staff accounts in the database, sessions in the database.

:class:`ChannelStaffAuth` is the staff pages' :class:`ui.staff.StaffAuth` backed by the channel's
store: accounts made with ``policy-assistant users add`` (argon2 hashes, a role each, disabled
rather than deleted), sessions kept as the SHA-256 of a random token with an expiry — so any
process behind the same database knows them and signing out or disabling a user ends them
everywhere. Two older ways to sign in keep working: ``POLICY_ADMIN_TOKEN`` signs in as ``admin``
(role admin) and ``POLICY_STAFF_ACCOUNTS`` names operators. Every sign-in, refusal and sign-out
is in the audit trail (names, never passwords).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assistant.settings import Settings
from channel.passwords import verify_password
from channel.store import ChannelStore
from ui.staff import StaffAuth, parse_accounts

#: each role may do what the roles before it may
ROLE_ORDER = ("operator", "reviewer", "admin")
ROLE_NAMES = {"operator": "坐席", "reviewer": "审核员", "admin": "管理员"}


def allows(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (admin ⊇ reviewer ⊇ operator)."""
    if role not in ROLE_ORDER or needed not in ROLE_ORDER:
        return False
    return ROLE_ORDER.index(role) >= ROLE_ORDER.index(needed)


def token_hash(token: str) -> str:
    return hashlib.sha256(("policy-assistant-staff-session:" + token).encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


class ChannelStaffAuth(StaffAuth):
    def __init__(
        self,
        store: ChannelStore,
        accounts: dict[str, str] | None = None,
        admin_token: str = "",
        session_minutes: float = 480.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(accounts or {}, session_minutes)
        self.store = store
        self._admin_token = admin_token
        self._now = now

    @classmethod
    def from_settings(cls, settings: Settings, store: ChannelStore | None = None) -> ChannelStaffAuth:
        accounts = (
            parse_accounts(settings.staff_accounts.get_secret_value()) if settings.staff_accounts else {}
        )
        token = settings.admin_token.get_secret_value() if settings.admin_token else ""
        return cls(
            store or ChannelStore(settings.resolved_log_url), accounts, token, settings.staff_session_minutes
        )

    @property
    def enabled(self) -> bool:
        if self._accounts or self._admin_token:
            return True
        try:
            return self.store.has_users()
        except Exception:  # the database is down: nobody can sign in anyway
            return False

    def role_of(self, name: str, password: str) -> str | None:
        """The role ``name`` signs in with, given ``password``; None when refused."""
        name = name.strip()
        user = self.store.user(name)
        if user is not None:
            ok = verify_password(user.password_hash, password)
            return user.role if ok and not user.disabled else None
        verify_password(None, password)  # an unknown name costs as much as a known one
        if name == "admin" and self._admin_token:
            if secrets.compare_digest(password.encode(), self._admin_token.encode()):
                return "admin"
            return None
        return "operator" if super().check(name, password) else None

    def check(self, name: str, password: str) -> bool:
        role = self.role_of(name, password)
        if role is None:
            self.store.audit(name.strip()[:40] or "?", "login.refused")
        return role is not None

    def sign_in(self, name: str, role: str | None = None) -> str:
        """A new session for ``name`` (who has just been checked); its token."""
        name = name.strip()
        if role is None:
            user = self.store.user(name)
            role = user.role if user is not None else ("admin" if name == "admin" else "operator")
        token = secrets.token_urlsafe(32)
        expires = self._now() + timedelta(seconds=self.session_seconds)
        self.store.add_session(token_hash(token), name, role, expires)
        self.store.audit(name, "login", detail={"role": role})
        return token

    def actor(self, token: str | None) -> Actor | None:
        """The signed-in staff member of a session token; None when unknown or expired."""
        if not token:
            return None
        session = self.store.session(token_hash(token), now=self._now())
        return Actor(session.name, session.role) if session is not None else None

    def user(self, token: str | None) -> str | None:
        found = self.actor(token)
        return found.name if found is not None else None

    def sign_out(self, token: str | None) -> str | None:
        if not token:
            return None
        found = self.store.drop_session(token_hash(token))
        if found is None:
            return None
        self.store.audit(found.name, "logout")
        return found.name

    def admin_token_matches(self, given: str) -> bool:
        return bool(self._admin_token) and secrets.compare_digest(given.encode(), self._admin_token.encode())
