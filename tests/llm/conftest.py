from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.llm.fake_server import FakeOpenAIServer


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenAIServer) -> FakeOpenAIServer:
    """The module's server with an empty script and no recorded requests."""
    server.reset()
    return server


@pytest.fixture(scope="session")
def indexed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the corpus built once with the hash embedder (fast, offline)."""
    from assistant.factory import build_index, load_documents
    from assistant.settings import Settings

    data = Path(tmp_path_factory.mktemp("llm-data"))
    settings = Settings(data_dir=data, embeddings="hash", llm_base_url=None, llm_api_key=None)
    build_index(settings, load_documents(settings).documents)
    return data
