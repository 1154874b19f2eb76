"""Structure of Chinese policy and legal documents, with exact character offsets.

Recognised layouts (full-width or ASCII punctuation, traditional or simplified characters,
stray spaces and indentation):

- a covering notice: title line 「关于印发《…》的通知」, addressees, body, issuer, date;
- 前言: everything before the first structural heading;
- plans: parts 「一、…」 holding articles 「（一）…」 with a heading up to the first 「。」;
- laws, regulations and 办法: 「第一编」「第一章」「第一节」 headings and articles 「第一条」,
  「第十七条之一」; a 「第X条」 line whose number does not go up (「第十条规定的……」 at the start
  of a line) is a cross-reference inside the current article, not a new article;
- numbered items 「1.」「（1）」「（一）」「①」 inside an article; 附件 sections (each becomes an
  article labelled as printed, 「附件1」; a label printed again gets its occurrence, 「附件（二）」);
  trailing 「（注：…）」 notes.

A notice whose only numbering is 「一、」 gets those parts as its articles; so does one whose
「（一）」 numbering restarts in every part (then the 「（一）」 lines are items). In a plan with
parts and 「（一）」 articles, a part holding no 「（一）」 article is itself an article.
A document with no recognisable numbering at all is one 「前言」 article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.labels import CN_NUMERAL, canonical_label, cn_to_int, int_to_cn
from corpus.models import (
    PREAMBLE_LABEL,
    Article,
    CorpusError,
    Document,
    DocumentMeta,
    Notice,
    Part,
    Span,
)

_WS = r"[ \t\u3000\u00a0]*"
_CHAPTER = re.compile(rf"^(第{_WS}{CN_NUMERAL}{_WS}章)(?:{_WS}(.*))?$")
_BOOK = re.compile(rf"^(第{_WS}{CN_NUMERAL}{_WS}分?[编編])(?:{_WS}(.*))?$")
_SECTION = re.compile(rf"^(第{_WS}{CN_NUMERAL}{_WS}[节節])(?:{_WS}(.*))?$")
_TIAO = re.compile(
    rf"^(第{_WS}({CN_NUMERAL}|\d+){_WS}[条條](?:{_WS}之{_WS}({CN_NUMERAL}|\d+))?)(?:{_WS}(.*))?$"
)
_PAREN_ARTICLE = re.compile(rf"^([（(]{_WS}{CN_NUMERAL}{_WS}[）)])(?:{_WS}(.*))?$")
_PART = re.compile(rf"^({CN_NUMERAL}{_WS}[、．.]){_WS}(.*)$")
_APPENDIX = re.compile(
    rf"^(附件{_WS}(?:\d+|{CN_NUMERAL})|附件(?={_WS}[:：]|{_WS}$|[ \t\u3000]))(?:{_WS}[:：])?{_WS}(.*)$"
)
_NOTE = re.compile(rf"^[（(]?{_WS}注{_WS}[:：]")
_ITEM = re.compile(
    rf"^(?:\d+{_WS}[.．、](?!\d)|[（(]{_WS}(?:\d+|{CN_NUMERAL}){_WS}[）)]|[\u2460-\u2473\u2776-\u277f])"
)
_DATE = re.compile(r"^(?:\d{4}|[一二〇零三四五六七八九]{4})年\S{1,3}月\S{1,3}日$")
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』]?|\n")
_NOTICE_TITLE = re.compile(r"(通知|决定|意见|通告|公告|函)$")
_HEADING_MAX = 40


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    """Non-empty lines, with offsets of their stripped content."""
    out: list[_Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip(" \t\u3000\u00a0\ufeff")
        if stripped:
            lead = len(body) - len(body.lstrip(" \t\u3000\u00a0\ufeff"))
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw)
    return out


def _heading_of(rest: str) -> str:
    """The heading of an article: its text up to the first 「。」 when that is short."""
    rest = rest.strip()
    m = re.search(r"[。！？]", rest)
    if m and 0 < m.start() <= _HEADING_MAX:
        return rest[: m.start()]
    if not m and 0 < len(rest) <= _HEADING_MAX and not re.search(r"[，,；;：:]", rest):
        return rest
    return ""


def sentence_spans(text: str, start: int, end: int) -> tuple[Span, ...]:
    """Sentence spans inside ``text[start:end]``, split after 。！？ and at line breaks."""
    spans: list[Span] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        _add_trimmed(spans, text, pos, m.end() if m.group() != "\n" else m.start())
        pos = m.end()
    _add_trimmed(spans, text, pos, end)
    return tuple(spans)


def _add_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def _item_spans(lines: list[_Line]) -> tuple[Span, ...]:
    """Lines of an article that start a numbered item: 1. ／ （1） ／ （一） ／ ①."""
    return tuple(Span(ln.start, ln.end) for ln in lines if _ITEM.match(ln.text))


def _tiao_number(m: re.Match[str]) -> tuple[int, int]:
    """(article number, 之 number) of a 「第X条」 or 「第X条之Y」 match."""
    return cn_to_int(m.group(2)), cn_to_int(m.group(3)) if m.group(3) else 0


def _paren_numbering_is_articles(lines: list[_Line], body_from: int) -> bool:
    """「（一）」 lines are articles when their numbering runs through the document without restarting."""
    labels = [
        canonical_label(m.group(1))
        for ln in lines[body_from:]
        if (m := _PAREN_ARTICLE.match(ln.text)) is not None
    ]
    return bool(labels) and len(set(labels)) == len(labels)


def _parts_holding_no_article(lines: list[_Line], body_from: int) -> set[int]:
    """Indices of 「一、」 part lines with no 「（一）」 article before the next part."""
    out: set[int] = set()
    open_part: int | None = None
    for index in range(body_from, len(lines)):
        t = lines[index].text
        if _PART.match(t):
            if open_part is not None:
                out.add(open_part)
            open_part = index
        elif _PAREN_ARTICLE.match(t):
            open_part = None
    if open_part is not None:
        out.add(open_part)
    return out


@dataclass
class _Open:
    label: str
    printed: str
    heading: str
    start: int
    part: str
    chapter: str
    section: str
    lines: list[_Line]


def parse_document(text: str, meta: DocumentMeta, path: str) -> Document:
    """Parse ``text`` into a :class:`Document`; raises :class:`CorpusError` when nothing is there."""
    if not text.strip():
        raise CorpusError(path, "the file has no text; expected a policy document")
    if "\x00" in text:
        raise CorpusError(path, "the text contains NUL bytes; expected a text document, not binary data")
    lines = _lines(text)
    notice, plan_title, body_from = _notice(lines)

    has_tiao = any(_TIAO.match(ln.text) for ln in lines)
    paren_articles = not has_tiao and _paren_numbering_is_articles(lines, body_from)
    article_parts = _parts_holding_no_article(lines, body_from) if paren_articles else set()

    articles: list[Article] = []
    parts: list[Part] = []
    notes: list[Span] = []
    preamble: list[_Line] = []
    current: _Open | None = None
    part = chapter = section = ""
    in_appendix = False
    last_number: tuple[int, int] = (0, 0)

    def close() -> None:
        nonlocal current
        if current is None:
            return
        end = current.lines[-1].end
        span = Span(current.start, end)
        articles.append(
            Article(
                doc_id=meta.doc_id,
                label=current.label,
                printed=current.printed,
                heading=current.heading,
                span=span,
                part=current.part,
                chapter=current.chapter,
                section=current.section,
                sentences=sentence_spans(text, span.start, span.end),
                items=_item_spans(current.lines[1:]),
                order=len(articles),
            )
        )
        current = None

    def open_article(ln: _Line, printed: str, heading: str, label: str = "") -> None:
        nonlocal current
        close()
        current = _Open(
            label=label or canonical_label(printed),
            printed=printed,
            heading=heading,
            start=ln.start,
            part=part,
            chapter=chapter,
            section=section,
            lines=[ln],
        )

    def heading_line(kind: str, m: re.Match[str], ln: _Line) -> str:
        close()
        title = (m.group(2) or "").strip()
        parts.append(Part(re.sub(r"\s+", "", m.group(1)), title, Span(ln.start, ln.end), kind=kind))
        return " ".join(x for x in (re.sub(r"\s+", "", m.group(1)), title) if x)

    for index, ln in enumerate(lines):
        t = ln.text
        if _NOTE.match(t) and index >= len(lines) - 3:
            close()
            notes.append(Span(ln.start, ln.end))
            continue
        m = _APPENDIX.match(t)
        if m and index >= body_from and (in_appendix or _looks_like_appendix_start(lines, index, current)):
            in_appendix = True
            printed = re.sub(r"\s+", "", m.group(1))
            title = m.group(2).strip()
            label = _unused_label(canonical_label(printed), {p.label for p in parts if p.kind == "appendix"})
            parts.append(Part(label, title, Span(ln.start, ln.end), kind="appendix"))
            open_article(ln, printed, title[:_HEADING_MAX], label)
            continue
        if in_appendix:
            if current is not None:
                current.lines.append(ln)
            continue
        if has_tiao:
            m = _BOOK.match(t)
            if m:
                heading_line("subbook" if "分" in m.group(1) else "book", m, ln)
                chapter = section = ""
                continue
            m = _CHAPTER.match(t)
            if m:
                chapter = heading_line("chapter", m, ln)
                section = ""
                continue
            m = _SECTION.match(t)
            if m:
                section = heading_line("section", m, ln)
                continue
            m = _TIAO.match(t)
            if m:
                number = _tiao_number(m)
                if number > last_number:
                    last_number = number
                    open_article(ln, re.sub(r"\s+", "", m.group(1)), "")
                    continue
        else:
            m = _PART.match(t)
            if m and index >= body_from:
                printed = re.sub(r"\s+", "", m.group(1))
                if paren_articles and index not in article_parts:
                    close()
                    part = t
                    parts.append(Part(printed, m.group(2).strip(), Span(ln.start, ln.end)))
                else:
                    part = ""
                    open_article(ln, printed, _heading_of(m.group(2)))
                continue
            m = _PAREN_ARTICLE.match(t)
            if m and paren_articles and index >= body_from:
                open_article(ln, m.group(1), _heading_of(m.group(2) or ""))
                continue
        if current is not None:
            current.lines.append(ln)
        elif not articles:
            preamble.append(ln)
    close()

    if preamble:
        span = Span(preamble[0].start, preamble[-1].end)
        articles.insert(
            0,
            Article(
                doc_id=meta.doc_id,
                label=PREAMBLE_LABEL,
                printed="",
                heading="",
                span=span,
                sentences=sentence_spans(text, span.start, span.end),
                order=-1,
            ),
        )
    articles = [_with_order(a, i) for i, a in enumerate(articles)]
    parts = _close_part_spans(parts, articles)
    _check_unique(articles, path)
    return Document(
        meta=meta,
        text=text,
        path=path,
        articles=tuple(articles),
        parts=tuple(parts),
        notice=notice,
        plan_title=plan_title,
        notes=tuple(notes),
    )


def _with_order(article: Article, order: int) -> Article:
    from dataclasses import replace

    return replace(article, order=order)


def _looks_like_appendix_start(lines: list[_Line], index: int, current: _Open | None) -> bool:
    """「附件」 starts an appendix after the articles and when it is not the last line.

    Before any article it only announces what follows (「附件：××办法」 under the notice's date),
    and the attached 办法 is parsed as the document's own articles.
    """
    return current is not None and index < len(lines) - 1


def _notice(lines: list[_Line]) -> tuple[Notice | None, Span | None, int]:
    """Recognise a covering notice; returns it, the plan's own title and the first body line."""
    if not lines or not _NOTICE_TITLE.search(lines[0].text) or len(lines[0].text) > 200:
        return None, None, 0
    title = Span(lines[0].start, lines[0].end)
    addressees: Span | None = None
    i = 1
    if i < len(lines) and lines[i].text.endswith((":", "：")) and len(lines[i].text) < 200:
        addressees = Span(lines[i].start, lines[i].end)
        i += 1
    date_index = next((j for j in range(i, min(len(lines), i + 30)) if _DATE.match(lines[j].text)), None)
    if date_index is None:
        return Notice(title, addressees, None, None, None), None, 1
    issuer_index = date_index - 1 if date_index - 1 >= i else None
    body_end = issuer_index if issuer_index is not None else date_index
    body = Span(lines[i].start, lines[body_end - 1].end) if body_end > i else None
    issuer = Span(lines[issuer_index].start, lines[issuer_index].end) if issuer_index is not None else None
    date = Span(lines[date_index].start, lines[date_index].end)
    plan_title: Span | None = None
    nxt = date_index + 1
    if nxt < len(lines) and len(lines[nxt].text) <= 100 and not lines[nxt].text.endswith("。"):
        candidate = lines[nxt].text
        if candidate in lines[0].text or not _PART.match(candidate):
            plan_title = Span(lines[nxt].start, lines[nxt].end)
    return Notice(title, addressees, body, issuer, date), plan_title, date_index + 1


_RANK = {"book": 0, "subbook": 0.5, "part": 1, "chapter": 1, "section": 2}


def _close_part_spans(parts: list[Part], articles: list[Article]) -> list[Part]:
    """Extend each top-level part heading to the end of its last article."""
    from dataclasses import replace

    out: list[Part] = []
    for i, p in enumerate(parts):
        if p.kind == "appendix":
            out.append(p)
            continue
        rank = _RANK.get(p.kind, 1)
        following = [q for q in parts[i + 1 :] if q.kind == "appendix" or _RANK.get(q.kind, 1) <= rank]
        limit = following[0].span.start if following else None
        inside = [
            a for a in articles if a.span.start >= p.span.start and (limit is None or a.span.start < limit)
        ]
        end = max((a.span.end for a in inside), default=p.span.end)
        out.append(replace(p, span=Span(p.span.start, end)))
    return out


def _unused_label(label: str, used: set[str]) -> str:
    """A 附件 label printed again in the same document is told apart by its occurrence:
    the first keeps its label, the second becomes 「附件（二）」, the third 「附件（三）」 …"""
    n = 1
    candidate = label
    while candidate in used:
        n += 1
        candidate = f"{label}（{int_to_cn(n)}）"
    return candidate


def _check_unique(articles: list[Article], path: str) -> None:
    seen: set[str] = set()
    for a in articles:
        if a.label in seen:
            raise CorpusError(path, f"article label {a.label} appears twice; expected each article once")
        seen.add(a.label)
