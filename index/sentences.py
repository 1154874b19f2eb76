"""Sentence vectors of the loaded documents, computed on first use and cached.

Article vectors blur a long article into one point; a question in another language (English)
often matches one sentence better than the article as a whole. Used to re-rank dense candidates
when no keyword matched, and by the extractive answerer to pick sentences across languages.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from corpus.models import Document, Span
from index.models import Embedder, Hit


class SentenceVectors:
    def __init__(self, embedder: Embedder, documents: Mapping[str, Document], rrf_k: float = 5.0) -> None:
        self._embedder = embedder
        self._documents = documents
        self._rrf_k = rrf_k
        self._cache: dict[tuple[str, int, int], list[float]] = {}
        self._lock = threading.Lock()

    def sentences(self, document: Document, spans: Sequence[Span]) -> list[list[float]]:
        """Vectors of ``spans`` of ``document`` (embedded as passages once, then cached)."""
        with self._lock:
            missing = [s for s in spans if (document.doc_id, s.start, s.end) not in self._cache]
        if missing:
            vectors = self._embedder.embed_documents([s.slice(document.text) for s in missing])
            with self._lock:
                for span, vector in zip(missing, vectors, strict=True):
                    self._cache[(document.doc_id, span.start, span.end)] = vector
        return [self._cache[(document.doc_id, s.start, s.end)] for s in spans]

    def query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text)

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` re-ordered by reciprocal-rank fusion of their order and their best sentence."""
        if len(hits) < 2:
            return hits
        vector = self.query(query)
        best: dict[tuple[str, str], float] = {}
        for hit in hits:
            document = self._documents.get(hit.doc_id)
            article = document.article(hit.article) if document else None
            if document is None or article is None or not article.sentences:
                best[hit.key] = -1.0
                continue
            sims = [_dot(vector, v) for v in self.sentences(document, article.sentences)]
            best[hit.key] = max(sims)
        by_sentence = sorted(hits, key=lambda h: -best[h.key])
        fused = {h.key: 1 / (self._rrf_k + i + 1) for i, h in enumerate(hits)}
        for i, h in enumerate(by_sentence):
            fused[h.key] += 1 / (self._rrf_k + i + 1)
        return sorted(hits, key=lambda h: -fused[h.key])


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
