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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.metadata import load_meta, sidecar_path
from corpus.models import CorpusError, Document, DocumentMeta, LoadReport
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


@dataclass(frozen=True)
class SourceFile:
    """A corpus file read and identified but not parsed: its text, metadata and content hash."""

    path: Path
    text: str
    meta: DocumentMeta
    content_hash: str

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def parse(self) -> Document:
        """The parsed document (:class:`CorpusError` when its text cannot be parsed)."""
        document = parse_document(self.text, self.meta, str(self.path))
        return replace(document, content_hash=self.content_hash)


def read_source(path: Path) -> SourceFile:
    """Read a corpus file's text and metadata and hash them, without parsing its structure."""
    text = read_text(path)
    limit = max_chars()
    if len(text) > limit:
        raise CorpusError(
            str(path),
            f"文件文字过多（{len(text):,} 字，上限 {limit:,} 字），已跳过：请拆分为多个文件，"
            "或调大 POLICY_MAX_DOCUMENT_CHARS",
        )
    meta = load_meta(path, text)
    digest = hashlib.sha256(text.encode("utf-8"))
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(sidecar.read_bytes())
    return SourceFile(path, text, meta, digest.hexdigest())


def load_document(path: Path) -> Document:
    return read_source(path).parse()


def load_corpus(folder: Path, progress: Progress | None = None) -> LoadReport:
    report = LoadReport()
    for source, size, started in _sources(folder, report.errors, progress):
        try:
            document = source.parse()
        except CorpusError as exc:
            log.warning("corpus file skipped", extra={"path": exc.path, "problem": exc.problem})
            report.errors.append(exc)
            continue
        if size > LARGE_FILE_BYTES:
            _say(
                progress,
                f"已读取 {source.path.name}：{len(document.text):,} 字、{len(document.articles)} 条，"
                f"用时 {time.perf_counter() - started:.1f} 秒",
            )
        report.documents.append(document)
    return report


def scan_corpus(folder: Path) -> LazyCorpus:
    """The corpus read and identified (ids, content hashes) but parsed only document by document,
    when one is asked for: a process that needs a few articles (``search``) does not parse the
    whole corpus. Files that cannot be read are in ``errors``, as ``load_corpus`` reports them."""
    errors: list[CorpusError] = []
    sources = [source for source, _, _ in _sources(folder, errors, None)]
    return LazyCorpus(sources, errors)


def _sources(
    folder: Path, errors: list[CorpusError], progress: Progress | None
) -> Iterator[tuple[SourceFile, int, float]]:
    """Every readable corpus file (read, not parsed), its size and when reading it started;
    unreadable files and repeated ids are appended to ``errors``."""
    seen: dict[str, str] = {}
    for path in corpus_files(folder):
        try:
            if path.suffix.lower() not in SUPPORTED:
                raise CorpusError(str(path), unsupported_message(path.suffix.lower()))
            size = check_size(path)
            started = time.perf_counter()
            if size > LARGE_FILE_BYTES:
                _say(progress, f"正在读取较大的文件 {path.name}（{_megabytes(size)}）…")
            source = read_source(path)
        except CorpusError as exc:
            log.warning("corpus file skipped", extra={"path": exc.path, "problem": exc.problem})
            errors.append(exc)
            continue
        if source.doc_id in seen:
            error = CorpusError(
                str(path),
                f"id {source.doc_id!r} is already used by {seen[source.doc_id]}; expected every "
                f'document to have its own id (set id = "…" in {sidecar_path(path).name})',
            )
            log.warning("corpus file skipped", extra={"path": error.path, "problem": error.problem})
            errors.append(error)
            continue
        seen[source.doc_id] = str(path)
        yield source, size, started


class LazyCorpus(Mapping[str, Document]):
    """doc_id → document, each parsed on first use (and kept); ``hashes`` and ``titles`` need no parse.

    A document whose text does not parse is missing (``KeyError``; its error is added to ``errors``).
    """

    def __init__(self, sources: Sequence[SourceFile], errors: list[CorpusError] | None = None) -> None:
        self._sources = {s.doc_id: s for s in sources}
        self._parsed: dict[str, Document] = {}
        self.errors = errors if errors is not None else []
        #: how many documents were parsed so far
        self.parses = 0

    def __getitem__(self, doc_id: str) -> Document:
        document = self._parsed.get(doc_id)
        if document is None:
            source = self._sources[doc_id]  # KeyError: no such document
            self.parses += 1
            try:
                document = source.parse()
            except CorpusError as exc:
                log.warning("corpus file skipped", extra={"path": exc.path, "problem": exc.problem})
                self.errors.append(exc)
                del self._sources[doc_id]
                raise KeyError(doc_id) from exc
            self._parsed[doc_id] = document
        return document

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._sources))

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._sources

    @property
    def hashes(self) -> dict[str, str]:
        """doc_id → content hash of every readable document (nothing parsed)."""
        return {doc_id: s.content_hash for doc_id, s in self._sources.items()}


def _say(progress: Progress | None, line: str) -> None:
    log.info(line)
    if progress is not None:
        progress(line)
