"""Alembic environment of the conversation log.

Run programmatically by :func:`assistant.log.migrate.upgrade`, which passes an open connection
in ``config.attributes["connection"]``; a bare ``sqlalchemy.url`` works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import channel.schema  # noqa: F401  (its tables share the log's metadata)
from assistant.log.schema import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
