"""Read a document file into plain text: .txt, .md, .docx, .pdf, .html.

Offsets in the parsed document refer to the text these readers return, which is kept
verbatim as ``Document.text``; Markdown and HTML markup is dropped, the words are not touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from corpus.models import CorpusError

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")


def read_text(path: Path) -> str:
    """The document's text; raises :class:`CorpusError` naming the file and what was expected."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise CorpusError(
            str(path), f"unknown file type {suffix or '(none)'}; expected one of {', '.join(SUPPORTED)}"
        )
    try:
        text = reader(path)
    except CorpusError:
        raise
    except Exception as exc:  # a broken file of a known type
        raise CorpusError(str(path), f"cannot be read as {suffix} ({type(exc).__name__}: {exc})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise CorpusError(str(path), "the file has no text; expected a policy document")
    return text


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:4096]:
        raise CorpusError(str(path), "looks like binary data; expected UTF-8 or GB18030 text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusError(str(path), "is not valid UTF-8 or GB18030 text")


def _read_txt(path: Path) -> str:
    return _decode(path.read_bytes(), path)


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _read_md(path: Path) -> str:
    text = _decode(path.read_bytes(), path)
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            text = text[end + 4 :]
    text = _MD_HEADING.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_QUOTE.sub("", text)
    return _MD_LINK.sub(r"\1", text)


def _read_docx(path: Path) -> str:
    import docx  # python-docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    with path.open("rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise CorpusError(str(path), "is not a PDF (no %PDF- header); expected a PDF file")
    reader = PdfReader(str(path))
    pages = [page.extract_text() or "" for page in reader.pages]
    return "\n".join(pages)


_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "td", "th"}


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path.read_bytes(), path), "html.parser")
    for tag in soup(["script", "style", "noscript", "head", "nav", "footer"]):
        tag.decompose()
    root = soup.body or soup
    for tag in root.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = root.get_text()
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


_READERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".markdown": _read_md,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}
