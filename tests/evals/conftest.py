"""Fixtures of the eval tests: a fake pipeline that answers from whatever its retriever returns."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Document
from evals.qa_file import QAItem, load_qa_file

DEV_DIR = Path(__file__).resolve().parents[2] / "evals" / "dev"

# question → ranked (doc_id, article, score)
RetrieveFn = Callable[[str], Sequence[tuple[str, str, float]]]


@dataclass
class FakeConversation:
    questions: list[str] = field(default_factory=list)


class FakePipeline:
    """The shape of ``assistant.pipeline.Pipeline``: quotes (verbatim, whole) and cites the top retrieved
    article and any other with a score of at least 0.5; refuses when the retriever returns nothing."""

    def __init__(self, documents: Sequence[Document], retrieve: RetrieveFn, latency_ms: float = 10.0) -> None:
        self._docs = {d.doc_id: d for d in documents}
        self._retrieve = retrieve
        self._latency_ms = latency_ms
        self.conversations: list[FakeConversation] = []

    def new_conversation(self) -> FakeConversation:
        conversation = FakeConversation()
        self.conversations.append(conversation)
        return conversation

    def ask(self, question: str, conversation: FakeConversation | None = None) -> Answer:
        if conversation is not None:
            conversation.questions.append(question)
        ranked = list(self._retrieve(question))
        if not ranked:
            return Answer(
                question=question,
                text="抱歉，这个问题不在本助手的咨询范围内。",
                refused=True,
                mode="extractive",
                latency_ms=self._latency_ms,
            )
        citations = []
        for doc_id, label, _ in [ranked[0], *(r for r in ranked[1:] if r[2] >= 0.5)]:
            document = self._docs[doc_id]
            article = document.article(label)
            assert article is not None, label
            text = document.article_text(article)
            citations.append(Citation(doc_id, document.title, label, text, heading=article.heading))
        body = "\n".join(c.quote for c in citations)
        return Answer(
            question=question,
            text=body,
            refused=False,
            mode="extractive",
            citations=tuple(citations),
            retrieved=tuple(ranked),
            latency_ms=self._latency_ms,
        )


@pytest.fixture(scope="session")
def documents() -> list[Document]:
    report = load_corpus(default_corpus_dir())
    assert not report.errors
    return report.documents


@pytest.fixture(scope="session")
def dev_items() -> list[QAItem]:
    items: list[QAItem] = []
    for name in ("qa.jsonl", "conversations.jsonl"):
        qa_set = load_qa_file(DEV_DIR / name)
        assert not qa_set.problems, qa_set.problems
        items.extend(qa_set.items)
    return items


def oracle_retriever(items: Sequence[QAItem], doc_id: str) -> RetrieveFn:
    """Returns each question's expected articles first (nothing for out_of_scope)."""
    by_question = {i.question: i for i in items}
    labels = [f"（{n}）" for n in "一二三四五六七八九十"] + [
        "（十一）",
        "（十二）",
        "（十三）",
        "（十四）",
        "前言",
    ]

    def retrieve(question: str) -> list[tuple[str, str, float]]:
        item = by_question[question]
        if item.must_refuse:
            return []
        wanted = [e.article for e in item.expected]
        others = [x for x in labels if x not in wanted]
        return ([(doc_id, a, 1.0) for a in wanted] + [(doc_id, a, 0.1) for a in others])[:5]

    return retrieve


def shuffled_retriever(items: Sequence[QAItem], doc_id: str, seed: int = 7) -> RetrieveFn:
    """A broken retriever: random articles that are never the expected ones."""
    by_question = {i.question: i for i in items}
    labels = [f"（{n}）" for n in "一二三四五六七八九十"] + [
        "（十一）",
        "（十二）",
        "（十三）",
        "（十四）",
        "前言",
    ]
    rng = random.Random(seed)

    def retrieve(question: str) -> list[tuple[str, str, float]]:
        item = by_question[question]
        wrong = [x for x in labels if x not in {e.article for e in item.expected}]
        rng.shuffle(wrong)
        return [(doc_id, a, 0.9 - i / 10) for i, a in enumerate(wrong[:5])]

    return retrieve
