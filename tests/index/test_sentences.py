from __future__ import annotations

from collections.abc import Sequence

from corpus.models import Document
from index.models import Hit
from index.sentences import SentenceVectors


class KeywordEmbedder:
    """Vectors that point one way for texts about 创业担保贷款, another way otherwise."""

    name = "keyword"
    dim = 2

    def __init__(self) -> None:
        self.embedded = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [[1.0, 0.0] if "创业担保贷款" in t else [0.0, 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0]


def test_best_sentence_lifts_an_article_and_vectors_are_cached(notice: Document) -> None:
    hits = [Hit.of_article(notice, a) for a in notice.articles if a.label in {"（一）", "（二）", "（五）"}]
    embedder = KeywordEmbedder()
    sentences = SentenceVectors(embedder, {notice.doc_id: notice})
    reranked = sentences.rerank("start-up loans", hits)
    # （五）'s sentence on 创业担保贷款 matches best: it climbs from third to second (fused ranks)
    assert [h.article for h in reranked] == ["（一）", "（五）", "（二）"]
    embedded = embedder.embedded
    sentences.rerank("start-up loans", hits)
    assert embedder.embedded == embedded  # sentence vectors are embedded once
