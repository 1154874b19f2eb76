"""Read a document file into plain text: .txt, .md, .docx, .pdf, .html.

Offsets in the parsed document refer to the text these readers return, which is kept
verbatim as ``Document.text``; Markdown and HTML markup is dropped, the words are not touched.
PDF text is extracted with pypdf: page numbers (「- 1 -」「第1页 共3页」) are dropped and lines
that the layout wrapped are joined again; a scanned PDF (images only) has no text and is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.models import CorpusError

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
_KIND = {
    ".txt": "UTF-8 or GB18030 text file",
    ".md": "Markdown text file",
    ".markdown": "Markdown text file",
    ".docx": "Word .docx document (not .doc renamed)",
    ".pdf": "PDF with a text layer",
    ".html": "HTML page",
    ".htm": "HTML page",
}
_CONVERT_FIRST = {".doc": ".docx", ".wps": ".docx", ".rtf": ".docx", ".ofd": ".pdf"}


def read_text(path: Path) -> str:
    """The document's text; raises :class:`CorpusError` naming the file and what was expected."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise CorpusError(str(path), unsupported_message(suffix))
    try:
        text = reader(path)
    except CorpusError:
        raise
    except Exception as exc:  # a broken file of a known type
        raise CorpusError(
            str(path),
            f"cannot be read as {suffix} ({type(exc).__name__}: {exc}); expected a valid {_KIND[suffix]}",
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise CorpusError(str(path), "the file has no text; expected a policy document")
    return text


def unsupported_message(suffix: str) -> str:
    """What to tell the user about a file type no reader handles."""
    expected = f"expected one of {', '.join(SUPPORTED)}"
    if suffix in _CONVERT_FIRST:
        return f"{suffix} files cannot be read; save it as {_CONVERT_FIRST[suffix]} first ({expected})"
    return f"unknown file type {suffix or '(none)'}; {expected}"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030; binary data is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data[:4096]:
        raise CorpusError(str(path), "looks like binary data; expected UTF-8 or GB18030 text")
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
            break  # decodes, but to control characters: binary data, not text
        return text
    raise CorpusError(str(path), "looks like binary data; expected UTF-8 or GB18030 text")


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
    from docx.table import Table

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(block, Table):
            lines.extend("\t".join(cell.text for cell in row.cells) for row in block.rows)
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    with path.open("rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise CorpusError(str(path), "is not a PDF (no %PDF- header); expected a PDF file")
    reader = PdfReader(str(path))
    if reader.is_encrypted:
        raise CorpusError(str(path), "the PDF is encrypted; expected an unprotected PDF")
    lines = [
        line.strip()
        for page in reader.pages
        for line in (page.extract_text() or "").splitlines()
        if line.strip() and not _PAGE_NUMBER.match(line.strip())
    ]
    if not lines:
        raise CorpusError(str(path), "the PDF has no text layer (scanned images?); expected a text PDF")
    return _join_wrapped(lines)


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*\d+\s*[-—–－]|\d+|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)
_PARAGRAPH_END = tuple("。：:；;！!？?")


def _width(line: str) -> int:
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in line)


def _join_wrapped(lines: list[str]) -> str:
    """Join lines the PDF layout wrapped: a (nearly) full-width line not ending a sentence continues."""
    full = max(_width(line) for line in lines)
    out: list[str] = []
    previous = ""  # the previous line as printed, before joining
    for line in lines:
        if previous and _width(previous) >= 0.85 * full and not previous.endswith(_PARAGRAPH_END):
            out[-1] += line
        else:
            out.append(line)
        previous = line
    return "\n".join(out)


_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "td", "th"}


_CONTENT_HINT = re.compile(r"content|article|zoom|trs_editor|main|text|zw|正文", re.I)
_NOISE_HINT = re.compile(
    r"nav|menu|header|footer|breadcrumb|crumb|share|sidebar|related|toolbar|print|info|position", re.I
)


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(_decode(path.read_bytes(), path), "html.parser")
    for tag in soup(["script", "style", "noscript", "head", "nav", "footer", "header", "aside", "form"]):
        tag.decompose()
    for tag in soup.find_all(_has_noise_hint):
        if isinstance(tag, Tag) and not tag.decomposed:
            tag.decompose()
    root = _content_root(soup)
    title = root.find_previous(["h1", "h2"]) if root is not (soup.body or soup) else None
    for tag in root.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = root.get_text()
    if title is not None:  # the document's title often sits just above the content container
        text = title.get_text() + "\n" + text
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _has_noise_hint(tag: object) -> bool:
    from bs4 import Tag

    if not isinstance(tag, Tag) or tag.name in {"html", "body"}:
        return False
    names = " ".join([str(tag.get("id") or ""), *tag.get_attribute_list("class")])
    return bool(names.strip()) and bool(_NOISE_HINT.search(names)) and not _CONTENT_HINT.search(names)


def _content_root(soup: BeautifulSoup) -> Tag:
    """The element holding the document: the smallest content-like element with most of the text.

    Government sites wrap the text in ``<div id="zoom">``, ``<div class="TRS_Editor">``,
    ``<div class="article-content">`` and the like; without one the whole body is used.
    """
    from bs4 import Tag

    body: Tag = soup.body or soup
    candidates = [
        tag
        for tag in body.find_all(True)
        if isinstance(tag, Tag)
        and (
            tag.name in {"article", "main"}
            or _CONTENT_HINT.search(" ".join([str(tag.get("id") or ""), *tag.get_attribute_list("class")]))
        )
    ]
    total = len(body.get_text(strip=True))
    sized = [(len(tag.get_text(strip=True)), tag) for tag in candidates]
    sized = [(n, tag) for n, tag in sized if total and n >= 0.6 * total]
    if not sized:
        return body
    return min(sized, key=lambda pair: pair[0])[1]


_READERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".markdown": _read_md,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}
