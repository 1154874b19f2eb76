"""Fixtures of the channel tests: the notice with the hash embedder, a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factory import build_index, load_documents, make_pipeline
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.log.conftest import postgres_url  # noqa: F401  (a real PostgreSQL for the slow tests)


@pytest.fixture(scope="session")
def channel_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The notice with the hash embedder (fast), no conversation log."""
    data = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=Path(data), embeddings="hash", llm_base_url=None, llm_api_key=None)  # type: ignore[call-arg]
    report = load_documents(settings)
    build_index(settings, report.documents)
    pipeline = make_pipeline(settings)
    pipeline.recorder = None
    return pipeline
