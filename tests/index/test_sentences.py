from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus.models import Document
from index.builder import IndexBuilder
from index.embedders import HashEmbedder
from index.retriever import open_index
from index.sentences import SentenceVectors, SpanKey
from index.units import LONG_SENTENCE, MIN_CLAUSE, clauses, sentence_units
from index.vector_store import ChromaStore


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=32)
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return super().embed_documents(texts)


def test_sentence_units_cover_sentences_and_clauses_of_long_sentences(notice: Document) -> None:
    units = sentence_units(notice, "v1")
    ids = [r.id for r, _ in units]
    assert len(ids) == len(set(ids)) and all(i.endswith("@v1") for i in ids)
    assert all(r.text == notice.text[r.start : r.end] for r, _ in units)
    article = notice.article("（九）")
    assert article is not None
    mine = [(r, t) for r, t in units if r.article == "（九）"]
    # every sentence, embedded with the article heading for context
    for span in article.sentences:
        assert any((r.start, r.end) == (span.start, span.end) for r, _ in mine)
    assert all(t.startswith(article.heading + "：") for _, t in mine)
    # the long second sentence is also split into clauses, one of them the 助理工程师 provision
    long = article.sentences[1]
    pieces = clauses(long, notice.text)
    assert long.end - long.start > LONG_SENTENCE and len(pieces) > 1
    assert pieces[0].start == long.start and pieces[-1].end == long.end
    assert all(p.end - p.start >= MIN_CLAUSE for p in pieces)
    assert any("直接聘任助理工程师" in p.slice(notice.text) for p in pieces)


def test_short_sentences_are_not_split(notice: Document) -> None:
    article = notice.article("（九）")
    assert article is not None
    short = article.sentences[0]
    assert short.end - short.start <= LONG_SENTENCE and clauses(short, notice.text) == []


def test_sentence_vectors_come_from_the_index_and_are_cached(tmp_path: Path, notice: Document) -> None:
    builder_embedder = HashEmbedder(dim=32)
    store = ChromaStore.embedded(tmp_path / "chroma", "sentences")
    IndexBuilder(builder_embedder, store, tmp_path).build([notice])
    searching = CountingEmbedder()
    opened = open_index(tmp_path, store, searching, [notice])
    vectors = opened.sentence_vectors()
    article = notice.article("（十三）")
    assert article is not None and len(article.sentences) > 1
    first = vectors.sentences(notice, article.sentences)
    assert searching.texts == []  # every sentence of a multi-sentence article is stored
    heading = f"{article.heading}："
    expected = builder_embedder.embed_documents([heading + s.slice(notice.text) for s in article.sentences])
    assert [[round(x, 5) for x in v] for v in first] == [[round(x, 5) for x in v] for v in expected]


def test_sentence_vectors_embed_what_the_index_lacks_once(notice: Document) -> None:
    embedder = CountingEmbedder()
    asked: list[SpanKey] = []

    def stored(keys: Sequence[SpanKey]) -> dict[SpanKey, list[float]]:
        asked.extend(keys)
        return {keys[0]: [1.0] + [0.0] * 31}

    vectors = SentenceVectors(embedder, stored)
    article = notice.article("（一）")
    assert article is not None
    out = vectors.sentences(notice, article.sentences)
    assert out[0] == [1.0] + [0.0] * 31
    assert embedder.texts == [s.slice(notice.text) for s in article.sentences[1:]]
    vectors.sentences(notice, article.sentences)
    assert len(embedder.texts) == len(article.sentences) - 1 and len(asked) == len(article.sentences)
