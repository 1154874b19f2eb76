"""Sentence vectors of the loaded documents, for answerers that pick sentences by meaning.

Used by the extractive answerer to pick the sentences of an article that answer a question in
another language (English), where shared words cannot decide. The index stores a vector for
every sentence of a multi-sentence article (index/units.py); those are read from the store, and
only a sentence the index has no vector for is embedded here (once, then cached).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from corpus.models import Document, Span
from index.models import Embedder

SpanKey = tuple[str, int, int]
"""(doc_id, start, end) of a sentence."""

StoredVectors = Callable[[Sequence[SpanKey]], dict[SpanKey, list[float]]]
"""Looks sentences up in the index; returns the vectors it has."""


class SentenceVectors:
    def __init__(self, embedder: Embedder, stored: StoredVectors | None = None) -> None:
        self._embedder = embedder
        self._stored = stored
        self._cache: dict[SpanKey, list[float]] = {}
        self._lock = threading.Lock()

    def sentences(self, document: Document, spans: Sequence[Span]) -> list[list[float]]:
        """Vectors of ``spans`` of ``document``: from the index, else embedded as passages once."""
        keys = [(document.doc_id, s.start, s.end) for s in spans]
        with self._lock:
            missing = [k for k in keys if k not in self._cache]
        if missing and self._stored is not None:
            found = self._stored(missing)
            with self._lock:
                self._cache.update(found)
            missing = [k for k in missing if k not in found]
        if missing:
            vectors = self._embedder.embed_documents([document.text[start:end] for _, start, end in missing])
            with self._lock:
                self._cache.update(zip(missing, vectors, strict=True))
        return [self._cache[k] for k in keys]

    def query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text)
