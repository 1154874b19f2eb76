"""The one place that wires the pipeline from :class:`Settings`.

The CLI, the web app and the evals all build their objects here, so they behave alike.
"""

from __future__ import annotations

import logging

from assistant.settings import Settings
from corpus.loader import load_corpus
from corpus.models import Document, LoadReport

log = logging.getLogger(__name__)


def load_documents(settings: Settings) -> LoadReport:
    """The corpus; files that fail to parse are reported in ``errors`` and the rest load."""
    report = load_corpus(settings.corpus_dir)
    for error in report.errors:
        log.warning("corpus file skipped: %s", error)
    return report


def documents_by_id(documents: list[Document]) -> dict[str, Document]:
    return {d.doc_id: d for d in documents}
