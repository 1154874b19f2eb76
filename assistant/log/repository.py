"""The conversation log: one row per answered turn, feedback, recent turns and exports.

``ConversationLog(url)`` accepts any SQLAlchemy URL — SQLite under the data dir by default,
PostgreSQL via psycopg 3 (``postgresql+psycopg://user@host/db``) when configured. The engine is
created and the schema migrated on first use, so constructing the log needs no database.

Logging never blocks an answer for long and never loses a turn: when the database is locked,
unreachable, read-only or its folder was deleted, the failure is logged and the turn is put in
a spool file on disk (``spool_dir``, JSON Lines, already masked) that is written to the
database, oldest first, as soon as it is reachable again — with the next turn, by a retry every
``retry_seconds``, at ``close()``, or by the next process that opens the same log. After a
failure the connection is rebuilt from scratch, so a deleted data folder is created again.
Only when the spool cannot be written either do turns wait in memory; what still cannot be
written at ``close()`` (or when that queue overflows) is printed, masked, to stderr with a loud
message, so it can be recovered by hand — never dropped without a word.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import threading
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from assistant.log import export as exporter
from assistant.log.database import open_engine
from assistant.log.migrate import upgrade
from assistant.log.schema import FeedbackRow, TurnRow
from assistant.models import Answer
from assistant.privacy import mask

log = logging.getLogger(__name__)

ExportFormat = Literal["csv", "jsonl"]

SPOOL_FILE = "unwritten-turns.jsonl"
#: the largest id a turn can have (SQLite and PostgreSQL integers)
MAX_TURN_ID = 2**63 - 1
NO_SUCH_TURN = "没有找到这条回答：请用同一次回答返回的对话编号（conversation_id）和回答编号（turn_id）评价。"


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = list(self.citations)
        data["created_at"] = _aware(self.created_at).isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnRecord:
        return cls(
            question=str(data.get("question", "")),
            answer=str(data.get("answer", "")),
            mode=str(data.get("mode", "")),
            conversation_id=str(data.get("conversation_id", "")),
            rewritten=str(data.get("rewritten", "")),
            citations=tuple(data.get("citations") or ()),
            refused=bool(data.get("refused", False)),
            fallback_reason=str(data.get("fallback_reason", "")),
            latencies=dict(data.get("latencies") or {}),
            language=str(data.get("language", "zh")),
            created_at=datetime.fromisoformat(str(data["created_at"])),
        )

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
    def __init__(
        self,
        url: str,
        *,
        lock_timeout: float = 1.0,
        max_pending: int = 1000,
        spool_dir: Path | None = None,
        retry_seconds: float = 30.0,
    ) -> None:
        """``spool_dir``: where turns wait on disk while the database cannot be written (default:
        ``log-spool`` beside a SQLite database file; none for other databases)."""
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
        self._spool_dir = spool_dir if spool_dir is not None else _default_spool_dir(self._url)
        self._retry_seconds = retry_seconds
        self._retry: threading.Timer | None = None
        self._closed = False
        # Turns still queued when the process exits without close() are printed, not lost silently.
        weakref.finalize(self, _report_unwritten, self._pending, self.url)

    @property
    def url(self) -> str:
        """The database URL with any password hidden (safe to print)."""
        return self._url.render_as_string(hide_password=True)

    @property
    def spool_path(self) -> Path | None:
        """The file where turns wait while the database cannot be written (None: memory only)."""
        return self._spool_dir / SPOOL_FILE if self._spool_dir is not None else None

    @property
    def pending(self) -> int:
        """Turns waiting to be written because the database was unavailable (in memory or on disk)."""
        with self._lock:
            return len(self._pending) + len(self._read_spool_unlocked())

    # -- writing ---------------------------------------------------------------------------------
    def record(self, turn: TurnRecord | Answer, conversation_id: str = "") -> int | None:
        """Store a turn (masked); its id, or None when it was queued for a later retry.

        Takes a :class:`TurnRecord`, or a pipeline :class:`Answer` with its conversation id.
        """
        if isinstance(turn, Answer):
            turn = TurnRecord.from_answer(turn, conversation_id)
        with self._lock:
            self._pending.append(_masked(turn))
            ids = self._flush_locked()
        return ids[-1] if ids else None

    def flush(self) -> int:
        """Write queued turns (memory and spool) now; how many are still waiting."""
        with self._lock:
            self._flush_locked()
            return len(self._pending) + len(self._read_spool_unlocked())

    def _flush_locked(self) -> list[int]:
        """Write the spool's turns, then the memory queue's, in one transaction; the ids of the
        memory queue's turns. On failure the memory queue goes to the spool."""
        spool = self.spool_path
        if spool is not None and spool.exists():  # turns wait on disk: take the lock, they go first
            with self._spool_lock() as locked:
                return self._write_pending(self._read_spool_unlocked() if locked else [], locked)
        return self._write_pending([], None)

    def _write_pending(self, spooled: list[TurnRecord], locked: bool | None) -> list[int]:
        """``locked``: whether the spool lock is held (None: not taken, nothing was spooled)."""
        if not spooled and not self._pending:
            return []
        batch = [*spooled, *self._pending]
        try:
            ids = self._write(batch)
        except (SQLAlchemyError, LogUnavailable, OSError) as error:
            self._reset_engine()
            log.error(
                "conversation log unavailable (%s at %s); %d turn(s) kept for retry",
                type(error).__name__,
                self.url,
                len(batch),
                extra={"pending": len(batch), "error": type(error).__name__, "db": self.url},
            )
            if self._pending:
                if locked is None:
                    with self._spool_lock() as taken:
                        moved = taken and self._append_spool(list(self._pending))
                else:
                    moved = locked and self._append_spool(list(self._pending))
                if moved:
                    self._pending.clear()
            self._trim_memory()
            self._schedule_retry()
            return []
        if spooled:
            self._clear_spool()
            log.warning(
                "conversation log caught up: %d turn(s) written from %s",
                len(spooled),
                self.spool_path,
                extra={"written": len(spooled)},
            )
        written = len(self._pending)
        self._pending.clear()
        if len(batch) > 1:
            log.info("conversation log caught up", extra={"written": len(batch)})
        return ids[len(ids) - written :] if written else []

    def _write(self, batch: Sequence[TurnRecord]) -> list[int]:
        with self._session() as session:
            rows = [_row(t) for t in batch]
            session.add_all(rows)
            session.flush()
            ids = [r.id for r in rows]
            session.commit()
        return ids

    def _reset_engine(self) -> None:
        """Start over on the next attempt: a new engine, the folder made again, the schema checked."""
        if self._engine is not None:
            try:
                self._engine.dispose()
            except Exception:  # a broken pool: it is dropped either way
                log.debug("engine dispose failed", exc_info=True)
        self._engine = None
        self._migrated = False

    def _trim_memory(self) -> None:
        while len(self._pending) > self._max_pending:
            lost = self._pending.popleft()
            log.error(
                "conversation log queue full (%d); oldest turn printed to stderr",
                self._max_pending,
                extra={"conversation_id": lost.conversation_id, "created_at": lost.created_at.isoformat()},
            )
            _print_unwritten([lost], self.url, "内存队列已满")

    def _schedule_retry(self) -> None:
        if self._retry_seconds <= 0 or self._closed or (self._retry is not None and self._retry.is_alive()):
            return
        self._retry = threading.Timer(self._retry_seconds, self._retry_now)
        self._retry.daemon = True
        self._retry.start()

    def _retry_now(self) -> None:
        self._retry = None
        if self._closed:
            return
        try:
            self.flush()
        except Exception:  # a retry must never take the process down
            log.exception("conversation log retry failed")

    # -- the spool -------------------------------------------------------------------------------
    @contextmanager
    def _spool_lock(self) -> Iterator[bool]:
        """An exclusive lock on the spool (between processes too); yields False when there is no
        spool or its folder cannot be made (then turns wait in memory)."""
        if self._spool_dir is None:
            yield False
            return
        try:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self._spool_dir / ".lock", "a+b")  # noqa: SIM115 - held for the block
        except OSError:
            yield False
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield True
        finally:
            handle.close()  # releases the lock

    def _read_spool_unlocked(self) -> list[TurnRecord]:
        path = self.spool_path
        if path is None:
            return []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as error:
            log.error("conversation log spool unreadable (%s): %s", type(error).__name__, path)
            return []
        turns: list[TurnRecord] = []
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                turns.append(TurnRecord.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):  # a line cut by a crash: kept aside, reported
                log.error("conversation log spool line %d unreadable in %s; moved aside", n, path)
                with (path.parent / (path.name + ".bad")).open("a", encoding="utf-8") as bad:
                    bad.write(line + "\n")
        return turns

    def _append_spool(self, turns: Sequence[TurnRecord]) -> bool:
        path = self.spool_path
        if path is None:
            return False
        try:
            with path.open("a", encoding="utf-8") as out:
                for turn in turns:
                    out.write(json.dumps(turn.to_json(), ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as error:
            log.error("conversation log spool not writable (%s): %s", type(error).__name__, path)
            return False
        log.warning("%d turn(s) kept on disk in %s until the log database is back", len(turns), path)
        return True

    def _clear_spool(self) -> None:
        path = self.spool_path
        if path is not None:
            with suppress(FileNotFoundError):
                path.unlink()

    def feedback(
        self, turn_id: int, rating: int, comment: str = "", conversation_id: str | None = None
    ) -> None:
        """Rate a turn: +1 helpful, -1 not helpful. With ``conversation_id``, only a turn of that
        conversation can be rated (another's is as unknown as a missing one). Raises ValueError,
        LogUnavailable."""
        if rating not in (1, -1):
            raise ValueError(f"expected rating +1 or -1; got {rating}")
        if not 1 <= turn_id <= MAX_TURN_ID:
            raise ValueError(NO_SUCH_TURN)
        try:
            with self._session() as session:
                turn = session.get(TurnRow, turn_id)
                if turn is None or (conversation_id is not None and turn.conversation_id != conversation_id):
                    raise ValueError(NO_SUCH_TURN)
                session.add(
                    FeedbackRow(turn_id=turn_id, rating=rating, comment=mask(comment).text, created_at=_now())
                )
                session.commit()
        except SQLAlchemyError as error:
            self._reset_engine()
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

    def ping(self) -> None:
        """Raise :class:`LogUnavailable` unless the database answers (a readiness check)."""
        try:
            with self._ready().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            raise LogUnavailable(f"无法连接日志数据库 {self.url}（{type(error).__name__}）") from error

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
        """Write what is queued; say loudly what could not be written and where it is (on disk,
        or printed to stderr when not even the spool could take it); release connections."""
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        with self._lock:
            self._flush_locked()
            in_memory = list(self._pending)
            on_disk = len(self._read_spool_unlocked())
            self._pending.clear()
        if in_memory or on_disk:
            log.error(
                "conversation log closed with %d unwritten turn(s)",
                len(in_memory) + on_disk,
                extra={"pending": len(in_memory) + on_disk, "db": self.url},
            )
        if on_disk:
            sys.stderr.write(
                f"【对话日志】{on_disk} 条对话记录未能写入日志数据库 {self.url}，已保存在 {self.spool_path}；"
                "数据库恢复后，下次启动服务（或运行 policy-assistant log export）时会自动写入。\n"
            )
            sys.stderr.flush()
        if in_memory:
            _print_unwritten(in_memory, self.url, "关闭时日志数据库和暂存文件都无法写入")
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
        try:
            return open_engine(self._url, self._lock_timeout)
        except OSError as error:
            folder = Path(self._url.database or "").parent
            raise LogUnavailable(
                f"无法创建日志目录 {folder}（{error.strerror}）：请检查 POLICY_DATA_DIR 或 POLICY_LOG_URL"
            ) from error


def _default_spool_dir(url: Any) -> Path | None:
    """Beside a SQLite database file; None for an in-memory SQLite or a server database."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).parent / "log-spool"


def _print_unwritten(turns: Sequence[TurnRecord], url: str, why: str) -> None:
    """The last resort: masked turns on stderr, one JSON line each, under a loud message."""
    sys.stderr.write(
        f"【对话日志】{why}：{len(turns)} 条对话记录无法写入 {url}，以下逐行输出（已脱敏，可人工补录）：\n"
    )
    for turn in turns:
        sys.stderr.write("UNWRITTEN-TURN " + json.dumps(turn.to_json(), ensure_ascii=False) + "\n")
    sys.stderr.flush()


def _report_unwritten(pending: deque[TurnRecord], url: str) -> None:
    if pending:
        log.error("conversation log: %d turn(s) never written to %s", len(pending), url)
        _print_unwritten(list(pending), url, "进程退出时仍未写入")


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
