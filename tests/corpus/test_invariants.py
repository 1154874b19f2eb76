"""Property-style checks over every real document the tests use: the notice, the zcyclaw
regulations and the chosen laws from laws.db. Offsets slice back verbatim; sentences and items sit
inside their article; chunks stay within the token budget and have unique ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.chunker import chunk_document
from corpus.loader import load_document
from corpus.models import Document
from corpus.tokens import count_tokens
from tests.corpus.real_texts import DbLaw

BUDGETS = (480, 120)


@pytest.fixture(scope="module")
def real_documents(
    notice: Document, zcyclaw_files: list[Path], parsed_laws: list[tuple[DbLaw, Document]]
) -> list[Document]:
    documents = [notice, *(load_document(p) for p in zcyclaw_files), *(d for _, d in parsed_laws)]
    assert len(documents) >= 1 + 10 + 10
    return documents


def _check_structure(document: Document) -> None:
    text = document.text
    previous_end = 0
    assert [a.order for a in document.articles] == list(range(len(document.articles)))
    for article in document.articles:
        span = article.span
        body = document.article_text(article)
        assert body == text[span.start : span.end]
        assert body and body == body.strip(), (document.doc_id, article.label)
        assert span.start >= previous_end, "articles do not overlap and keep document order"
        previous_end = span.end
        if article.printed:
            assert body.startswith(article.printed), (document.doc_id, article.label)
        last = span.start
        for sentence in article.sentences:
            assert span.start <= sentence.start < sentence.end <= span.end
            assert sentence.start >= last, "sentences are in order and do not overlap"
            last = sentence.end
            piece = sentence.slice(text)
            assert piece == piece.strip() and piece in body
        for item in article.items:
            assert span.start <= item.start < item.end <= span.end
    for part in document.parts:
        assert part.span.slice(text).lstrip().startswith(part.label[:1])


def _check_chunks(document: Document, max_tokens: int) -> list[str]:
    chunks = chunk_document(document, max_tokens=max_tokens)
    by_article: dict[str, list[int]] = {}
    for c in chunks:
        assert c.text == document.text[c.start : c.end]
        article = document.article(c.article)
        assert article is not None
        assert article.span.start <= c.start < c.end <= article.span.end
        budget = max(max_tokens - count_tokens(c.header) - 1, 16)
        assert c.tokens == count_tokens(c.text)
        assert c.tokens <= budget or c.pieces == 1 and not article.sentences, (c.chunk_id, c.tokens, budget)
        by_article.setdefault(c.article, []).append(c.piece)
    for article in document.articles:
        assert by_article[article.label] == list(range(len(by_article[article.label]))), (
            "every article is chunked"
        )
        pieces = [c for c in chunks if c.article == article.label]
        covered = "".join(document.text[c.start : c.end] for c in pieces)
        assert "".join(covered.split()) == "".join(document.article_text(article).split())
    return [c.chunk_id for c in chunks]


def test_offsets_slice_back_verbatim_in_every_real_document(real_documents: list[Document]) -> None:
    for document in real_documents:
        _check_structure(document)


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_chunks_of_every_real_document(real_documents: list[Document], max_tokens: int) -> None:
    ids: list[str] = []
    for document in real_documents:
        ids += _check_chunks(document, max_tokens)
    assert len(ids) == len(set(ids)), "chunk ids are unique across the corpus"


def test_doc_ids_are_unique(real_documents: list[Document]) -> None:
    ids = [d.doc_id for d in real_documents]
    assert len(ids) == len(set(ids))
