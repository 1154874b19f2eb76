"""Tables of the conversation log (SQLAlchemy 2 declarative models).

Change them only together with a new migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class TurnRow(Base):
    """One question and its answer. Texts are masked before they are stored."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    rewritten: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    mode: Mapped[str] = mapped_column(String(16), default="")
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback_reason: Mapped[str] = mapped_column(Text, default="")
    latencies: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="zh")

    feedback: Mapped[list[FeedbackRow]] = relationship(
        back_populates="turn", cascade="all, delete-orphan", order_by="FeedbackRow.id"
    )


class FeedbackRow(Base):
    """A rating (+1 helpful / -1 not helpful) with an optional comment, for one turn."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating IN (-1, 1)", name="ck_feedback_rating"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    turn: Mapped[TurnRow] = relationship(back_populates="feedback")
