"""Load every document of a corpus folder; a broken file is reported and the rest still load.

Size limits keep one runaway file from stalling or exhausting a build: a file over
``POLICY_MAX_DOCUMENT_MB`` (default 10 MB for text, Markdown and HTML, 5× that for .docx and
.pdf, whose images weigh more than their text) is skipped before it is read, and a document
whose text is over ``POLICY_MAX_DOCUMENT_CHARS`` (default 2,000,000 characters, about twenty
times the Civil Code) after reading is skipped too — each with a message naming the file, its
size and the limit. A caller can pass ``progress`` to say when a large file (over 1 MB) is read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from corpus.metadata import load_meta, sidecar_path
from corpus.models import CorpusError, Document, LoadReport
from corpus.parser import parse_document
from corpus.readers import SUPPORTED, read_text, unsupported_message

log = logging.getLogger(__name__)

_SKIP_NAMES = {"readme.md", "readme.txt"}

DEFAULT_MAX_MB = 10.0
DEFAULT_MAX_CHARS = 2_000_000
#: file types whose bytes are mostly not text (images, layout): their byte limit is this many times larger
_BINARY_FACTOR = {".docx": 5.0, ".pdf": 5.0}
#: files larger than this get a progress line before they are read
LARGE_FILE_BYTES = 1_000_000

Progress = Callable[[str], None]
"""Called with a line to show while a large file is read (its name, size, then the time it took)."""


def _limit(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        log.warning("ignoring %s=%r: expected a number", name, raw)
        return default
    return value if value > 0 else default


def max_bytes(path: Path) -> int:
    """The largest file of this type that is read (``POLICY_MAX_DOCUMENT_MB``, scaled by type)."""
    megabytes = _limit("POLICY_MAX_DOCUMENT_MB", DEFAULT_MAX_MB)
    return int(megabytes * _BINARY_FACTOR.get(path.suffix.lower(), 1.0) * 1_000_000)


def max_chars() -> int:
    return int(_limit("POLICY_MAX_DOCUMENT_CHARS", DEFAULT_MAX_CHARS))


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def check_size(path: Path) -> int:
    """The file's size; :class:`CorpusError` when it is over the limit for its type."""
    size = path.stat().st_size
    limit = max_bytes(path)
    if size > limit:
        raise CorpusError(
            str(path),
            f"文件过大（{_megabytes(size)}，上限 {_megabytes(limit)}），已跳过（未读取）：请拆分为多个文件，"
            "或调大 POLICY_MAX_DOCUMENT_MB",
        )
    return size


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
    limit = max_chars()
    if len(text) > limit:
        raise CorpusError(
            str(path),
            f"文件文字过多（{len(text):,} 字，上限 {limit:,} 字），已跳过：请拆分为多个文件，"
            "或调大 POLICY_MAX_DOCUMENT_CHARS",
        )
    meta = load_meta(path, text)
    document = parse_document(text, meta, str(path))
    digest = hashlib.sha256(text.encode("utf-8"))
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(sidecar.read_bytes())
    return replace(document, content_hash=digest.hexdigest())


def load_corpus(folder: Path, progress: Progress | None = None) -> LoadReport:
    report = LoadReport()
    seen: dict[str, str] = {}
    for path in corpus_files(folder):
        try:
            if path.suffix.lower() not in SUPPORTED:
                raise CorpusError(str(path), unsupported_message(path.suffix.lower()))
            size = check_size(path)
            started = time.perf_counter()
            if size > LARGE_FILE_BYTES:
                _say(progress, f"正在读取较大的文件 {path.name}（{_megabytes(size)}）…")
            document = load_document(path)
            if size > LARGE_FILE_BYTES:
                _say(
                    progress,
                    f"已读取 {path.name}：{len(document.text):,} 字、{len(document.articles)} 条，"
                    f"用时 {time.perf_counter() - started:.1f} 秒",
                )
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


def _say(progress: Progress | None, line: str) -> None:
    log.info(line)
    if progress is not None:
        progress(line)
