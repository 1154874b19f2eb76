"""One contract suite for the Chroma adapter, run against embedded Chroma and a real `chroma run`."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from index.models import EmbedderMismatch, StoreUnavailable
from index.vector_store import ChromaStore
from tests.index.conftest import free_port

VECTORS = {
    "a::0": [1.0, 0.0, 0.0, 0.0],
    "a::1": [0.9, 0.1, 0.0, 0.0],
    "b::0": [0.0, 1.0, 0.0, 0.0],
    "b::1": [0.0, 0.0, 1.0, 0.0],
}


def _fill(store: ChromaStore) -> None:
    ids = list(VECTORS)
    store.add(ids, [VECTORS[i] for i in ids], ids, [{"doc_id": i.split("::")[0], "article": i} for i in ids])


def test_open_creates_then_reuses(store_factory) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    assert store.open("fake", 4, rebuild_on_mismatch=False) is True
    _fill(store)
    again = store_factory()
    assert again.open("fake", 4, rebuild_on_mismatch=False) is False
    assert again.count() == 4
    assert again.ids() == set(VECTORS)


def test_query_orders_by_cosine_and_filters_by_document(store_factory) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.open("fake", 4, rebuild_on_mismatch=False)
    _fill(store)
    ranked = store.query([1.0, 0.05, 0.0, 0.0], k=3)
    assert [i for i, _ in ranked][:2] == ["a::0", "a::1"]
    assert ranked[0][1] == pytest.approx(1.0, abs=0.01)  # cosine similarity, not a distance
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1]
    only_b = store.query([1.0, 0.0, 0.0, 0.0], k=3, doc_id="b")
    assert {i for i, _ in only_b} == {"b::0", "b::1"}


def test_delete_removes_ids(store_factory) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.open("fake", 4, rebuild_on_mismatch=False)
    _fill(store)
    store.delete(["a::0", "b::1"])
    assert store.ids() == {"a::1", "b::0"}


def test_embedder_mismatch_raises_on_search_and_rebuilds_on_index(store_factory) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.open("model-a", 4, rebuild_on_mismatch=False)
    _fill(store)
    with pytest.raises(EmbedderMismatch, match="index --rebuild"):
        store_factory().open_existing("model-b", 4)
    with pytest.raises(EmbedderMismatch):
        store_factory().open("model-a", 8, rebuild_on_mismatch=False)
    rebuilt = store_factory()
    assert rebuilt.open("model-b", 4, rebuild_on_mismatch=True) is True
    assert rebuilt.count() == 0


def test_unreachable_server_fails_fast_naming_host_and_port() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        ChromaStore.server("127.0.0.1", port, "x-collection", timeout=1.0)
    assert time.monotonic() - started < 3


def test_silent_server_times_out_instead_of_hanging() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections but never answers
    port = listener.getsockname()[1]
    stop = threading.Event()
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=str(port)):
            ChromaStore.server("127.0.0.1", port, "x-collection", timeout=0.5)
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        listener.close()
