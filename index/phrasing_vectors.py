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
:class:`QuestionVectors` is that cache of question vectors on its own: the reviewed answers
(channel/reviewed.py) compare a citizen's question with their questions and phrasings through it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.embedding_cache import CACHE_FILE, EmbeddingCache
from index.models import Embedder

log = logging.getLogger(__name__)


class QuestionVectors:
    """Questions embedded as the retriever embeds a query, each once: unit vectors kept in memory
    (up to ``size`` texts) and in the index's embedding cache, so a restart embeds none it embedded
    before. Only questions that are kept anyway belong here (labelled questions, reviewed
    answers'): a citizen's question is compared with :meth:`similarity` and never stored."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None = None, size: int = 4096) -> None:
        if size < 1:
            raise ValueError(f"expected a size >= 1; got {size}")
        self._embedder = embedder
        self._cache = cache
        self._size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        # queries and passages embed differently (e5's "query:" prefix): keep them apart
        return f"{self._embedder.name}#query"

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The unit vectors of ``texts``, one row each (embedded only when neither kept nor cached)."""
        unique = list(dict.fromkeys(texts))
        with self._lock:
            found: dict[str, np.ndarray] = {t: self._kept[t] for t in unique if t in self._kept}
        missing = [t for t in unique if t not in found]
        if missing and self._cache is not None:
            try:
                cached = self._cache.get_many(self.name, missing)
            except (OSError, sqlite3.Error) as exc:  # a read-only or broken cache: embed anew
                log.warning("question vector cache unreadable", extra={"error": str(exc)})
            else:
                found.update((t, v) for t, v in zip(missing, cached, strict=True) if v is not None)
        fresh = [t for t in missing if t not in found]
        if fresh:
            vectors = [np.asarray(self._embedder.embed_query(t), dtype=np.float32) for t in fresh]
            found.update(zip(fresh, vectors, strict=True))
            if self._cache is not None:
                try:
                    self._cache.put_many(self.name, fresh, vectors)
                except (OSError, sqlite3.Error) as exc:
                    log.warning("question vector cache not written", extra={"error": str(exc)})
        with self._lock:
            for text in unique:
                self._kept[text] = found[text]
                self._kept.move_to_end(text)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        if not texts:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        matrix = np.vstack([found[t] for t in texts]).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def similarity(self, question: str, groups: Sequence[Sequence[str]]) -> list[float]:
        """For each group of texts, the cosine similarity of ``question`` to its nearest text (0 for
        an empty group); ``question`` is embedded once, as a query, and not kept."""
        if not any(groups):
            return [0.0] * len(groups)
        vector = np.asarray(self._embedder.embed_query(question), dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if not norm:
            return [0.0] * len(groups)
        unit = vector / norm
        return [float(np.max(self.vectors(texts) @ unit)) if texts else 0.0 for texts in groups]


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
        self._vectors = QuestionVectors(embedder, cache, size=max(1, len(self._pairs)))
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pairs)

    @property
    def pairs(self) -> list[tuple[tuple[str, str], str]]:
        """(article, question), one per row of ``matrix()``."""
        return list(self._pairs)

    def matrix(self) -> np.ndarray:
        """The questions' unit vectors, one row each (embedded on the first call)."""
        with self._lock:
            if self._matrix is None:
                self._matrix = self._vectors.vectors([q for _, q in self._pairs])
            return self._matrix

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
