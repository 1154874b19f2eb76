"""Labelled phrasings (corpus/phrasings.py) as the keyword side's second field (index/phrasings.py)."""

from __future__ import annotations

import json
from pathlib import Path

from corpus.models import Document
from corpus.phrasings import Phrasing, by_article, load_phrasings, write_phrasings
from index.builder import IndexBuilder
from index.embedders import HashEmbedder
from index.retriever import open_index
from index.vector_store import ChromaStore
from tests.index.conftest import housing_document


def test_phrasings_load_and_bad_lines_are_reported_by_line(tmp_path: Path) -> None:
    document = housing_document()
    path = write_phrasings(tmp_path, document.doc_id, [Phrasing(document.doc_id, "第二条", "租房能补多少")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
        handle.write(json.dumps({"article": "第九条", "question": "没有这一条"}, ensure_ascii=False) + "\n")
        handle.write(json.dumps({"article": "第三条", "question": "  "}, ensure_ascii=False) + "\n")
    report = load_phrasings(tmp_path, [document])
    assert [p.question for p in report.phrasings] == ["租房能补多少"]
    assert len(report.problems) == 3
    assert any(":2：不是合法的 JSON" in p for p in report.problems)
    assert any("第九条" in p for p in report.problems)


def test_a_question_worded_like_a_labelled_one_finds_its_article(tmp_path: Path, notice: Document) -> None:
    # 「置业款」 is nobody's word in the text; a labelled question says it about the 办法's 第二条
    documents = [notice, housing_document()]
    store = ChromaStore.embedded(tmp_path / "chroma", "phrasing-test")
    embedder = HashEmbedder(dim=64)
    IndexBuilder(embedder, store, tmp_path, 480).build(documents)
    question = "置业款怎么算"
    plain = open_index(tmp_path, store, embedder, documents).bm25().search(question, k=3)
    assert not any(h.article == "第二条" for h in plain)
    labelled = by_article([Phrasing("pudong-housing-2024", "第二条", "人才的置业款是什么")])
    found = open_index(tmp_path, store, embedder, documents, labelled).bm25().search(question, k=3)
    assert (found[0].doc_id, found[0].article) == ("pudong-housing-2024", "第二条")
    assert found[0].ranks == {"bm25": 1}
