"""The engine on the conversation log's database, which the consultation channel shares.

One place decides how the database is reached: a SQLite file gets its folder made and waits
``lock_timeout`` seconds for a lock; PostgreSQL gets a connect timeout and lock and statement
timeouts, so a database that hangs is reported instead of holding a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL


def open_engine(url: URL, lock_timeout: float) -> Engine:
    """An engine on ``url``; raises OSError when a SQLite file's folder cannot be made."""
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        database = url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = lock_timeout
        connect_args["check_same_thread"] = False
    elif backend == "postgresql":
        connect_args["connect_timeout"] = max(1, round(lock_timeout))
        ms = int(lock_timeout * 1000)
        connect_args["options"] = f"-c lock_timeout={ms} -c statement_timeout={max(ms * 5, 5000)}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
