"""The conversation log: one row per answered turn, feedback, recent turns and exports.

``ConversationLog(url)`` accepts any SQLAlchemy URL — SQLite under the data dir by default,
PostgreSQL via psycopg 3 (``postgresql+psycopg://user@host/db``) when configured. The engine is
created and the schema migrated on first use, so constructing the log needs no database.

Logging never blocks an answer for long and never loses a turn silently: when the database is
locked or unreachable, the failure is logged and the turn waits in a small in-memory queue
that is written, in order, with the next successful ``record``/``flush``. Turns pushed out of
a full queue, or still queued at ``close()``, are reported as errors.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from assistant.log import export as exporter
from assistant.log.migrate import upgrade
from assistant.log.schema import FeedbackRow, TurnRow
from assistant.models import Answer
from assistant.privacy import mask

log = logging.getLogger(__name__)

ExportFormat = Literal["csv", "jsonl"]


class LogUnavailable(Exception):
    """The log database cannot be reached, is locked, or cannot be migrated."""


@dataclass(frozen=True)
class TurnRecord:
    """What is recorded for one turn. Texts are masked again by the log before they are stored."""

    question: str
    answer: str
    mode: str
    conversation_id: str = ""
    rewritten: str = ""
    citations: tuple[dict[str, Any], ...] = ()
    refused: bool = False
    fallback_reason: str = ""
    latencies: dict[str, float] = field(default_factory=dict)
    language: str = "zh"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def from_answer(cls, answer: Answer, conversation_id: str = "") -> TurnRecord:
        latencies = {k: round(v, 2) for k, v in answer.timings_ms.items()}
        latencies["total"] = round(answer.latency_ms, 2)
        return cls(
            question=answer.question,
            answer=answer.text,
            mode=answer.mode,
            conversation_id=conversation_id,
            rewritten=answer.rewritten,
            citations=tuple(c.to_json() for c in answer.citations),
            refused=answer.refused,
            fallback_reason=answer.fallback_reason,
            latencies=latencies,
            language=answer.language,
        )


@dataclass(frozen=True)
class Feedback:
    rating: int
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class LoggedTurn:
    id: int
    conversation_id: str
    created_at: datetime
    question: str
    rewritten: str
    answer: str
    citations: tuple[dict[str, Any], ...]
    mode: str
    refused: bool
    fallback_reason: str
    latencies: dict[str, float]
    language: str
    feedback: tuple[Feedback, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "created_at": self.created_at.isoformat(),
            "question": self.question,
            "rewritten": self.rewritten,
            "answer": self.answer,
            "citations": list(self.citations),
            "mode": self.mode,
            "refused": self.refused,
            "fallback_reason": self.fallback_reason,
            "latencies": self.latencies,
            "language": self.language,
            "feedback": [
                {"rating": f.rating, "comment": f.comment, "created_at": f.created_at.isoformat()}
                for f in self.feedback
            ],
        }


class ConversationLog:
    def __init__(self, url: str, *, lock_timeout: float = 1.0, max_pending: int = 1000) -> None:
        if lock_timeout <= 0:
            raise ValueError(f"expected a positive lock_timeout in seconds; got {lock_timeout}")
        if max_pending < 1:
            raise ValueError(f"expected max_pending >= 1; got {max_pending}")
        self._url = make_url(url)  # validates the URL without connecting
        self._lock_timeout = lock_timeout
        self._pending: deque[TurnRecord] = deque()
        self._max_pending = max_pending
        self._engine: Engine | None = None
        self._migrated = False
        self._lock = threading.Lock()
        # Turns still queued when the process exits without close() are reported, not lost silently.
        weakref.finalize(self, _report_unwritten, self._pending, self.url)

    @property
    def url(self) -> str:
        """The database URL with any password hidden (safe to print)."""
        return self._url.render_as_string(hide_password=True)

    @property
    def pending(self) -> int:
        """Turns waiting to be written because the database was unavailable."""
        return len(self._pending)

    # -- writing ---------------------------------------------------------------------------------
    def record(self, turn: TurnRecord | Answer, conversation_id: str = "") -> int | None:
        """Store a turn (masked); its id, or None when it was queued for a later retry.

        Takes a :class:`TurnRecord`, or a pipeline :class:`Answer` with its conversation id.
        """
        if isinstance(turn, Answer):
            turn = TurnRecord.from_answer(turn, conversation_id)
        with self._lock:
            self._pending.append(_masked(turn))
            if len(self._pending) > self._max_pending:
                lost = self._pending.popleft()
                log.error(
                    "conversation log queue full (%d); oldest turn discarded",
                    self._max_pending,
                    extra={
                        "conversation_id": lost.conversation_id,
                        "created_at": lost.created_at.isoformat(),
                    },
                )
            ids = self._flush_locked()
        return ids[-1] if ids else None

    def flush(self) -> int:
        """Write queued turns now; how many are still queued."""
        with self._lock:
            self._flush_locked()
            return len(self._pending)

    def _flush_locked(self) -> list[int]:
        if not self._pending:
            return []
        batch = list(self._pending)
        try:
            with self._session() as session:
                rows = [_row(t) for t in batch]
                session.add_all(rows)
                session.flush()
                ids = [r.id for r in rows]
                session.commit()
        except (SQLAlchemyError, LogUnavailable, OSError) as error:
            log.error(
                "conversation log unavailable (%s at %s); %d turn(s) kept for retry",
                type(error).__name__,
                self.url,
                len(batch),
                extra={"pending": len(batch), "error": type(error).__name__, "db": self.url},
            )
            return []
        for _ in batch:
            self._pending.popleft()
        if len(batch) > 1:
            log.info("conversation log caught up", extra={"written": len(batch)})
        return ids

    def feedback(self, turn_id: int, rating: int, comment: str = "") -> None:
        """Rate a turn: +1 helpful, -1 not helpful. Raises ValueError, LogUnavailable."""
        if rating not in (1, -1):
            raise ValueError(f"expected rating +1 or -1; got {rating}")
        try:
            with self._session() as session:
                if session.get(TurnRow, turn_id) is None:
                    raise ValueError(f"没有编号为 {turn_id} 的对话记录")
                session.add(
                    FeedbackRow(turn_id=turn_id, rating=rating, comment=mask(comment).text, created_at=_now())
                )
                session.commit()
        except SQLAlchemyError as error:
            raise LogUnavailable(
                f"无法写入反馈（{type(error).__name__}）：请检查日志数据库 {self.url}"
            ) from error

    # -- reading ---------------------------------------------------------------------------------
    def recent(self, limit: int = 20) -> list[LoggedTurn]:
        """The newest turns, newest first."""
        if limit < 1:
            raise ValueError(f"expected limit >= 1; got {limit}")
        query = select(TurnRow).order_by(TurnRow.id.desc()).limit(limit)
        return self._read(query)

    def turns(self, since: date | None = None) -> list[LoggedTurn]:
        """All turns since a day (inclusive, UTC), oldest first."""
        query = select(TurnRow).order_by(TurnRow.id)
        if since is not None:
            query = query.where(
                TurnRow.created_at >= datetime(since.year, since.month, since.day, tzinfo=UTC)
            )
        return self._read(query)

    def count(self) -> int:
        try:
            with self._session() as session:
                return int(session.scalar(select(func.count()).select_from(TurnRow)) or 0)
        except SQLAlchemyError as error:
            raise LogUnavailable(f"无法读取日志数据库 {self.url}（{type(error).__name__}）") from error

    def export(self, out: TextIO, since: date | None = None, format: ExportFormat = "jsonl") -> int:
        """Write turns since ``since`` as CSV or JSON Lines to ``out``; the number written."""
        if format not in ("csv", "jsonl"):
            raise ValueError(f"expected format csv or jsonl; got {format!r}")
        turns = [t.to_json() for t in self.turns(since)]
        (exporter.write_csv if format == "csv" else exporter.write_jsonl)(turns, out)
        return len(turns)

    def _read(self, query: Any) -> list[LoggedTurn]:
        try:
            with self._session() as session:
                rows = session.scalars(query.options(selectinload(TurnRow.feedback))).all()
                return [_logged(r) for r in rows]
        except SQLAlchemyError as error:
            raise LogUnavailable(f"无法读取日志数据库 {self.url}（{type(error).__name__}）") from error

    # -- plumbing --------------------------------------------------------------------------------
    def close(self) -> None:
        """Write what is queued, report what cannot be written, release connections."""
        remaining = self.flush()
        if remaining:
            log.error(
                "conversation log closed with %d unwritten turn(s)",
                remaining,
                extra={"pending": remaining, "db": self.url},
            )
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        engine = self._ready()
        with Session(engine, expire_on_commit=False) as session:
            yield session

    def _ready(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        if not self._migrated:
            with self._engine.begin() as connection:
                upgrade(connection)
            self._migrated = True
        return self._engine

    def _create_engine(self) -> Engine:
        backend = self._url.get_backend_name()
        connect_args: dict[str, Any] = {}
        if backend == "sqlite":
            database = self._url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise LogUnavailable(
                        f"无法创建日志目录 {Path(database).parent}（{error.strerror}）：请检查 POLICY_DATA_DIR 或 POLICY_LOG_URL"
                    ) from error
            connect_args["timeout"] = self._lock_timeout
        elif backend == "postgresql":
            connect_args["connect_timeout"] = max(1, round(self._lock_timeout))
            ms = int(self._lock_timeout * 1000)
            connect_args["options"] = f"-c lock_timeout={ms} -c statement_timeout={max(ms * 5, 5000)}"
        return create_engine(self._url, connect_args=connect_args, pool_pre_ping=True)


def _report_unwritten(pending: deque[TurnRecord], url: str) -> None:
    if pending:
        log.error("conversation log: %d turn(s) never written to %s", len(pending), url)


def _masked(turn: TurnRecord) -> TurnRecord:
    from dataclasses import replace

    return replace(
        turn,
        question=mask(turn.question).text,
        rewritten=mask(turn.rewritten).text,
        answer=mask(turn.answer).text,
        fallback_reason=mask(turn.fallback_reason).text,
    )


def _row(turn: TurnRecord) -> TurnRow:
    return TurnRow(
        conversation_id=turn.conversation_id[:64],
        created_at=_aware(turn.created_at).astimezone(UTC),
        question=turn.question,
        rewritten=turn.rewritten,
        answer=turn.answer,
        citations=list(turn.citations),
        mode=turn.mode[:16],
        refused=turn.refused,
        fallback_reason=turn.fallback_reason,
        latencies=dict(turn.latencies),
        language=turn.language[:8],
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _logged(row: TurnRow) -> LoggedTurn:
    feedback: Sequence[FeedbackRow] = row.feedback
    return LoggedTurn(
        id=row.id,
        conversation_id=row.conversation_id,
        created_at=_aware(row.created_at),
        question=row.question,
        rewritten=row.rewritten,
        answer=row.answer,
        citations=tuple(row.citations or ()),
        mode=row.mode,
        refused=row.refused,
        fallback_reason=row.fallback_reason,
        latencies=dict(row.latencies or {}),
        language=row.language,
        feedback=tuple(Feedback(f.rating, f.comment, _aware(f.created_at)) for f in feedback),
    )
