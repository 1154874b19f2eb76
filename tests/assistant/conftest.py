from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factory import build_index, load_documents, make_pipeline
from assistant.pipeline import Pipeline
from assistant.settings import Settings


@pytest.fixture(scope="session")
def fast_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Offline settings with the hash embedder (fast); BM25 carries most of the ranking."""
    data = tmp_path_factory.mktemp("data")
    return Settings(data_dir=Path(data), embeddings="hash", llm_base_url=None, llm_api_key=None)


@pytest.fixture(scope="session")
def pipeline(fast_settings: Settings) -> Pipeline:
    report = load_documents(fast_settings)
    build_index(fast_settings, report.documents)
    return make_pipeline(fast_settings)
