"""What a build stores for start-up is used, and gives what computing it again would (issue 19)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

import corpus.loader
import index.builder
from corpus.loader import load_corpus, scan_corpus
from corpus.models import Document
from index import stored_tables
from index.builder import BM25_DIR, IndexBuilder
from index.catalog import _FIELDS, CHUNK, Catalog, ColumnRecords, MappedRecords
from index.embedders import HashEmbedder
from index.lexical import LexicalIndex
from index.manifest import read_manifest
from index.retriever import open_index
from index.stored_tables import ArticleTerms
from index.text import PolicyTokenizer
from index.typos import Homophones
from index.vector_store import ChromaStore
from index.word_trie import WordTrie

from .conftest import housing_document

NOTICE_DIR = Path(__file__).resolve().parents[2] / "corpus" / "documents"


def _builder(root: Path) -> IndexBuilder:
    return IndexBuilder(HashEmbedder(dim=64), ChromaStore.embedded(root / "chroma", "t"), root)


def _corpus(tmp_path: Path) -> Path:
    """The notice and a second document, as files."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in NOTICE_DIR.glob("sh-digital-talent-2024*"):
        shutil.copy(path, folder / path.name)
    housing = housing_document()
    (folder / "housing.txt").write_text(housing.text, encoding="utf-8")
    (folder / "housing.meta.toml").write_text(f'id = "{housing.doc_id}"\ntitle = "{housing.title}"\n')
    return folder


def _generation(root: Path) -> Path:
    return root / BM25_DIR / read_manifest(root).generation


def _built(tmp_path: Path) -> tuple[list[Document], Path]:
    """The two documents indexed, and the folder of the generation built."""
    documents = load_corpus(_corpus(tmp_path)).documents
    _builder(tmp_path).build(documents)
    return documents, _generation(tmp_path)


def test_an_unchanged_corpus_is_not_chunked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = load_corpus(_corpus(tmp_path)).documents
    first = _builder(tmp_path).build(documents)
    assert first.chunks_total > 0
    generation = read_manifest(tmp_path).generation

    chunked: list[str] = []
    real_chunk = index.builder.chunk_document
    monkeypatch.setattr(
        index.builder, "chunk_document", lambda d, n: chunked.append(d.doc_id) or real_chunk(d, n)
    )
    again = _builder(tmp_path).build(documents)
    assert chunked == []  # checked by content hashes and article digests alone
    assert set(again.unchanged) == {d.doc_id for d in documents}
    assert again.chunks_total == first.chunks_total
    assert read_manifest(tmp_path).generation == generation

    # a document that parses differently (same text, other articles) is chunked again
    notice = documents[0]
    moved = [notice.__class__(**{**notice.__dict__, "articles": notice.articles[1:]}), *documents[1:]]
    _builder(tmp_path).build(moved)
    assert chunked == [d.doc_id for d in moved]


def test_a_store_missing_vectors_gets_the_full_check(tmp_path: Path) -> None:
    documents = load_corpus(_corpus(tmp_path)).documents
    _builder(tmp_path).build(documents)
    store = ChromaStore.embedded(tmp_path / "chroma", "t")
    manifest = read_manifest(tmp_path)
    store.open_existing(manifest.embedder, manifest.dim, manifest.collection)
    store.delete([next(iter(read_manifest(tmp_path).chunk_ids))])
    embedder = HashEmbedder(dim=64)
    report = IndexBuilder(embedder, ChromaStore.embedded(tmp_path / "chroma", "t"), tmp_path).build(documents)
    assert report.chunks_embedded + report.sentences_embedded >= 1  # the lost vector written again


def test_search_parses_only_the_documents_it_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _corpus(tmp_path)
    _builder(tmp_path).build(load_corpus(folder).documents)
    parsed: list[str] = []
    real_parse = corpus.loader.parse_document
    monkeypatch.setattr(
        corpus.loader,
        "parse_document",
        lambda text, meta, path: parsed.append(meta.doc_id) or real_parse(text, meta, path),
    )
    lazy = scan_corpus(folder)
    assert parsed == [] and len(lazy) == 2
    opened = open_index(tmp_path, ChromaStore.embedded(tmp_path / "chroma", "t"), HashEmbedder(dim=64), lazy)
    hits = opened.bm25().search("安居 租房", k=1)  # words of the housing rules only
    assert [h.doc_id for h in hits] == ["pudong-housing-2024"]
    # the notice, never a candidate, is not parsed
    assert parsed == ["pudong-housing-2024"] and lazy.parses == 1
    assert hits[0].text == lazy["pudong-housing-2024"].article_text(lazy["pudong-housing-2024"].articles[1])


def test_the_stored_tokenizer_and_catalog_are_read_back_as_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents, folder = _built(tmp_path)
    built = PolicyTokenizer.from_corpus(
        (d.text for d in documents), (a.heading for d in documents for a in d.articles)
    )

    def no_adding(self: PolicyTokenizer, added: list[str], freqs: object) -> None:
        raise AssertionError("the stored dictionary is read, no term is added")

    with monkeypatch.context() as patched:
        patched.setattr(PolicyTokenizer, "_add", no_adding)
        lexical = LexicalIndex.load(folder)
    restored = lexical.tokenizer
    # the dictionary is looked up in the memory-mapped trie, not loaded into a dict
    assert isinstance(restored.prefixes, WordTrie) and len(restored.prefixes) > 300_000
    with pytest.raises(TypeError):
        restored.add_terms(["新的政策术语"])
    assert restored.terms == built.terms and restored.names == built.names
    assert restored.names is not None and 0 < len(restored.names) < len(restored.terms)
    for text in (
        "职业技能提升补贴怎么申请",
        "数字技术工程师培育项目",
        "人才安居补贴发放对象",
        "设立质权的情形",
    ):
        assert restored(text) == built(text)
        assert restored.content_text(text) == built.content_text(text)

    columns = Catalog.load(folder)
    (folder / "catalog.marshal").unlink()  # the JSON lines of earlier versions
    lines = Catalog.load(folder)
    assert list(columns.records) == list(lines.records) and len(columns) == len(lines) > 0
    for record_id, record in lines.records.items():  # alike, but for a sentence unit's text
        assert columns.records[record_id] == (record if record.kind == CHUNK else replace(record, text=""))
    assert columns.sentence_ids() == lines.sentence_ids() != {}
    assert dict(columns._articles) == dict(lines._articles) and columns._with_units == lines._with_units


def test_an_index_of_the_first_format_is_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokenizer's dictionary in the marshal file itself and the catalog as columns alone."""
    documents, folder = _built(tmp_path)
    current = LexicalIndex.load(folder)
    catalog = Catalog.load(folder)
    assert isinstance(catalog.records, MappedRecords)
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    for name in (
        "tokenizer-words.marisa",
        "tokenizer-words.values",
        "tokenizer-compounds.marisa",
        "bm25s-vocabulary.marisa",
        "bm25s-vocabulary.values",
        "terms.json",
    ):
        (old / name).unlink()
    meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
    terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
    (old / "lexical.json").write_text(json.dumps({**meta, **terms}, ensure_ascii=False), encoding="utf-8")
    records = list(catalog.records.values())
    columns = {name: [getattr(r, name) for r in records] for name in _FIELDS}
    with monkeypatch.context() as first_format:  # written as an index of format 1 was
        first_format.setattr(stored_tables, "FORMATS", {})
        state = current.tokenizer.state()
        assert isinstance(state["freq"], WordTrie) and isinstance(state["compounds"], list)
        stored_tables.write(old / "tokenizer.marshal", "tokenizer", {**state, "freq": dict(state["freq"])})
        stored_tables.write(old / "catalog.marshal", "catalog", columns)
    assert stored_tables.read(old / "tokenizer.marshal", "tokenizer") is None  # not the current format
    earlier = LexicalIndex.load(old)
    assert isinstance(earlier.tokenizer.prefixes, dict)  # loaded as before
    assert isinstance(earlier._model.vocab_dict, dict) and isinstance(current._model.vocab_dict, WordTrie)
    assert dict(current._model.vocab_dict) == earlier._model.vocab_dict
    for text in (
        "职业技能提升补贴怎么申请",
        "数字技术工程师培育项目",
        "人才安居补贴发放对象",
        "设立质权的情形",
    ):
        assert earlier.tokenizer(text) == current.tokenizer(text)
        assert earlier.read(text) == current.read(text)
        assert earlier.search(text, k=10) == current.search(text, k=10)
    assert current.search("人才安居补贴发放对象", k=10) != []
    from_columns = Catalog.load(old)
    assert isinstance(from_columns.records, ColumnRecords)
    assert dict(from_columns._articles) == dict(catalog._articles) != {}
    assert from_columns._with_units == catalog._with_units != set()
    assert list(from_columns.records) == list(catalog.records)


def test_the_mapped_catalog_looks_records_up_in_place(tmp_path: Path) -> None:
    documents, folder = _built(tmp_path)
    catalog = Catalog.load(folder)
    records = catalog.records
    assert isinstance(records, MappedRecords) and not records._made  # nothing decoded on opening
    first = next(iter(records))
    assert first in records and records[first].id == first and records.get(first) is records[first]
    assert "no-such-id" not in records and records.get("no-such-id") is None
    with pytest.raises(KeyError):
        records["no-such-id"]
    key = (records[first].doc_id, records[first].article)
    assert catalog.has_article(key) and catalog._articles[key][0].doc_id == key[0]
    for missing in (("no-such-doc", key[1]), (key[0], "第九百九十九条"), "not a key", (key[0],)):
        assert not catalog.has_article(missing) and not catalog.has_units(missing)  # type: ignore[arg-type]
    assert len(records._made) < len(records)

    ids = list(records)
    offsets = folder / "catalog-records.offsets"
    (folder / "short").write_bytes(offsets.read_bytes()[:-8])
    (folder / "short").replace(
        offsets
    )  # a file that does not fit (the mapped one stays): JSON lines are read
    again = Catalog.load(folder)
    assert not isinstance(again.records, MappedRecords) and list(again.records) == ids


def test_a_stored_table_of_another_format_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "t.marshal"
    stored_tables.write(path, "catalog", {"id": ["a"]})
    assert stored_tables.read(path, "catalog") == {"id": ["a"]}
    assert stored_tables.read(path, "tokenizer") is None  # another kind
    path.write_bytes(b"not marshal")
    assert stored_tables.read(path, "catalog") is None
    assert stored_tables.read(tmp_path / "missing.marshal", "catalog") is None


def test_the_answering_tables_equal_counting_the_documents(tmp_path: Path) -> None:
    from assistant.factory import make_scope, make_specific_terms, make_topic_terms

    documents = load_corpus(_corpus(tmp_path)).documents
    _builder(tmp_path).build(documents)
    tables = ArticleTerms.load(_generation(tmp_path))
    assert tables is not None
    terms = make_topic_terms(documents)
    assert tables.fits(((d.doc_id, d.content_hash) for d in documents), terms.terms)
    assert not tables.fits(((d.doc_id, "other") for d in documents), terms.terms)
    computed, stored = make_scope(documents, terms), make_scope(documents, terms, tables=tables)
    assert computed._vocabulary == stored._vocabulary and computed._covered == stored._covered
    specific, specific_stored = (
        make_specific_terms(documents, terms),
        make_specific_terms(documents, terms, tables),
    )
    for question in ("数字技术工程师培育项目有哪些补贴", "人才安居补贴怎么申请", "高技能人才的评价"):
        assert specific(question) == specific_stored(question)


def test_the_pipeline_uses_the_stored_tables_and_answers_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import factory
    from assistant.settings import Settings

    folder = _corpus(tmp_path)
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", corpus_dir=folder, embeddings="hash", log_url=None
    )  # type: ignore[call-arg]
    documents = factory.load_documents(settings).documents
    factory.build_index(settings, documents)
    retriever = factory.open_retriever(settings, documents)
    assert factory.stored_article_terms(settings, documents, retriever) is not None
    with_tables = factory.make_pipeline_from(settings, documents, retriever, mode="extractive")

    monkeypatch.setattr(factory, "stored_article_terms", lambda *args: None)
    counted = factory.make_pipeline_from(settings, documents, retriever, mode="extractive")
    for question in (
        "职业技能提升补贴怎么申请？",
        "数字技术工程师培育项目支持哪些领域？",
        "人才安居补贴发给谁？",
    ):
        a, b = with_tables.ask(question), counted.ask(question)
        assert (a.text, a.refused, [c.article for c in a.citations]) == (
            b.text,
            b.refused,
            [c.article for c in b.citations],
        )


def test_slips_are_read_only_as_names() -> None:
    documents: list[Document] = [housing_document()]
    tokenizer = PolicyTokenizer.from_corpus(
        [
            "人才安居补贴按月发放。人才安居补贴向区人才服务中心申请。用人单位未按时发放的，用人单位未及时改正的，责令改正。"
        ],
        (a.heading for d in documents for a in d.articles),
    )
    assert tokenizer.names is not None
    assert "人才安居补贴" in tokenizer.names  # a named measure
    compounds = set(tokenizer.terms) - set(tokenizer.names)
    assert any("用人单位未" in t for t in compounds)  # a frequent clause fragment, not a name
    slips = Homophones(tokenizer.names, is_word=tokenizer.known_word, prefixes=tokenizer.prefixes)
    assert ("人才安居补帖", "人才安居补贴") in slips.corrections("人才安居补帖怎么领")
    assert slips.corrections("用人单位违法怎么办") == []
    every_term = Homophones(tokenizer.terms, is_word=tokenizer.known_word, prefixes=tokenizer.prefixes)
    assert every_term.corrections("用人单位违法怎么办") != []  # what reading every term as a name did


def test_state_round_trips_through_json_free_marshal(tmp_path: Path) -> None:
    tokenizer = PolicyTokenizer(["数字技术工程师"])
    stored_tables.write(tmp_path / "t.marshal", "tokenizer", tokenizer.state())
    state = stored_tables.read(tmp_path / "t.marshal", "tokenizer")
    restored = PolicyTokenizer.restore(state)
    assert restored("数字技术工程师的补贴") == tokenizer("数字技术工程师的补贴")
    assert json.dumps(restored.terms, ensure_ascii=False) == json.dumps(tokenizer.terms, ensure_ascii=False)
