"""Every read and write of the consultation channel's tables.

``ChannelStore(url)`` takes the conversation log's SQLAlchemy URL (SQLite under the data dir by
default, PostgreSQL when configured); the engine is created and the schema migrated
(``alembic upgrade head``, shared with the log) on first use, so constructing it needs no
database. Records are plain frozen dataclasses; rows never leave this module.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from assistant.log.database import open_engine
from assistant.log.migrate import upgrade
from channel.schema import (
    ROLES,
    STATUSES,
    AuditRow,
    MessageRow,
    ReplyRow,
    ReviewedAnswerRow,
    ReviewedVersionRow,
    StaffSessionRow,
    StaffUserRow,
)

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The database cannot be reached or migrated; the message is Chinese and safe to show."""


class UserExists(ValueError):
    pass


@dataclass(frozen=True)
class Reply:
    author: str
    text: str
    citations: tuple[dict[str, Any], ...] = ()
    sources: tuple[dict[str, Any], ...] = ()
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: int = 0


@dataclass(frozen=True)
class Message:
    id: int
    doc_id: str
    doc_title: str
    question: str
    contact: str
    status: str
    assignee: str
    created_at: datetime
    updated_at: datetime
    replies: tuple[Reply, ...] = ()


@dataclass(frozen=True)
class NewMessage:
    code_hash: str
    doc_id: str
    doc_title: str
    question: str
    question_hash: str
    contact: str = ""
    client_hash: str = ""


@dataclass(frozen=True)
class StaffUser:
    name: str
    role: str
    disabled: bool
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class StaffSession:
    name: str
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ReviewedAnswer:
    id: int
    doc_id: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    citations: tuple[dict[str, Any], ...]
    sources: tuple[dict[str, Any], ...]
    valid_until: date | None
    status: str
    reviewer: str
    reviewed_at: datetime
    message_id: int | None
    version: int

    def snapshot(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "question": self.question,
            "phrasings": list(self.phrasings),
            "answer": self.answer,
            "citations": list(self.citations),
            "sources": list(self.sources),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status": self.status,
        }


@dataclass(frozen=True)
class ReviewedVersion:
    version: int
    changed_by: str
    changed_at: datetime
    change: str
    snapshot: dict[str, Any]


class ChannelStore:
    def __init__(self, url: str, *, lock_timeout: float = 5.0) -> None:
        self._url = make_url(url)  # validates the URL without connecting
        self._lock_timeout = lock_timeout
        self._engine: Engine | None = None
        self._migrated = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._url.render_as_string(hide_password=True)

    # -- messages --------------------------------------------------------------------------------
    def add_message(self, new: NewMessage, now: datetime | None = None) -> int:
        now = now or _now()
        row = MessageRow(
            code_hash=new.code_hash,
            doc_id=new.doc_id,
            doc_title=new.doc_title,
            question=new.question,
            question_hash=new.question_hash,
            contact=new.contact,
            client_hash=new.client_hash,
            status="new",
            assignee="",
            created_at=now,
            updated_at=now,
        )
        with self._session() as session:
            session.add(row)
            session.commit()
            return row.id

    def message_by_code(self, code_hash: str) -> Message | None:
        with self._session() as session:
            row = session.scalar(
                select(MessageRow)
                .where(MessageRow.code_hash == code_hash)
                .options(selectinload(MessageRow.replies))
            )
            return _message(row) if row is not None else None

    def message(self, message_id: int) -> Message | None:
        with self._session() as session:
            row = session.get(MessageRow, message_id, options=[selectinload(MessageRow.replies)])
            return _message(row) if row is not None else None

    def messages_from(self, client_hash: str, since: datetime) -> int:
        """How many messages a client left since ``since``."""
        with self._session() as session:
            query = select(func.count()).select_from(MessageRow)
            query = query.where(MessageRow.client_hash == client_hash, MessageRow.created_at >= since)
            return int(session.scalar(query) or 0)

    def duplicate(self, doc_id: str, question_hash: str, client_hash: str, since: datetime) -> bool:
        """Whether this client left the same question about the same document since ``since``."""
        with self._session() as session:
            query = select(MessageRow.id).where(
                MessageRow.doc_id == doc_id,
                MessageRow.question_hash == question_hash,
                MessageRow.client_hash == client_hash,
                MessageRow.created_at >= since,
            )
            return session.scalar(query.limit(1)) is not None

    def messages(
        self, status: str | None = None, doc_id: str | None = None, limit: int = 200
    ) -> list[Message]:
        """Messages oldest first, filtered by status and document."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"expected a status among {STATUSES}; got {status!r}")
        query = select(MessageRow).order_by(MessageRow.created_at, MessageRow.id).limit(limit)
        if status:
            query = query.where(MessageRow.status == status)
        if doc_id:
            query = query.where(MessageRow.doc_id == doc_id)
        with self._session() as session:
            rows = session.scalars(query.options(selectinload(MessageRow.replies))).all()
            return [_message(r) for r in rows]

    def counts(self, doc_id: str | None = None) -> dict[str, int]:
        """Messages per status (every status present, 0 when none)."""
        query = select(MessageRow.status, func.count()).group_by(MessageRow.status)
        if doc_id:
            query = query.where(MessageRow.doc_id == doc_id)
        with self._session() as session:
            found = {str(s): int(n) for s, n in session.execute(query).all()}
        return {s: found.get(s, 0) for s in STATUSES}

    def set_status(self, message_id: int, status: str, assignee: str | None = None) -> bool:
        if status not in STATUSES:
            raise ValueError(f"expected a status among {STATUSES}; got {status!r}")
        with self._session() as session:
            row = session.get(MessageRow, message_id)
            if row is None:
                return False
            row.status = status
            if assignee is not None:
                row.assignee = assignee
            row.updated_at = _now()
            session.commit()
            return True

    def add_reply(self, message_id: int, reply: Reply, status: str = "answered") -> int:
        with self._session() as session:
            row = session.get(MessageRow, message_id)
            if row is None:
                raise LookupError(message_id)
            stored = ReplyRow(
                message_id=message_id,
                author=reply.author,
                text=reply.text,
                citations=list(reply.citations),
                sources=list(reply.sources),
                created_at=reply.created_at,
            )
            session.add(stored)
            row.status = status
            row.assignee = reply.author
            row.updated_at = _now()
            session.commit()
            return stored.id

    # -- staff users -----------------------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"expected a role among {ROLES}; got {role!r}")
        try:
            with self._session() as session:
                session.add(
                    StaffUserRow(
                        name=name, password_hash=password_hash, role=role, disabled=False, created_at=_now()
                    )
                )
                session.commit()
        except IntegrityError as error:
            raise UserExists(name) from error

    def user(self, name: str) -> StaffUser | None:
        with self._session() as session:
            row = session.scalar(select(StaffUserRow).where(StaffUserRow.name == name))
            return _user(row) if row is not None else None

    def users(self) -> list[StaffUser]:
        with self._session() as session:
            return [_user(r) for r in session.scalars(select(StaffUserRow).order_by(StaffUserRow.name)).all()]

    def update_user(
        self,
        name: str,
        *,
        disabled: bool | None = None,
        password_hash: str | None = None,
        role: str | None = None,
    ) -> bool:
        if role is not None and role not in ROLES:
            raise ValueError(f"expected a role among {ROLES}; got {role!r}")
        with self._session() as session:
            row = session.scalar(select(StaffUserRow).where(StaffUserRow.name == name))
            if row is None:
                return False
            if disabled is not None:
                row.disabled = disabled
            if password_hash is not None:
                row.password_hash = password_hash
            if role is not None:
                row.role = role
            if disabled or password_hash is not None or role is not None:  # sessions end with the change
                session.execute(delete(StaffSessionRow).where(StaffSessionRow.name == name))
            session.commit()
            return True

    def has_users(self) -> bool:
        with self._session() as session:
            return session.scalar(select(StaffUserRow.id).limit(1)) is not None

    # -- sessions --------------------------------------------------------------------------------
    def add_session(self, token_hash: str, name: str, role: str, expires_at: datetime) -> None:
        with self._session() as session:
            now = _now()
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at <= now))
            session.add(
                StaffSessionRow(
                    token_hash=token_hash, name=name, role=role, created_at=now, expires_at=expires_at
                )
            )
            session.commit()

    def session(self, token_hash: str, now: datetime | None = None) -> StaffSession | None:
        """The live session of a token (None when unknown or expired)."""
        with self._session() as session:
            row = session.get(StaffSessionRow, token_hash)
            if row is None:
                return None
            if _aware(row.expires_at) <= (now or _now()):
                session.delete(row)
                session.commit()
                return None
            return StaffSession(row.name, row.role, _aware(row.expires_at))

    def drop_session(self, token_hash: str) -> StaffSession | None:
        with self._session() as session:
            row = session.get(StaffSessionRow, token_hash)
            if row is None:
                return None
            found = StaffSession(row.name, row.role, _aware(row.expires_at))
            session.delete(row)
            session.commit()
            return found

    # -- audit -----------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
        with self._session() as session:
            session.add(
                AuditRow(
                    at=_now(), actor=actor[:100], action=action[:40], target=target[:200], detail=detail or {}
                )
            )
            session.commit()

    def audit_events(self, limit: int = 100, actor: str | None = None) -> list[AuditEvent]:
        """The newest events, newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor:
            query = query.where(AuditRow.actor == actor)
        with self._session() as session:
            return [
                AuditEvent(r.id, _aware(r.at), r.actor, r.action, r.target, dict(r.detail or {}))
                for r in session.scalars(query).all()
            ]

    # -- reviewed answers ------------------------------------------------------------------------
    def publish(self, draft: ReviewedAnswer, actor: str) -> int:
        """Store a new reviewed answer (version 1) and its first version record."""
        now = _now()
        with self._session() as session:
            row = ReviewedAnswerRow(
                doc_id=draft.doc_id,
                question=draft.question,
                phrasings=list(draft.phrasings),
                answer=draft.answer,
                citations=list(draft.citations),
                sources=list(draft.sources),
                valid_until=draft.valid_until,
                status="published",
                reviewer=actor,
                reviewed_at=now,
                message_id=draft.message_id,
                version=1,
            )
            session.add(row)
            session.flush()
            session.add(
                ReviewedVersionRow(
                    answer_id=row.id,
                    version=1,
                    changed_by=actor,
                    changed_at=now,
                    change="publish",
                    snapshot=_reviewed(row).snapshot(),
                )
            )
            session.commit()
            return row.id

    def change_reviewed(
        self, answer_id: int, actor: str, change: str, **values: Any
    ) -> ReviewedAnswer | None:
        """Change fields of a reviewed answer (a new version, who and when recorded)."""
        now = _now()
        with self._session() as session:
            row = session.get(ReviewedAnswerRow, answer_id)
            if row is None:
                return None
            for name, value in values.items():
                setattr(row, name, value)
            row.version += 1
            row.reviewer = actor
            row.reviewed_at = now
            session.add(
                ReviewedVersionRow(
                    answer_id=row.id,
                    version=row.version,
                    changed_by=actor,
                    changed_at=now,
                    change=change,
                    snapshot=_reviewed(row).snapshot(),
                )
            )
            session.commit()
            return _reviewed(row)

    def reviewed(self, answer_id: int) -> ReviewedAnswer | None:
        with self._session() as session:
            row = session.get(ReviewedAnswerRow, answer_id)
            return _reviewed(row) if row is not None else None

    def reviewed_answers(
        self, doc_id: str | None = None, published_only: bool = False
    ) -> list[ReviewedAnswer]:
        query = select(ReviewedAnswerRow).order_by(ReviewedAnswerRow.id)
        if doc_id:
            query = query.where(ReviewedAnswerRow.doc_id == doc_id)
        if published_only:
            query = query.where(ReviewedAnswerRow.status == "published")
        with self._session() as session:
            return [_reviewed(r) for r in session.scalars(query).all()]

    def versions(self, answer_id: int) -> list[ReviewedVersion]:
        query = select(ReviewedVersionRow).where(ReviewedVersionRow.answer_id == answer_id)
        with self._session() as session:
            return [
                ReviewedVersion(
                    r.version, r.changed_by, _aware(r.changed_at), r.change, dict(r.snapshot or {})
                )
                for r in session.scalars(query.order_by(ReviewedVersionRow.version)).all()
            ]

    # -- plumbing --------------------------------------------------------------------------------
    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            engine = self._ready()
            with Session(engine, expire_on_commit=False) as session:
                yield session
        except (UserExists, LookupError, ValueError):
            raise
        except IntegrityError:
            raise
        except SQLAlchemyError as error:
            log.error("channel store unavailable (%s) at %s", type(error).__name__, self.url)
            raise StoreUnavailable(
                f"留言数据库暂时无法访问（{type(error).__name__}），请稍后再试。"
            ) from error

    def _ready(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._create_engine()
            if not self._migrated:
                try:
                    with self._engine.begin() as connection:
                        upgrade(connection)
                except OperationalError:  # another engine (the log's) migrated at the same moment
                    with self._engine.begin() as connection:
                        upgrade(connection)
                self._migrated = True
            return self._engine

    def _create_engine(self) -> Engine:
        return open_engine(self._url, self._lock_timeout)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reply(row: ReplyRow) -> Reply:
    return Reply(
        author=row.author,
        text=row.text,
        citations=tuple(row.citations or ()),
        sources=tuple(row.sources or ()),
        created_at=_aware(row.created_at),
        id=row.id,
    )


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        doc_id=row.doc_id,
        doc_title=row.doc_title,
        question=row.question,
        contact=row.contact,
        status=row.status,
        assignee=row.assignee,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        replies=tuple(_reply(r) for r in row.replies),
    )


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(row.name, row.role, bool(row.disabled), row.password_hash, _aware(row.created_at))


def _reviewed(row: ReviewedAnswerRow) -> ReviewedAnswer:
    return ReviewedAnswer(
        id=row.id,
        doc_id=row.doc_id,
        question=row.question,
        phrasings=tuple(row.phrasings or ()),
        answer=row.answer,
        citations=tuple(row.citations or ()),
        sources=tuple(row.sources or ()),
        valid_until=row.valid_until,
        status=row.status,
        reviewer=row.reviewer,
        reviewed_at=_aware(row.reviewed_at),
        message_id=row.message_id,
        version=row.version,
    )
