"""What the app processes share between requests, kept in the shared database (issue 18, item 1).

Any number of app processes behind a load balancer answer alike because none keeps a client's
state in its own memory between requests: API conversations (the turns a follow-up is read in)
and the per-client rate-limit counters live in the conversation log's database — PostgreSQL in a
deployment, the SQLite file under the data dir by default — beside the staff sessions and the
channel's messages, which were there already. Both expire: a conversation after
``POLICY_CONVERSATION_MINUTES`` without a turn, a counter once its client's bucket is full again.

Tables (alembic revision 0004): ``api_conversations`` (id, created, last seen),
``api_conversation_turns`` (one row per answered turn, masked like the log; appended, never
rewritten, so two processes answering turns of one conversation at once both keep theirs) and
``rate_limits`` (a client's SHA-256, never the address, and one number — GCRA's moment the bucket
is full again; one atomic upsert per request on either database).

A database that cannot be reached does not stop answers: a conversation starts afresh (said in
the log) and the rate limit lets requests through (said in the log, at most once a minute);
``/readyz`` reports the database meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from assistant.conversation import Conversation, Turn
from assistant.log.database import open_engine
from assistant.log.migrate import upgrade
from assistant.privacy import mask
from ui.limits import Decision
from ui.sessions import KEPT_TURNS

log = logging.getLogger(__name__)

#: at most one sweep of expired rows per process per this many seconds
SWEEP_SECONDS = 60.0

_metadata = MetaData()
conversations = Table(
    "api_conversations",
    _metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
conversation_turns = Table(
    "api_conversation_turns",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("turn", JSON, nullable=False),
)
rate_limits = Table(
    "rate_limits",
    _metadata,
    Column("client_hash", String(64), primary_key=True),
    Column("full_at", Float, nullable=False),
)


class SharedDatabase:
    """The engine on the shared database, migrated on first use (constructing needs no database)."""

    def __init__(self, url: str, lock_timeout: float = 2.0) -> None:
        self._url = make_url(url)
        self._lock_timeout = lock_timeout
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self._url.get_backend_name()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._ready().begin() as connection:
            yield connection

    def _ready(self) -> Engine:
        with self._lock:
            if self._engine is None:
                engine = open_engine(self._url, self._lock_timeout)
                try:
                    with engine.begin() as connection:
                        upgrade(connection)
                except OperationalError:  # another process migrated at the same moment
                    with engine.begin() as connection:
                        upgrade(connection)
                except BaseException:
                    engine.dispose()
                    raise
                self._engine = engine
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def _now() -> datetime:
    return datetime.now(UTC)


def _turn_json(turn: Turn) -> dict[str, Any]:
    return {
        "question": mask(turn.question).text,
        "standalone": mask(turn.standalone).text,
        "answer": mask(turn.answer).text,
        "articles": [list(a) for a in turn.articles],
        "refused": turn.refused,
    }


def _turn(data: dict[str, Any]) -> Turn:
    return Turn(
        question=str(data.get("question", "")),
        standalone=str(data.get("standalone", "")),
        answer=str(data.get("answer", "")),
        articles=tuple((str(a[0]), str(a[1])) for a in data.get("articles", []) if len(a) == 2),
        refused=bool(data.get("refused", False)),
    )


class DatabaseConversations:
    """Server-side API conversations in the shared database (the same contract as the in-memory
    ``ui.sessions.ConversationStore``): an id the database does not know — expired, made up —
    starts a fresh conversation under a new server-issued id."""

    def __init__(
        self,
        database: SharedDatabase,
        ttl_seconds: float = 3600.0,
        now: Callable[[], datetime] = _now,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"expected ttl_seconds > 0; got {ttl_seconds}")
        self.database = database
        self._ttl = timedelta(seconds=ttl_seconds)
        self._now = now
        self._swept = 0.0

    def load(self, conversation_id: str | None) -> Conversation:
        """The conversation with its latest turns, or a new one (not stored until it has a turn)."""
        if conversation_id and len(conversation_id) <= 64:
            try:
                with self.database.begin() as db:
                    found = db.execute(
                        select(conversations.c.id).where(
                            conversations.c.id == conversation_id,
                            conversations.c.last_seen >= self._now() - self._ttl,
                        )
                    ).first()
                    if found is not None:
                        rows = db.execute(
                            select(conversation_turns.c.turn)
                            .where(conversation_turns.c.conversation_id == conversation_id)
                            .order_by(conversation_turns.c.id.desc())
                            .limit(KEPT_TURNS)
                        ).all()
                        turns = [_turn(r.turn) for r in reversed(rows)]
                        return Conversation(conversation_id=conversation_id, turns=turns)
            except (SQLAlchemyError, OSError) as error:
                log.warning(
                    "shared conversation state unavailable (%s); the question is read on its own",
                    type(error).__name__,
                )
        return Conversation(conversation_id=uuid.uuid4().hex)  # never the client's choice

    def save(self, conversation: Conversation, new_turns: Sequence[Turn]) -> None:
        """Append ``new_turns`` (the ones this request answered) and mark the conversation seen."""
        now = self._now()
        try:
            with self.database.begin() as db:
                seen = db.execute(
                    update(conversations)
                    .where(conversations.c.id == conversation.conversation_id)
                    .values(last_seen=now)
                ).rowcount
                if not seen:
                    db.execute(
                        insert(conversations).values(
                            id=conversation.conversation_id, created_at=now, last_seen=now
                        )
                    )
                if new_turns:
                    db.execute(
                        insert(conversation_turns),
                        [
                            {
                                "conversation_id": conversation.conversation_id,
                                "created_at": now,
                                "turn": _turn_json(t),
                            }
                            for t in new_turns
                        ],
                    )
            self._sweep(now)
        except (SQLAlchemyError, OSError) as error:
            log.warning(
                "shared conversation state unavailable (%s); this turn is not kept for follow-ups",
                type(error).__name__,
            )

    def _sweep(self, now: datetime) -> None:
        if time.monotonic() - self._swept < SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        cutoff = now - self._ttl
        with self.database.begin() as db:
            expired = select(conversations.c.id).where(conversations.c.last_seen < cutoff)
            db.execute(delete(conversation_turns).where(conversation_turns.c.conversation_id.in_(expired)))
            db.execute(delete(conversations).where(conversations.c.last_seen < cutoff))

    def __len__(self) -> int:
        with self.database.begin() as db:
            return len(
                db.execute(
                    select(conversations.c.id).where(conversations.c.last_seen >= self._now() - self._ttl)
                ).all()
            )


class DatabaseBucket:
    """The per-client rate limit (``rate_per_minute``, bursts up to ``burst``) shared by every
    process: GCRA — one number per client, the moment its bucket is full again — updated by one
    atomic upsert that only succeeds when the request is allowed. ``rate_per_minute=0`` disables."""

    def __init__(
        self,
        database: SharedDatabase,
        rate_per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_per_minute < 0:
            raise ValueError(f"expected rate_per_minute >= 0; got {rate_per_minute}")
        if burst < 1:
            raise ValueError(f"expected burst >= 1; got {burst}")
        self.database = database
        self.interval = 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0
        self.tolerance = (burst - 1) * self.interval
        self._clock = clock
        self._swept = 0.0
        self._warned = 0.0

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def take(self, key: str) -> Decision:
        if not self.enabled:
            return Decision(True)
        client = hashlib.sha256(("policy-assistant-rate:" + key).encode()).hexdigest()
        now = self._clock()
        try:
            with self.database.begin() as db:
                allowed = db.execute(self._upsert(client, now)).first() is not None
                if not allowed:
                    full_at = db.execute(
                        select(rate_limits.c.full_at).where(rate_limits.c.client_hash == client)
                    ).scalar_one()
                    return Decision(False, retry_after=max(0.0, float(full_at) - self.tolerance - now))
            self._sweep(now)
            return Decision(True)
        except (SQLAlchemyError, OSError) as error:
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning(
                    "rate-limit counters unavailable (%s); requests are let through", type(error).__name__
                )
            return Decision(True)

    def _upsert(self, client: str, now: float) -> Any:
        dialect = postgresql if self.database.backend == "postgresql" else sqlite
        current = rate_limits.c.full_at
        statement = dialect.insert(rate_limits).values(client_hash=client, full_at=now + self.interval)
        later = case((current > now, current), else_=literal(now))
        return statement.on_conflict_do_update(
            index_elements=[rate_limits.c.client_hash],
            set_={"full_at": later + self.interval},
            where=current <= now + self.tolerance,  # else: no row returned, the request is refused
        ).returning(rate_limits.c.full_at)

    def _sweep(self, now: float) -> None:
        if time.monotonic() - self._swept < SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        with self.database.begin() as db:  # a full bucket needs no row
            db.execute(delete(rate_limits).where(rate_limits.c.full_at < now))
