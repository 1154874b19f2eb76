"""The on-disk embedding cache: a rebuild embeds nothing, a changed text is embedded again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console

from corpus.models import Document
from index.builder import IndexBuilder
from index.embedders import HashEmbedder
from index.embedding_cache import CACHE_FILE, EmbeddingCache, embedding_progress
from index.retriever import open_index
from index.vector_store import ChromaStore


class CountingEmbedder(HashEmbedder):
    """A fake embedder that records every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.seen.extend(texts)
        return super().embed_documents(texts)


def _build(index_dir: Path, embedder: HashEmbedder, documents: list[Document], **kwargs):  # type: ignore[no-untyped-def]
    store = ChromaStore.embedded(index_dir / "chroma", "cache-test")
    return IndexBuilder(embedder, store, index_dir, **kwargs).build(documents)


def test_vectors_round_trip_by_embedder_and_text(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    assert cache.get_many("m", ["甲", "乙"]) == [None, None]
    cache.put_many("m", ["甲", "乙"], [[0.5, 0.25], [1.0, -1.0]])
    found = cache.get_many("m", ["乙", "丙", "甲", "甲"])
    assert found[1] is None
    assert [v.tolist() for v in (found[0], found[2], found[3]) if v is not None] == [
        [1.0, -1.0],
        [0.5, 0.25],
        [0.5, 0.25],
    ]
    assert found[0] is not None and found[0].dtype == np.float32
    assert cache.get_many("other-model", ["甲"]) == [None]  # another model's vectors are not shared
    assert cache.count("m") == 2 and cache.count() == 2
    # a second handle (another process) sees the same file
    assert EmbeddingCache(tmp_path / "cache.sqlite3").count("m") == 2


def test_a_second_build_embeds_nothing(tmp_path: Path, notice: Document, other_doc: Document) -> None:
    first = CountingEmbedder()
    report = _build(tmp_path / "a", first, [notice, other_doc])
    written = report.chunks_embedded + report.sentences_embedded
    assert len(first.seen) == written > 0 and report.vectors_cached == 0
    assert (tmp_path / "a" / CACHE_FILE).is_file()

    again = CountingEmbedder()
    rebuilt = IndexBuilder(
        again, ChromaStore.embedded(tmp_path / "a" / "chroma", "cache-test"), tmp_path / "a"
    ).build([notice, other_doc], rebuild=True)
    assert again.seen == [] and again.calls == 0
    assert rebuilt.vectors_cached == written == rebuilt.chunks_embedded + rebuilt.sentences_embedded
    assert any("向量缓存" in note for note in rebuilt.notes)

    # an index in another folder sharing the cache (a benchmark re-run) embeds nothing either
    other = CountingEmbedder()
    _build(tmp_path / "b", other, [notice, other_doc], cache=EmbeddingCache(tmp_path / "a" / CACHE_FILE))
    assert other.calls == 0
    # and searches the same vectors
    opened = open_index(tmp_path / "b", ChromaStore.embedded(tmp_path / "b" / "chroma", "cache-test"), other)
    assert opened.dense().search("人才安居补贴", k=1)[0].doc_id == other_doc.doc_id


def test_a_changed_text_is_embedded_again(tmp_path: Path, other_doc: Document) -> None:
    _build(tmp_path, CountingEmbedder(), [other_doc])
    # same length, so the hand-made document's article spans still hold
    edited = replace(
        other_doc, text=other_doc.text.replace("按月发放租房补贴", "按季发放购房补贴"), content_hash="v2"
    )
    counting = CountingEmbedder()
    report = _build(tmp_path, counting, [edited])
    assert counting.seen and all("按季发放购房补贴" in text for text in counting.seen)
    assert report.vectors_cached > 0  # the unchanged articles came from the cache


def test_another_model_does_not_reuse_vectors(tmp_path: Path, other_doc: Document) -> None:
    _build(tmp_path, CountingEmbedder(), [other_doc])

    class Wider(CountingEmbedder):
        @property
        def name(self) -> str:
            return "wider"

    wider = Wider()
    report = _build(tmp_path, wider, [other_doc])
    assert (
        len(wider.seen) == report.chunks_embedded + report.sentences_embedded and report.vectors_cached == 0
    )


def test_progress_bar_shows_counts_and_time_left() -> None:
    console = Console(record=True, width=140, force_terminal=False)
    with embedding_progress(console, "embedding") as progress:
        progress(0, 200)
        progress(100, 200)
        progress(200, 200)
    shown = console.export_text()
    assert "200/200" in shown and "texts/s" in shown and "left" in shown
