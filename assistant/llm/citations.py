"""Turn model text with numbered markers ([1], [2][3]) into a :class:`Draft` with citations.

Marker ``[n]`` refers to the n-th article of the prompt (``request.hits[n-1]``). Each valid
marker becomes a :class:`Citation` whose ``quote`` is the sentence of that article most
similar to the sentence carrying the marker — verbatim, sliced from the document text — and
is rewritten in the answer to a readable reference the verifier checks:
the first time an article is cited ``（《title》第（十三）条「heading」）``, afterwards ``（第（十三）条）``.

A sentence whose only markers point at articles that were not supplied is removed (it claims a
source nobody retrieved). Works on partial text too: a trailing, unfinished marker is dropped,
so the pipeline can parse a stream sentence by sentence.
"""

from __future__ import annotations

import logging
import re

from assistant.answerer import AnswerRequest, Draft
from assistant.llm.prompt import article_label
from assistant.models import Citation
from corpus.models import Article, Document
from index.models import Hit

log = logging.getLogger(__name__)

_MARKER_GROUP = r"(?:\[\s*\d+(?:\s*[,，、]\s*\d+)*\s*\])+"
_MARKERS = re.compile(_MARKER_GROUP)
_NUMBER = re.compile(r"\d+")
_MARKER_AFTER_STOP = re.compile(rf"([。！？!?；;]+)[ \t]*({_MARKER_GROUP})")
_UNFINISHED_MARKER = re.compile(r"\[\s*[\d,，、\s]*$")
_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』)]*|\n|$)")
_NOT_CONTENT = re.compile(r"[\s\W_]+")


def normalize_markers(text: str) -> str:
    """Full-width brackets → [n]; a marker written after the full stop moves before it."""
    text = text.translate(str.maketrans("［］【】", "[][]"))
    text = _UNFINISHED_MARKER.sub("", text)
    return _MARKER_AFTER_STOP.sub(r"\2\1", text)


def draft_from_text(text: str, request: AnswerRequest) -> Draft:
    """Parse complete or partial model text into a draft (unverified) with resolved citations."""
    text = normalize_markers(text)
    citations: list[Citation] = []
    cited: set[tuple[str, str]] = set()
    out: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if not sentence:
            continue
        numbers = [int(n) for group in _MARKERS.findall(sentence) for n in _NUMBER.findall(group)]
        if not numbers:
            out.append(sentence)
            continue
        claim = _MARKERS.sub("", sentence)
        hits = [request.hits[n - 1] for n in dict.fromkeys(numbers) if 1 <= n <= len(request.hits)]
        if not hits:
            log.warning("sentence cites only articles that were not supplied", extra={"markers": numbers})
            continue
        references: list[str] = []
        for hit in hits:
            citation = _citation(hit, claim, request)
            if citation is None:
                continue
            if citation not in citations:
                citations.append(citation)
            references.append(article_label(hit).split("「")[0] if hit.key in cited else _full_reference(hit))
            cited.add(hit.key)
        if references:
            out.append(_place(sentence, f"（{'；'.join(references)}）"))
        else:
            out.append(_MARKERS.sub("", sentence))
    body = re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
    return Draft(text=body, citations=tuple(citations), mode="llm")


def _full_reference(hit: Hit) -> str:
    return f"《{hit.doc_title}》{article_label(hit)}"


def _place(sentence: str, reference: str) -> str:
    """Put the reference where the first marker stood and remove the other markers."""
    first = _MARKERS.search(sentence)
    assert first is not None
    before = _MARKERS.sub("", sentence[: first.start()]).rstrip()
    after = _MARKERS.sub("", sentence[first.end() :])
    return f"{before}{reference}{after}"


def _citation(hit: Hit, claim: str, request: AnswerRequest) -> Citation | None:
    document = request.documents.get(hit.doc_id)
    article = document.article(hit.article) if document else None
    if document is None or article is None:
        log.warning(
            "cited article not found in loaded documents",
            extra={"doc_id": hit.doc_id, "article": hit.article},
        )
        return None
    start, end = _best_sentence(document, article, claim)
    quote = document.text[start:end]
    return Citation(
        doc_id=document.doc_id,
        doc_title=document.title,
        article=article.label,
        quote=quote,
        heading=article.heading,
        start=start,
        end=end,
    )


def _best_sentence(document: Document, article: Article, claim: str) -> tuple[int, int]:
    """Span of the article sentence sharing the most character bigrams with the claim."""
    spans = [(s.start, s.end) for s in article.sentences] or [(article.span.start, article.span.end)]
    wanted = _bigrams(claim)
    best, best_score = spans[0], (-1.0, 0)
    for start, end in spans:
        raw = document.text[start:end]
        stripped = raw.strip()
        if len(stripped) < 2:
            continue
        lead = len(raw) - len(raw.lstrip())
        span = (start + lead, start + lead + len(stripped))
        have = _bigrams(stripped)
        overlap = len(wanted & have) / (len(wanted) or 1)
        score = (overlap, len(stripped))
        if score > best_score:
            best, best_score = span, score
    return best


def _bigrams(text: str) -> set[str]:
    chars = _NOT_CONTENT.sub("", text.lower())
    return {chars[i : i + 2] for i in range(len(chars) - 1)} or ({chars} if chars else set())
