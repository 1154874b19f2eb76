from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from corpus.models import Document
from index.builder import IndexBuilder, chunk_records
from index.embedders import HashEmbedder
from index.manifest import MANIFEST_FILE, read_manifest
from index.models import IndexCorrupted, IndexMissing
from index.retriever import open_index
from index.units import sentence_units
from index.vector_store import ChromaStore


def _builder(tmp_path: Path, embedder: HashEmbedder, chunk_tokens: int = 480) -> IndexBuilder:
    return IndexBuilder(
        embedder, ChromaStore.embedded(tmp_path / "chroma", "test-chunks"), tmp_path, chunk_tokens
    )


def _open(tmp_path: Path, embedder: HashEmbedder, documents: list[Document]):  # type: ignore[no-untyped-def]
    return open_index(tmp_path, ChromaStore.embedded(tmp_path / "chroma", "test-chunks"), embedder, documents)


def _texts(document: Document) -> set[str]:
    """Every text a build embeds for ``document`` (chunks and sentence units)."""
    return set(chunk_records([document], 480)[1]) | {text for _, text in sentence_units(document, "v")}


class FailingEmbedder(HashEmbedder):
    def __init__(self, fail_after: int) -> None:
        super().__init__(dim=64)
        self.fail_after = fail_after

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        if self.calls >= self.fail_after:
            raise RuntimeError("embedding endpoint went away")
        return super().embed_documents(texts)


def test_unchanged_documents_are_not_re_embedded(
    tmp_path: Path, notice: Document, other_doc: Document, hash_embedder: HashEmbedder
) -> None:
    first = _builder(tmp_path, hash_embedder).build([notice, other_doc])
    assert set(first.added) == {notice.doc_id, other_doc.doc_id}
    assert first.chunks_total == first.chunks_embedded
    assert first.sentences_embedded > 0  # sentence units beside the chunks (index/units.py)
    assert hash_embedder.embedded == first.chunks_embedded + first.sentences_embedded

    again = HashEmbedder(dim=64)
    report = _builder(tmp_path, again).build([notice, other_doc])
    assert again.embedded == 0 and again.calls == 0
    assert set(report.unchanged) == {notice.doc_id, other_doc.doc_id}


def test_changed_document_replaced_and_removed_one_vanishes(
    tmp_path: Path, notice: Document, other_doc: Document, hash_embedder: HashEmbedder
) -> None:
    _builder(tmp_path, hash_embedder).build([notice, other_doc])
    progress: list[tuple[int, int]] = []
    edited = replace(
        other_doc, text=other_doc.text.replace("按月发放租房补贴", "按季度发放购房补贴"), content_hash="v2"
    )
    counting = HashEmbedder(dim=64)
    report = _builder(tmp_path, counting).build(
        [notice, edited], progress=lambda d, t: progress.append((d, t))
    )
    assert report.changed == (other_doc.doc_id,) and report.unchanged == (notice.doc_id,)
    # only the edited document's chunks and its sentence units are written …
    units = len(sentence_units(edited, "v"))
    assert report.chunks_embedded == 3 and report.sentences_embedded == units
    # … and of those the model embeds only the texts that changed (the rest come from the cache)
    changed = _texts(edited) - _texts(other_doc)
    assert 0 < len(changed) < 3 + units
    assert counting.embedded == len(changed) and report.vectors_cached == 3 + units - len(changed)
    assert progress[-1] == (len(changed), len(changed))
    opened = _open(tmp_path, counting, [notice, edited])
    hits = opened.bm25().search("购房补贴", k=1)
    assert hits[0].doc_id == other_doc.doc_id and "购房补贴" in hits[0].text
    assert opened.bm25().search("租房补贴", k=3) == [] or all(
        "租房" not in h.text for h in opened.bm25().search("租房补贴", 3)
    )

    report = _builder(tmp_path, counting).build([notice])
    assert report.removed == (other_doc.doc_id,) and report.vectors_removed == 3 + units
    opened = _open(tmp_path, counting, [notice])
    assert all(h.doc_id == notice.doc_id for h in opened.bm25().search("人才安居补贴", k=5))
    assert all(h.doc_id == notice.doc_id for h in opened.dense().search("人才安居补贴", k=5))
    assert not any(i.startswith(other_doc.doc_id) for i in opened.store.ids())


def test_failed_build_leaves_previous_index_serving(
    tmp_path: Path, notice: Document, other_doc: Document, hash_embedder: HashEmbedder
) -> None:
    _builder(tmp_path, hash_embedder, chunk_tokens=64).build([notice])
    before = (tmp_path / MANIFEST_FILE).read_text()
    bigger = replace(notice, content_hash="changed")
    with pytest.raises(RuntimeError, match="went away"):
        # the notice's vectors come from the embedding cache and are written; other_doc's fail
        IndexBuilder(
            FailingEmbedder(fail_after=0),
            ChromaStore.embedded(tmp_path / "chroma", "test-chunks"),
            tmp_path,
            64,
            batch_size=8,
        ).build([bigger, other_doc])
    assert (tmp_path / MANIFEST_FILE).read_text() == before
    opened = _open(tmp_path, hash_embedder, [notice])
    hits = opened.hybrid().search("落实经费保障", k=3)
    assert hits and all(h.doc_id == notice.doc_id for h in hits)
    # the half-written vectors are not served, and the next build cleans them up
    report = _builder(tmp_path, hash_embedder, chunk_tokens=64).build([notice])
    assert report.unchanged == (notice.doc_id,)
    assert _open(tmp_path, hash_embedder, [notice]).store.ids() == read_manifest(tmp_path).chunk_ids


def test_missing_garbage_and_damaged_indexes_give_clear_errors(
    tmp_path: Path, notice: Document, hash_embedder: HashEmbedder
) -> None:
    with pytest.raises(IndexMissing, match="policy-assistant index"):
        _open(tmp_path, hash_embedder, [notice])
    _builder(tmp_path, hash_embedder).build([notice])
    shutil.rmtree(tmp_path / "chroma")
    with pytest.raises(IndexCorrupted, match="--rebuild"):
        _open(tmp_path, hash_embedder, [notice])
    (tmp_path / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(IndexCorrupted, match="index --rebuild"):
        _open(tmp_path, hash_embedder, [notice])
    with pytest.raises(IndexCorrupted):
        _builder(tmp_path, hash_embedder).build([notice])
    SharedSystemClient.clear_system_cache()  # a new process would not hold the deleted files open
    report = _builder(tmp_path, hash_embedder).build([notice], rebuild=True)
    assert report.rebuilt and report.chunks_embedded == report.chunks_total
    assert report.sentences_embedded > 0
    assert _open(tmp_path, hash_embedder, [notice]).hybrid().search("落实经费保障", k=1)


def test_changed_embedder_re_embeds_everything(tmp_path: Path, notice: Document) -> None:
    _builder(tmp_path, HashEmbedder(dim=64)).build([notice])
    other = HashEmbedder(dim=32)
    report = _builder(tmp_path, other).build([notice])
    assert other.embedded == report.chunks_total + report.sentences_embedded > report.chunks_total
    assert read_manifest(tmp_path).embedder == other.name


def test_repeated_labels_get_unique_ids_in_every_store(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    """Issue 19: a law with two 附件 sections. Unit ids are made from positions, not labels."""
    from corpus.models import DocumentMeta
    from corpus.parser import parse_document

    text = (
        "第一条　为了规范管理，制定本条例。本条例由主管部门负责解释。\n"
        "附件：申请表\n申请人应当如实填写申请表。申请表一式两份。\n"
        "附件：收费标准\n收费标准按年度调整。调整前应当公示。\n"
    )
    document = parse_document(text, DocumentMeta("law-with-two-annexes", "某某条例"), "law.txt")
    assert [a.label for a in document.articles] == ["第一条", "附件", "附件（二）"]
    # as an index built before repeated labels were told apart holds it: both 「附件」
    before = replace(document, articles=tuple(replace(a, label=a.printed) for a in document.articles))
    _builder(tmp_path, hash_embedder).build([before])
    assert {r.article for r in _open(tmp_path, hash_embedder, [before]).catalog.records.values()} == {
        "第一条",
        "附件",
    }
    again = HashEmbedder(dim=64)
    report = _builder(tmp_path, again).build([document])
    assert again.calls == 0 and report.unchanged == (document.doc_id,), "a new label needs no new vector"
    assert report.skipped == ()
    opened = _open(tmp_path, hash_embedder, [document])
    ids = opened.store.ids()
    assert ids == read_manifest(tmp_path).chunk_ids == set(opened.catalog.records)
    units = sentence_units(document, "v")
    assert len({r.id for r, _ in units}) == len(units)
    # both 附件 sections' sentences are stored, each under its own position (the catalog keeps a
    # sentence unit's place, not its text: that is stored with its vector)
    texts = {text[r.start : r.end] for r in opened.catalog.records.values()}
    assert {"申请表一式两份。", "调整前应当公示。"} <= texts
    # the catalog of the new build names each 附件 by its own label
    labelled = {text[r.start : r.end]: r.article for r in opened.catalog.records.values()}
    assert labelled["申请表一式两份。"] == "附件" and labelled["调整前应当公示。"] == "附件（二）"


def test_a_document_whose_ids_still_collide_is_skipped_and_named(
    tmp_path: Path, notice: Document, hash_embedder: HashEmbedder
) -> None:
    twin = replace(notice, path="elsewhere/notice-copy.txt")  # same id, same positions
    report = _builder(tmp_path, hash_embedder).build([notice, twin])
    assert report.skipped == (notice.doc_id,)
    assert any("notice-copy.txt" in note and "编号重复" in note for note in report.notes)
    assert _open(tmp_path, hash_embedder, [notice]).bm25().search("落实经费保障", k=1)


def test_an_index_written_by_an_older_keyword_side_gets_a_new_one_without_new_vectors(
    tmp_path: Path, other_doc: Document, hash_embedder: HashEmbedder
) -> None:
    import json

    _builder(tmp_path, hash_embedder).build([other_doc])
    path = tmp_path / MANIFEST_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("lexical")  # as an index written before the keyword side had versions
    path.write_text(json.dumps(data), encoding="utf-8")
    before = read_manifest(tmp_path)
    assert before.lexical == 1
    again = HashEmbedder(dim=64)
    report = _builder(tmp_path, again).build([other_doc])
    after = read_manifest(tmp_path)
    assert again.calls == 0 and report.unchanged == (other_doc.doc_id,)
    assert after.generation != before.generation and after.lexical > 1
    assert (tmp_path / "bm25" / after.generation / "readings.json").is_file()
