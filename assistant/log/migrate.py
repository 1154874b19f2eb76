"""Bring a conversation-log database to the newest schema (``alembic upgrade head``), in process.

The alembic environment and versions ship inside this package (``assistant/log/migrations``),
so an installed application migrates its own database at startup.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}; the package is incomplete")
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run pending migrations on ``connection`` (committed by the caller's ``begin()`` block)."""
    before = current_revision(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    after = current_revision(connection)
    if before != after:
        log.info("conversation log migrated", extra={"from_revision": before, "to_revision": after})
