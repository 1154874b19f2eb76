"""Tables of the consultation channel, on the conversation log's declarative base (one database,
one alembic history). Change them only together with a new migration in
``assistant/log/migrations/versions``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.log.schema import Base

STATUSES = ("new", "in_progress", "answered", "closed")
ROLES = ("operator", "reviewer", "admin")


class MessageRow(Base):
    """A citizen's message (留言). The question is stored masked; the contact only as given, for
    the operator who answers. The query code is stored only as its SHA-256."""

    __tablename__ = "channel_messages"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'in_progress', 'answered', 'closed')", name="ck_message_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    doc_title: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text)
    question_hash: Mapped[str] = mapped_column(String(64), index=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    client_hash: Mapped[str] = mapped_column(String(64), index=True, default="")
    status: Mapped[str] = mapped_column(String(16), index=True, default="new")
    assignee: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    replies: Mapped[list[ReplyRow]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="ReplyRow.id"
    )


class ReplyRow(Base):
    """A staff reply: its text, the verified articles it cites and the external sources it names."""

    __tablename__ = "channel_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("channel_messages.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    message: Mapped[MessageRow] = relationship(back_populates="replies")


class StaffUserRow(Base):
    """A staff account: argon2 password hash, one role, disabled instead of deleted."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('operator', 'reviewer', 'admin')", name="ck_staff_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffSessionRow(Base):
    """A signed-in staff session, kept in the database so any process can check it. Only the
    SHA-256 of the token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditRow(Base):
    """Who did what, when: sign-ins (and refusals), sign-outs, replies, status changes, users."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReviewedAnswerRow(Base):
    """A reply a reviewer published as a reviewed answer (人工审核答复), shown to later citizens
    whose question matches one of its phrasings — beside the document's article, never instead."""

    __tablename__ = "reviewed_answers"
    __table_args__ = (CheckConstraint("status IN ('published', 'withdrawn')", name="ck_reviewed_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    question: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default="published")
    reviewer: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReviewedVersionRow(Base):
    """Every change of a reviewed answer: who, when, what it was after the change."""

    __tablename__ = "reviewed_answer_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("reviewed_answers.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
