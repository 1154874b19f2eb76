"""Load every document of a corpus folder; a broken file is reported and the rest still load."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

from corpus.metadata import load_meta, sidecar_path
from corpus.models import CorpusError, Document, LoadReport
from corpus.parser import parse_document
from corpus.readers import SUPPORTED, read_text, unsupported_message

log = logging.getLogger(__name__)

_SKIP_NAMES = {"readme.md", "readme.txt"}


def default_corpus_dir() -> Path:
    return Path(__file__).resolve().parent / "documents"


def corpus_files(folder: Path) -> list[Path]:
    """Document files of a folder (not sidecars, not hidden files, not READMEs), sorted."""
    if not folder.is_dir():
        raise CorpusError(str(folder), "no such folder; expected a folder of policy documents")
    out = []
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if not path.is_file() or name.startswith(".") or name.endswith(".meta.toml") or name in _SKIP_NAMES:
            continue
        out.append(path)
    return out


def load_document(path: Path) -> Document:
    text = read_text(path)
    meta = load_meta(path, text)
    document = parse_document(text, meta, str(path))
    digest = hashlib.sha256(text.encode("utf-8"))
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(sidecar.read_bytes())
    return replace(document, content_hash=digest.hexdigest())


def load_corpus(folder: Path) -> LoadReport:
    report = LoadReport()
    seen: dict[str, str] = {}
    for path in corpus_files(folder):
        try:
            if path.suffix.lower() not in SUPPORTED:
                raise CorpusError(str(path), unsupported_message(path.suffix.lower()))
            document = load_document(path)
        except CorpusError as exc:
            log.warning("corpus file skipped", extra={"path": exc.path, "problem": exc.problem})
            report.errors.append(exc)
            continue
        if document.doc_id in seen:
            error = CorpusError(
                str(path),
                f"id {document.doc_id!r} is already used by {seen[document.doc_id]}; expected every "
                f'document to have its own id (set id = "…" in {sidecar_path(path).name})',
            )
            log.warning("corpus file skipped", extra={"path": error.path, "problem": error.problem})
            report.errors.append(error)
            continue
        seen[document.doc_id] = str(path)
        report.documents.append(document)
    return report
