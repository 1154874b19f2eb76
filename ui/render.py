"""HTML and Markdown fragments for the pages. Every text from a user or a document is escaped first."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from assistant.models import Answer, Citation
from corpus.models import Document, DocumentMeta
from index.models import Hit

MODE_NAMES = {"extractive": "离线摘录", "llm": "大模型"}
MODE_NOTES = {
    "extractive": "当前为离线摘录模式：回答由政策原文中最相关的句子组成，并注明出处。",
    "llm": "当前为大模型模式：由大模型依据政策原文作答，每条引用都经过核验；服务不可用时自动改用离线摘录。",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|>~])")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def plain_markdown(text: str) -> str:
    """Text shown literally inside Markdown: HTML escaped, Markdown syntax neutralised, lines kept.

    Only ``& < >`` become entities: quotes are harmless in text, and their numeric entities
    (``&#x27;``) would lose their ``#`` to the Markdown escaping and show as ``&#x27;``.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("\n", "  \n")


def highlight(text: str, terms: Iterable[str]) -> str:
    """Escape ``text``, then wrap every occurrence of a term in ``<mark>`` (longest terms first)."""
    wanted = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted:
        return esc(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(esc(text[last : match.start()]))
        out.append(f"<mark>{esc(match.group(0))}</mark>")
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out).replace("</mark><mark>", "")  # adjacent terms read as one match


def mode_note(mode: str) -> str:
    return MODE_NOTES.get(mode, "")


def source_link(url: str) -> str:
    """A document's official source as a link, or "" when it is not an http(s) address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    shown = parts.netloc + (parts.path if parts.path not in ("", "/") else "")
    return (
        f"<a class='pa-source' href='{esc(url.strip())}' target='_blank' rel='noopener noreferrer'>"
        f"{esc(shown)}</a>"
    )


def contact_html(meta: DocumentMeta) -> str:
    """How to reach a person about a document: its authority's contact (the hotline the answers
    name) and its official source, when the metadata has one — never a made-up address."""
    contact = meta.contact or meta.issuer
    link = source_link(meta.source)
    if not contact and not link:
        return ""
    pieces = [f"人工咨询：{esc(contact)}"] if contact else []
    if link:
        pieces.append(f"官方来源：{link}")
    return f"<span class='pa-contact'>{' · '.join(pieces)}</span>"


def documents_html(documents: Sequence[Document], mode: str) -> str:
    rows = []
    for d in documents:
        meta = d.meta
        issued = meta.issued.isoformat() if meta.issued else "—"
        rows.append(
            "<li class='pa-doc'>"
            f"<span class='pa-doc-title'>{esc(meta.display_title)}</span>"
            f"<span class='pa-doc-meta'>发文机关：{esc(meta.issuer or '—')} · 发布日期：{esc(issued)}"
            f" · 有效期：{esc(meta.validity or '未注明')}</span>"
            f"{contact_html(meta)}"
            "</li>"
        )
    badge = MODE_NAMES.get(mode, mode)
    return (
        "<div class='pa-scope'>"
        f"<div class='pa-mode'><span class='pa-badge'>{esc(badge)}</span> {esc(mode_note(mode))}</div>"
        "<div class='pa-scope-title'>可咨询的政策文件：</div>"
        f"<ul class='pa-docs'>{''.join(rows)}</ul>"
        "<div class='pa-hint'>只回答上述政策文件的相关问题；请勿输入身份证号、手机号等个人信息。</div>"
        "</div>"
    )


def answer_markdown(answer: Answer) -> str:
    """The assistant's chat message: answer text (escaped) and a notice line."""
    body = plain_markdown(answer.text)
    if answer.notice:
        body += f"\n\n*{plain_markdown(answer.notice)}*"
    return body


def citation_chips(answer: Answer | None, documents: dict[str, Document]) -> str:
    """One ``<details>`` chip per citation; opening it shows the cited article's full text."""
    if answer is None or not answer.citations:
        return "<div class='pa-cites pa-empty'>回答引用的条款会显示在这里，点击即可查看原文。</div>"
    chips = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(answer.citations, start=1):
        if (c.doc_id, c.article) in seen:
            continue
        seen.add((c.doc_id, c.article))
        chips.append(_chip(i, c, documents.get(c.doc_id)))
    return (
        "<div class='pa-cites'><div class='pa-cites-title'>引用条款（点击查看原文）</div>"
        + "".join(chips)
        + "</div>"
    )


def _chip(number: int, citation: Citation, document: Document | None) -> str:
    article = document.article(citation.article) if document else None
    text = document.article_text(article) if document and article else citation.quote
    validity = document.meta.validity if document else ""
    quote = esc(citation.quote)
    full = highlight(text, [citation.quote]) if citation.quote else esc(text)
    return (
        f"<details class='pa-chip' data-article='{esc(citation.article)}'>"
        f"<summary>[{number}] {esc(citation.marker)}</summary>"
        "<div class='pa-article'>"
        f"<div class='pa-article-head'>{esc(citation.doc_title)} · {esc(citation.article)}"
        f"{(' · 有效期 ' + esc(validity)) if validity else ''}</div>"
        f"<div class='pa-article-text'>{full}</div>"
        f"<div class='pa-quote'>引用原文：「{quote}」</div>"
        "</div></details>"
    )


def hits_html(hits: Sequence[Hit], terms: Iterable[str], reading: str = "") -> str:
    """Search results as cards, ``terms`` highlighted; ``reading`` (how the question was read,
    ``QueryReading.summary``) on top, so an operator sees which words were searched."""
    head = f"<div class='pa-reading' id='pa-reading'>{esc(reading)}</div>" if reading else ""
    if not hits:
        return head + "<div class='pa-empty'>没有找到相关条款。</div>"
    wanted = list(terms)
    cards = []
    names = {"bm25": "关键词", "dense": "向量"}
    for i, h in enumerate(hits, start=1):
        found = "、".join(f"{names.get(r, r)}第{n}" for r, n in sorted(h.ranks.items()))
        cards.append(
            "<div class='pa-hit'>"
            f"<div class='pa-hit-head'><b>{i}.</b> {esc(h.doc_title)} · <b>{esc(h.article)}</b> "
            f"{highlight(h.heading, wanted)} <span class='pa-score'>得分 {h.score:.4f}"
            f"{(' · ' + esc(found)) if found else ''}</span></div>"
            f"<div class='pa-hit-text'>{highlight(h.text, wanted)}</div>"
            "</div>"
        )
    return head + "<div class='pa-hits'>" + "".join(cards) + "</div>"


def article_html(document: Document, label: str) -> str:
    article = document.article(label)
    if article is None:
        return "<div class='pa-empty'>请选择条款。</div>"
    where = " · ".join(x for x in (article.part, article.chapter, article.section) if x)
    return (
        "<div class='pa-article'>"
        f"<div class='pa-article-head'>{esc(document.meta.display_title)} {esc(article.citation_label)}"
        f"{(' · ' + esc(where)) if where else ''}</div>"
        f"<div class='pa-article-text'>{esc(document.article_text(article))}</div>"
        "</div>"
    )


def recent_rows(turns: Sequence[Any]) -> list[list[Any]]:
    """Rows of the recent-conversations table (texts in the log are already masked)."""
    rows = []
    for t in turns:
        ratings = [f.rating for f in getattr(t, "feedback", ())]
        mark = " ".join("👍" if r > 0 else "👎" for r in ratings) or "—"
        comments = "；".join(f.comment for f in getattr(t, "feedback", ()) if f.comment)
        cited = "、".join(str(c.get("article", "")) for c in t.citations)
        rows.append(
            [
                t.id,
                t.created_at.strftime("%m-%d %H:%M"),
                _short(t.question, 60),
                _short(t.answer, 80),
                cited or "—",
                "已拒答" if t.refused else MODE_NAMES.get(t.mode, t.mode),
                mark,
                comments,
            ]
        )
    return rows


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
