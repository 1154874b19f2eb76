"""Labelled questions by meaning: a new question ranks articles by the nearest earlier question.

The keyword side already reads labelled questions as words of their articles (index/phrasings.py).
Citizens reword, though: 「停薪留职出去办个企业」 shares no word with 「离岗创办企业」 or with an
earlier 「辞职开公司」, yet it means the latter. Here each labelled question is embedded as a
query is (content words, the same model), and an article scores the cosine similarity of its
nearest labelled question to the new one. The hybrid retriever fuses this ranking with the keyword
and dense ones (index/retriever.py, ``Fusion.phrasing_weight``).

Measured before it was adopted (evals/README.md, "Labelled questions by meaning";
``python -m evals.tune_fusion``): on the notice's read sets, each searched without the phrasings
learned from it, hit@1 rose on every set the keyword side was not written for and fell on the dev
set it was written for; three blind sets rose or held.

Vectors are embedded on first use (``policy-assistant index`` embeds them at the end of a
build) and kept in the index's embedding cache, so a restart embeds nothing it embedded before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.embedding_cache import CACHE_FILE, EmbeddingCache
from index.models import Embedder

log = logging.getLogger(__name__)


class PhrasingVectors:
    """Nearest labelled question per article, by embedding similarity."""

    def __init__(
        self,
        questions: Mapping[tuple[str, str], Sequence[str]],
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
    ) -> None:
        """``questions``: article (doc_id, label) → its labelled questions; ``embedder`` embeds
        them as it embeds a query (the retriever's own embedder, so both sides match)."""
        self._pairs = [
            (key, q) for key, asked in questions.items() for q in dict.fromkeys(asked) if q.strip()
        ]
        self._embedder = embedder
        self._cache = cache
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def pairs(self) -> list[tuple[tuple[str, str], str]]:
        """(article, question), one per row of ``matrix()``."""
        return list(self._pairs)

    @property
    def _cache_name(self) -> str:
        # queries and passages embed differently (e5's "query:" prefix): keep them apart
        return f"{self._embedder.name}#query"

    def matrix(self) -> np.ndarray:
        """The questions' unit vectors, one row each (embedded on the first call)."""
        with self._lock:
            if self._matrix is None:
                self._matrix = self._embed()
            return self._matrix

    def _embed(self) -> np.ndarray:
        texts = list(dict.fromkeys(q for _, q in self._pairs))  # a question may label two articles
        if not texts:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        found: list[np.ndarray | None] = [None] * len(texts)
        if self._cache is not None:
            try:
                found = self._cache.get_many(self._cache_name, texts)
            except (OSError, sqlite3.Error) as exc:  # a read-only or broken cache: embed anew
                log.warning("phrasing vector cache unreadable", extra={"error": str(exc)})
        missing = [i for i, v in enumerate(found) if v is None]
        fresh = [np.asarray(self._embedder.embed_query(texts[i]), dtype=np.float32) for i in missing]
        if fresh and self._cache is not None:
            try:
                self._cache.put_many(self._cache_name, [texts[i] for i in missing], fresh)
            except (OSError, sqlite3.Error) as exc:
                log.warning("phrasing vector cache not written", extra={"error": str(exc)})
        for i, vector in zip(missing, fresh, strict=True):
            found[i] = vector
        by_text = {text: vector for text, vector in zip(texts, found, strict=True) if vector is not None}
        matrix = np.vstack([by_text[q] for _, q in self._pairs]).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def rank(
        self, query_vector: Sequence[float], k: int, doc_id: str | None = None
    ) -> list[tuple[tuple[str, str], float]]:
        """Up to ``k`` articles, best first, each with its nearest labelled question's similarity."""
        matrix = self.matrix()
        if not len(matrix):
            return []
        vector = np.asarray(query_vector, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            return []
        similarities = matrix @ (vector / norm)
        best: dict[tuple[str, str], float] = {}
        for i in np.argsort(-similarities):
            key = self._pairs[i][0]
            if doc_id is not None and key[0] != doc_id:
                continue
            if key not in best:
                best[key] = float(similarities[i])
                if len(best) == k:
                    break
        return list(best.items())


def cache_for(index_dir: Path) -> EmbeddingCache:
    """The embedding cache of the index in ``index_dir`` (the builder's; questions are kept
    apart from passages by the embedder name they are filed under)."""
    return EmbeddingCache(index_dir / CACHE_FILE)
