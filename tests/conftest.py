from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Document

NOTICE_ID = "sh-digital-talent-2024"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return default_corpus_dir()


@pytest.fixture(scope="session")
def notice(corpus_dir: Path) -> Document:
    report = load_corpus(corpus_dir)
    assert not report.errors
    return next(d for d in report.documents if d.doc_id == NOTICE_ID)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A copy of the shipped corpus's files (not its subfolders) a test may change."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder
