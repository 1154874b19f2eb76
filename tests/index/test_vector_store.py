"""One contract suite for the Chroma adapter, run against embedded Chroma and a real `chroma run`."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from index.exact import ExactVectors
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


def test_all_vectors_reads_every_row_in_batches(store_factory) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.open("fake", 4, rebuild_on_mismatch=False)
    _fill(store)
    ids, vectors = store.all_vectors(batch=3)
    assert sorted(ids) == sorted(VECTORS) and vectors.shape == (4, 4)
    for record_id, row in zip(ids, vectors, strict=True):
        assert row.tolist() == pytest.approx(VECTORS[record_id])


def test_exact_search_ranks_as_chroma_does(store_factory) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 16)).astype(np.float32)
    ids = [f"{'ab'[i % 2]}::{i}" for i in range(60)]
    store = store_factory()
    store.open("fake", 16, rebuild_on_mismatch=False)
    store.add(ids, vectors.tolist(), ids, [{"doc_id": i.split("::")[0]} for i in ids])
    stored_ids, stored = store.all_vectors()
    exact = ExactVectors(stored_ids, [i.split("::")[0] for i in stored_ids], stored)
    for query in rng.normal(size=(5, 16)).tolist():
        for doc_id in (None, "b"):
            ours, chroma = exact.query(query, 5, doc_id), store.query(query, 5, doc_id)
            assert [i for i, _ in ours] == [i for i, _ in chroma]
            assert [s for _, s in ours] == pytest.approx([s for _, s in chroma], abs=1e-4)
    assert exact.query(vectors[7].tolist(), 1)[0][0] == "b::7"
    assert exact.query(vectors[7].tolist(), 100, "a")[-1][0].startswith("a::")
    assert len(exact.query(vectors[7].tolist(), 100)) == 60 and exact.query([1.0] * 16, 3, "nobody") == []


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
