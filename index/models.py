"""Typed data objects and seams of the index stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from corpus.models import Article, Document


@dataclass(frozen=True)
class Hit:
    """One retrieved article (split chunks merged back), best first.

    ``ranks`` says which retriever found it and at which rank (1-based), e.g.
    ``{"bm25": 1, "dense": 3}``; ``chunk_ids`` are the chunks of the article that matched.
    """

    doc_id: str
    doc_title: str
    article: str
    heading: str
    part: str
    score: float
    start: int
    end: int
    text: str
    ranks: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    chunk_ids: tuple[str, ...] = ()

    @classmethod
    def of_article(cls, document: Document, article: Article, score: float = 1.0) -> Hit:
        """A hit for a whole article of a document (what split chunks are merged back into)."""
        return cls(
            doc_id=document.doc_id,
            doc_title=document.title,
            article=article.label,
            heading=article.heading,
            part=article.part,
            score=score,
            start=article.span.start,
            end=article.span.end,
            text=document.article_text(article),
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.article)

    @property
    def found_by(self) -> tuple[str, ...]:
        return tuple(sorted(self.ranks))


@dataclass(frozen=True)
class QueryReading:
    """How the keyword search read a question: its own words, and the corpus words it also
    searched for the question's everyday words (开公司 → 创业), English words (subsidy → 补贴)
    and typing slips (新八级公 → 新八级工)."""

    words: tuple[str, ...]
    everyday: tuple[tuple[str, tuple[str, ...]], ...] = ()
    english: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: (what was typed, the policy term meant) for same-sounding slips: 新八级公 → 新八级工
    corrected: tuple[tuple[str, str], ...] = ()

    @property
    def searched(self) -> tuple[str, ...]:
        """Every word the search used: the question's own (as often as it says them), then the
        added ones it does not say, each once."""
        return (*self.summed, *dict.fromkeys(w for group in self.alternatives for w in group))

    @property
    def summed(self) -> tuple[str, ...]:
        """The words whose scores add up: the question's own (as often as it says them), then,
        once each, the document words its everyday words stand for and the terms its slips meant
        (synonyms.txt lists equivalents, so 开公司 is searched as 创业 and 创办 and 企业)."""
        own = set(self.words)
        meant = ((typed, (term,)) for typed, term in self.corrected)
        added = (w for _, words in (*self.everyday, *meant) for w in words if w not in own)
        return (*self.words, *dict.fromkeys(added))

    @property
    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        """The dictionary's readings of each English word or phrase, as groups of alternatives
        (plan → 方案、规划、计划: one of them is meant), words already in ``summed`` left out."""
        taken = set(self.summed)
        groups = (tuple(dict.fromkeys(w for w in words if w not in taken)) for _, words in self.english)
        return tuple(group for group in groups if group)

    def summary(self) -> str:
        """One line for operators: 「检索词：… ｜ 口语对照：开公司→创业 ｜ 英文对照：subsidy→补贴」."""
        parts = [f"检索词：{'、'.join(dict.fromkeys(self.words)) or '（无）'}"]
        meant = tuple((typed, (term,)) for typed, term in self.corrected)
        for name, pairs in (("口语对照", self.everyday), ("英文对照", self.english), ("疑似错字", meant)):
            if pairs:
                parts.append(f"{name}：" + "；".join(f"{w}→{'、'.join(found)}" for w, found in pairs))
        return " ｜ ".join(parts)


class Retriever(Protocol):
    """Ranked articles for a question; the assistant depends on this and nothing else of the index."""

    def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]: ...


class Embedder(Protocol):
    """Text → vectors. ``name`` identifies model and settings so an index records what built it."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class IndexError_(Exception):
    """Base for index problems a user can act on (missing index, unreachable server, mismatch)."""


class IndexMissing(IndexError_):
    def __init__(self, where: str) -> None:
        super().__init__(f"没有找到索引（{where}）。请先运行 `policy-assistant index` 建立索引。")
        self.where = where


class StoreUnavailable(IndexError_):
    pass


class EmbedderMismatch(IndexError_):
    pass


class IndexCorrupted(IndexError_):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(
            f"索引数据已损坏（{where}：{problem}）。请运行 `policy-assistant index --rebuild` 重建索引。"
        )
        self.where = where
        self.problem = problem


class EmbeddingFailed(IndexError_):
    """The embedding model or endpoint could not embed (missing key, endpoint down, bad answer)."""
