"""Dense-only index units: an article's sentences, and the clauses of its long sentences.

A chunk vector blurs a whole article into one point; a question usually matches one sentence of
it (and a question in English matches one sentence far better than the Chinese article as a
whole). So besides its chunks, every article with more than one sentence gets one vector per
sentence, embedded with the article's heading for context.

A sentence longer than ``LONG_SENTENCE`` characters (the notice packs several provisions into
one sentence) also gets one unit per group of clauses of at least ``MIN_CLAUSE`` characters, so
the provision asked about is not drowned by the others.

These units are searched by the dense retriever only; BM25 stays on chunks.
"""

from __future__ import annotations

import re

from corpus.models import Document, Span
from index.catalog import SENTENCE, ChunkRecord

LONG_SENTENCE = 80
MIN_CLAUSE = 30
_CLAUSE_END = re.compile(r"[，,；;：:]")


def sentence_units(document: Document, version: str) -> list[tuple[ChunkRecord, str]]:
    """(record, text to embed) for the sentences (and clauses of long ones) of ``document``.

    ``version`` is the content version of the document's chunks, so a changed document gets new
    ids for its sentences too. Ids name the article by its position (``order``), like chunk ids,
    not by its label: a document may hold two articles with the same label (two 附件).
    """
    out: list[tuple[ChunkRecord, str]] = []
    text = document.text
    for article in document.articles:
        context = f"{article.heading}：" if article.heading else ""
        # a one-sentence article's chunk is that sentence already; its clauses still count
        whole = len(article.sentences) > 1
        for n, sentence in enumerate(article.sentences):
            pieces = ([(f"s{n}", sentence)] if whole else []) + [
                (f"s{n}c{m}", clause) for m, clause in enumerate(clauses(sentence, text))
            ]
            for unit, span in pieces:
                piece = span.slice(text)
                if not piece.strip():
                    continue
                record = ChunkRecord(
                    id=f"{document.doc_id}::{article.order:04d}#{unit}@{version}",
                    doc_id=document.doc_id,
                    doc_title=document.title,
                    article=article.label,
                    heading=article.heading,
                    part=article.part,
                    start=span.start,
                    end=span.end,
                    text=piece,
                    order=article.order,
                    kind=SENTENCE,
                )
                out.append((record, context + piece))
    return out


def clauses(sentence: Span, text: str) -> list[Span]:
    """A long sentence cut after clause punctuation into pieces of >= ``MIN_CLAUSE`` characters.

    Empty for a sentence of at most ``LONG_SENTENCE`` characters or one that does not split.
    """
    if sentence.end - sentence.start <= LONG_SENTENCE:
        return []
    cuts = [m.end() for m in _CLAUSE_END.finditer(text, sentence.start, sentence.end)]
    pieces: list[Span] = []
    start = sentence.start
    for cut in [*cuts, sentence.end]:
        if cut - start >= MIN_CLAUSE or cut == sentence.end:
            if cut - start < MIN_CLAUSE and pieces:  # a short tail joins the piece before it
                pieces[-1] = Span(pieces[-1].start, cut)
            elif cut > start:
                pieces.append(Span(start, cut))
            start = cut
    return pieces if len(pieces) > 1 else []
