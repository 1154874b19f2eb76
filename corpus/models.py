"""Typed data objects of the corpus stage: documents, their structure and chunks.

Every span is a pair of character offsets into ``Document.text`` (the document's text as read
from its file), so any article, sentence or chunk can be sliced back out verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PREAMBLE_LABEL = "前言"


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"expected 0 <= start <= end; got {self.start}, {self.end}")

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class DocumentMeta:
    """What is known about a document besides its text (from its ``.meta.toml`` sidecar)."""

    doc_id: str
    title: str
    short_title: str = ""
    kind: str = ""
    issued_with: str = ""
    issuer: str = ""
    issued: date | None = None
    implements: str = ""
    valid_from: int | None = None
    valid_to: int | None = None
    source: str = ""
    contact: str = ""
    consultation_rule: str = ""

    @property
    def validity(self) -> str:
        """Validity period as printed in answers, e.g. ``2024–2026年``."""
        if self.valid_from and self.valid_to:
            return f"{self.valid_from}–{self.valid_to}年"
        if self.valid_from:
            return f"{self.valid_from}年起"
        return ""

    @property
    def issued_date(self) -> str:
        """Issue date as printed in answers and the index, e.g. ``2024年11月12日`` ('' when unknown)."""
        day = self.issued
        return f"{day.year}年{day.month}月{day.day}日" if day else ""

    @property
    def display_title(self) -> str:
        return f"《{self.title}》"


@dataclass(frozen=True)
class Notice:
    """The covering notice (通知) a plan is issued with."""

    title: Span
    addressees: Span | None
    body: Span | None
    issuer: Span | None
    date: Span | None


@dataclass(frozen=True)
class Part:
    """A numbered part (一、…), book (第一编), chapter (第一章) or section (第一节) heading."""

    label: str
    title: str
    span: Span
    kind: str = "part"  # part | book (第一编) | subbook (第一分编) | chapter | section | appendix


@dataclass(frozen=True)
class Article:
    """The unit a citation points at: 前言, （十三）, 第六十八条, 第十七条之一, 一、, 附件1.

    ``label`` is the canonical label used in citations and QA files (full-width parentheses);
    ``printed`` is the label exactly as it stands in the text.
    """

    doc_id: str
    label: str
    printed: str
    heading: str
    span: Span
    part: str = ""
    chapter: str = ""
    section: str = ""
    sentences: tuple[Span, ...] = ()
    items: tuple[Span, ...] = ()
    order: int = 0

    @property
    def citation_label(self) -> str:
        """How the article is named in a citation: 第（十三）条「落实经费保障」."""
        if self.label == PREAMBLE_LABEL:
            return PREAMBLE_LABEL
        name = (
            self.label
            if self.label.startswith(("第", "附件")) or self.label.endswith("、")
            else f"第{self.label}条"
        )
        return f"{name}「{self.heading}」" if self.heading else name


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    text: str
    path: str
    articles: tuple[Article, ...]
    parts: tuple[Part, ...] = ()
    notice: Notice | None = None
    plan_title: Span | None = None
    notes: tuple[Span, ...] = ()
    content_hash: str = ""

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @property
    def title(self) -> str:
        return self.meta.title

    def article(self, label: str) -> Article | None:
        """The article with this label in any accepted spelling; a bare number (``13``, ``十三``)
        finds ``（十三）`` or else ``第十三条``."""
        from corpus.labels import canonical_label

        wanted = canonical_label(label)
        by_label = {article.label: article for article in self.articles}
        if wanted in by_label:
            return by_label[wanted]
        bare = wanted.strip()
        if bare.isdigit() or (bare and all(ch in "零〇一二两三四五六七八九十百千" for ch in bare)):
            for candidate in (f"（{bare}）", f"第{bare}条"):
                found = by_label.get(canonical_label(candidate))
                if found is not None:
                    return found
        return None

    def article_text(self, article: Article) -> str:
        return article.span.slice(self.text)


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: a whole article, or a sentence-aligned piece of a long one.

    ``text`` equals ``source[start:end]``; ``header`` (title, part, label, heading) is repeated
    in every piece of a split article and prepended only for embedding and lexical indexing.
    """

    chunk_id: str
    doc_id: str
    doc_title: str
    article: str
    heading: str
    part: str
    start: int
    end: int
    text: str
    header: str
    piece: int = 0
    pieces: int = 1
    tokens: int = 0
    order: int = 0

    @property
    def indexed_text(self) -> str:
        return f"{self.header}\n{self.text}"


@dataclass
class LoadReport:
    """Result of loading a corpus folder: the documents that parsed and the files that did not."""

    documents: list[Document] = field(default_factory=list)
    errors: list[CorpusError] = field(default_factory=list)


class CorpusError(Exception):
    """A corpus file that cannot be read or parsed; names the file and what was expected."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
