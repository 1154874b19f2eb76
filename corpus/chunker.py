"""Article-aware chunks: one article per chunk, long articles split at sentence boundaries."""

from __future__ import annotations

from corpus.models import PREAMBLE_LABEL, Article, Chunk, Document, Span
from corpus.tokens import count_tokens

DEFAULT_MAX_TOKENS = 480


def chunk_header(document: Document, article: Article) -> str:
    pieces = [document.meta.display_title]
    if article.chapter:
        pieces.append(article.chapter)
    if article.section:
        pieces.append(article.section)
    if article.part:
        pieces.append(article.part)
    pieces.append(article.citation_label)
    if article.label == PREAMBLE_LABEL:
        pieces.append(_about(document))
    return " ".join(pieces)


def _about(document: Document) -> str:
    """What the document says about itself, so questions about the document find its 前言."""
    meta = document.meta
    facts = [
        ("文件名称", meta.title),
        ("文件类型", meta.kind),
        ("发文机关 发布单位", meta.issuer),
        ("印发日期", meta.issued_date),
        ("制定依据", meta.implements),
        ("实施期 有效期", meta.validity),
    ]
    return " ".join(f"{name}：{value}" for name, value in facts if value)


def chunk_document(document: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    if max_tokens < 32:
        raise ValueError(f"expected max_tokens >= 32; got {max_tokens}")
    chunks: list[Chunk] = []
    for article in document.articles:
        header = chunk_header(document, article)
        budget = max_tokens - count_tokens(header) - 1
        groups = _group_sentences(document.text, article, max(budget, 16))
        for piece, span in enumerate(groups):
            text = span.slice(document.text)
            chunks.append(
                Chunk(
                    chunk_id=f"{document.doc_id}::{article.order:04d}::{piece:02d}",
                    doc_id=document.doc_id,
                    doc_title=document.title,
                    article=article.label,
                    heading=article.heading,
                    part=article.part or article.chapter,
                    start=span.start,
                    end=span.end,
                    text=text,
                    header=header,
                    piece=piece,
                    pieces=len(groups),
                    tokens=count_tokens(text),
                    order=article.order,
                )
            )
    return chunks


def _group_sentences(text: str, article: Article, budget: int) -> list[Span]:
    """Consecutive sentences packed into spans of at most ``budget`` tokens."""
    whole = article.span
    if count_tokens(whole.slice(text)) <= budget or not article.sentences:
        return [whole]
    groups: list[Span] = []
    start = end = None
    for sentence in article.sentences:
        for part in _hard_split(text, sentence, budget):
            # count the joined span itself: the breaks between sentences cost tokens too
            if start is not None and end is not None and count_tokens(text[start : part.end]) > budget:
                groups.append(Span(start, end))
                start = None
            if start is None:
                start = part.start
            end = part.end
    if start is not None and end is not None:
        groups.append(Span(start, end))
    return groups


def _hard_split(text: str, sentence: Span, budget: int) -> list[Span]:
    """A sentence longer than the budget is cut at commas, then at fixed character steps."""
    if count_tokens(sentence.slice(text)) <= budget:
        return [sentence]
    out: list[Span] = []
    pos = sentence.start
    step = max(budget // 2, 8)
    while pos < sentence.end:
        end = min(pos + step, sentence.end)
        cut = max(text.rfind(c, pos, end) for c in "，,；;、")
        if cut > pos and end < sentence.end:
            end = cut + 1
        out.append(Span(pos, end))
        pos = end
    return out


def chunk_corpus(documents: list[Document], max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    return [chunk for document in documents for chunk in chunk_document(document, max_tokens)]
