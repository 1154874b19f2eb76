"""Reviewed answers feed retrieval: their question and phrasings become labelled questions of the
articles they cite (issue 16), beside the corpus's own (corpus/documents/phrasings/).

A question worded like a reviewed one then finds its article both by words (index/phrasings.py)
and by meaning (index/phrasing_vectors.py). Only published answers still valid today count; a
publish, edit or withdrawal changes ``reviewed_stamp`` and the serving process reopens its
retriever (ui/index_watch.py). The channel lives in the same database as the conversation log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.settings import Settings

if TYPE_CHECKING:
    from channel.store import ChannelStore, ReviewedAnswer

log = logging.getLogger(__name__)

Key = tuple[str, str]


@lru_cache(maxsize=8)
def _store(url: str) -> ChannelStore:
    """One store (one connection pool) per database: the index watch asks every few seconds."""
    from channel.store import ChannelStore

    return ChannelStore(url)


def _published(settings: Settings) -> Sequence[ReviewedAnswer]:
    return _store(settings.resolved_log_url).reviewed_answers(published_only=True)


def reviewed_phrasings(settings: Settings) -> dict[Key, list[str]]:
    """Article (doc_id, label) → the questions and phrasings of the valid reviewed answers citing it;
    empty when the channel's database cannot be read (retrieval goes on without them)."""
    try:
        found = _published(settings)
    except Exception as exc:  # the channel is optional for answering: log, never fail the search
        log.warning("reviewed answers not read for retrieval: %s", type(exc).__name__)
        return {}
    return by_cited_article(found)


def by_cited_article(found: Sequence[ReviewedAnswer], today: date | None = None) -> dict[Key, list[str]]:
    """Article (doc_id, label) → the questions and phrasings of the answers in ``found`` still valid
    ``today`` that cite it (the app's serving processes and ``eval run --reviewed`` alike)."""
    today = today or datetime.now(UTC).date()
    by_article: dict[Key, list[str]] = {}
    for answer in found:
        if answer.valid_until is not None and answer.valid_until < today:
            continue
        asked = [answer.question, *answer.phrasings]
        for citation in answer.citations:
            key = (str(citation.get("doc_id", "")), str(citation.get("article", "")))
            if all(key):
                by_article.setdefault(key, []).extend(q for q in asked if q.strip())
    return by_article


def reviewed_stamp(settings: Settings) -> str:
    """A digest of what ``reviewed_phrasings`` reads: it changes with every publish, edit or
    withdrawal (and at midnight, when an answer may expire)."""
    try:
        found = _published(settings)
    except Exception:
        return ""
    parts = [datetime.now(UTC).date().isoformat()]
    parts += [f"{a.id}:{a.version}:{a.status}" for a in found]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
