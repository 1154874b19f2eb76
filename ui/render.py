"""HTML and Markdown fragments for the pages. Every text from a user or a document is escaped first."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
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
    """The documents in scope, how to reach a person and the 留言咨询 entry. On a phone (CSS) each
    document shrinks to its short title, validity and contact line."""
    rows = []
    for d in documents:
        meta = d.meta
        issued = meta.issued.isoformat() if meta.issued else "—"
        short = " · ".join(x for x in (meta.short_title or meta.title, meta.validity) if x)
        rows.append(
            "<li class='pa-doc'>"
            f"<span class='pa-doc-title'>{esc(meta.display_title)}</span>"
            f"<span class='pa-doc-short'>{esc(short)}</span>"
            f"<span class='pa-doc-meta'>发文机关：{esc(meta.issuer or '—')} · 发布日期：{esc(issued)}"
            f" · 有效期：{esc(meta.validity or '未注明')}</span>"
            f"{contact_html(meta)}"
            "</li>"
        )
    badge = MODE_NAMES.get(mode, mode)
    return (
        "<div class='pa-scope'>"
        f"<div class='pa-mode'><span class='pa-badge'>{esc(badge)}</span>"
        f" <span class='pa-mode-note'>{esc(mode_note(mode))}</span></div>"
        "<div class='pa-scope-title'>可咨询的政策文件：</div>"
        f"<ul class='pa-docs'>{''.join(rows)}</ul>"
        "<div class='pa-leave-entry'><span class='pa-leave-why'>文件没有写明的，可以</span> "
        "<a href='#pa-leave' class='pa-leave-link'>✉️ 留言咨询</a>"
        "<span class='pa-leave-why'>，由工作人员答复。</span></div>"
        "<div class='pa-hint'>只回答上述政策文件的相关问题；请勿输入身份证号、手机号等个人信息。</div>"
        "</div>"
    )


#: On the citizens' page: the 留言咨询 link opens the form (a gradio accordion) and scrolls to it.
OPEN_LEAVE_FORM_JS = """
element.addEventListener('click', (event) => {
  const link = event.target.closest('.pa-leave-link');
  if (!link) return;
  event.preventDefault();
  const box = document.getElementById('pa-leave');
  if (!box) return;
  const content = box.querySelector('[data-testid="accordion-content"]');
  if (content && content.style.display === 'none') box.querySelector('.label-wrap')?.click();
  setTimeout(() => box.scrollIntoView({block: 'start'}), 50);
});
"""


def shorten_titles(text: str, documents: Iterable[Document], shown: set[str]) -> str:
    """A document's full title once per conversation: after it has been shown (its id in
    ``shown``, or earlier in ``text``), 《full title》 becomes 《short title》. ``shown`` gains the
    documents whose full title ``text`` shows."""
    for document in documents:
        full, short = f"《{document.title}》", document.meta.short_title
        if not short or short == document.title or full not in text:
            continue
        keep = 0 if document.doc_id in shown else text.index(full) + len(full)
        text = text[:keep] + text[keep:].replace(full, f"《{short}》")
        shown.add(document.doc_id)
    return text


def answer_markdown(answer: Answer, text: str | None = None) -> str:
    """The assistant's chat message: answer text (escaped; ``text`` instead of the answer's own,
    e.g. with shortened titles) and a notice line."""
    body = plain_markdown(answer.text if text is None else text)
    if answer.notice:
        body += f"\n\n*{plain_markdown(answer.notice)}*"
    return body


def citation_chips(answer: Answer | None, documents: dict[str, Document]) -> str:
    """One ``<details>`` chip per cited article; opening it shows the article's full text with
    every quoted sentence marked. With several documents loaded the chips are grouped under the
    name of their document (numbered in that order), so each chip stays a short label. One line
    of HTML (it is also put into a chat message, whose Markdown would end an HTML block at a
    blank line)."""
    if answer is None or not answer.citations:
        return "<div class='pa-cites pa-empty'>回答引用的条款会显示在这里，点击即可查看原文。</div>"
    quotes: dict[tuple[str, str], list[Citation]] = {}
    for c in answer.citations:
        quotes.setdefault((c.doc_id, c.article), []).append(c)
    by_document: dict[str, list[list[Citation]]] = {}
    for cited in quotes.values():
        by_document.setdefault(cited[0].doc_id, []).append(cited)
    several = len(by_document) > 1 or len(documents) > 1
    parts: list[str] = []
    number = 0
    for doc_id, articles in by_document.items():
        document = documents.get(doc_id)
        chips = []
        for cited in articles:
            number += 1
            chips.append(_chip(number, cited, document))
        if not several:
            parts.extend(chips)
            continue
        name = (document.meta.short_title or document.title) if document else articles[0][0].doc_title
        parts.append(
            f"<div class='pa-cites-doc' data-doc='{esc(doc_id)}'>"
            f"<div class='pa-cites-doc-name'>《{esc(name)}》</div>{''.join(chips)}</div>"
        )
    return (
        "<div class='pa-cites'><div class='pa-cites-title'>引用条款（点击查看原文）</div>"
        + "".join(parts)
        + "</div>"
    )


def _chip(number: int, cited: list[Citation], document: Document | None) -> str:
    first = cited[0]
    article = document.article(first.article) if document else None
    said = [c.quote for c in cited if c.quote]
    text = document.article_text(article) if document and article else "".join(said)
    validity = document.meta.validity if document else ""
    label = first.marker.removeprefix(f"《{first.doc_title}》")
    quoted = "".join(f"「{esc(q)}」" for q in said)
    return (
        f"<details class='pa-chip' data-article='{esc(first.article)}'>"
        f"<summary>[{number}] {esc(label)}</summary>"
        "<div class='pa-article'>"
        f"<div class='pa-article-head'>{esc(first.doc_title)} · {esc(first.article)}"
        f"{(' · 有效期 ' + esc(validity)) if validity else ''}</div>"
        f"<div class='pa-article-text'>{_lines(highlight(text, said))}</div>"
        f"<div class='pa-quote'>引用原文：{quoted}</div>"
        "</div></details>"
    )


def _lines(markup: str) -> str:
    return markup.replace("\r", "").replace("\n", "<br>")


def hits_html(
    hits: Sequence[Hit],
    terms: Iterable[str],
    reading: str = "",
    documents: Mapping[str, Document] | None = None,
) -> str:
    """Search results, ``terms`` highlighted; ``reading`` (how the question was read,
    ``QueryReading.summary``) on top, so an operator sees which words were searched. Each hit is a
    line with a snippet around its first match; clicking it opens the whole article (from
    ``documents`` when given, else the matched passage)."""
    head = f"<div class='pa-reading' id='pa-reading'>{esc(reading)}</div>" if reading else ""
    if not hits:
        return head + "<div class='pa-empty'>没有找到相关条款。</div>"
    wanted = list(terms)
    cards = []
    names = {"bm25": "关键词", "dense": "向量"}
    for i, h in enumerate(hits, start=1):
        found = "、".join(f"{names.get(r, r)}第{n}" for r, n in sorted(h.ranks.items()))
        document = (documents or {}).get(h.doc_id)
        article = document.article(h.article) if document else None
        name = (document.meta.short_title or h.doc_title) if document else h.doc_title
        text = document.article_text(article) if document and article else h.text
        cards.append(
            f"<details class='pa-hit' data-article='{esc(h.article)}'>"
            f"<summary><span class='pa-hit-head'><b>{i}. {esc(h.article)}</b> "
            f"{highlight(h.heading, wanted)} <span class='pa-score'>{esc(name)} · 得分 {h.score:.4f}"
            f"{(' · ' + esc(found)) if found else ''}</span></span>"
            f"<span class='pa-hit-snippet'>{highlight(snippet(h.text, wanted), wanted)}</span></summary>"
            f"<div class='pa-hit-text'>{highlight(text, wanted)}</div>"
            "</details>"
        )
    return head + "<div class='pa-hits'>" + "".join(cards) + "</div>"


def snippet(text: str, terms: Sequence[str], width: int = 70) -> str:
    """About ``width`` characters of ``text`` around the longest of ``terms`` found in it."""
    flat = " ".join(text.split())
    at = next((flat.find(t) for t in sorted(terms, key=len, reverse=True) if t and t in flat), 0)
    start = max(0, at - width // 3)
    cut = flat[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(flat) else "")


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


def recent_html(turns: Sequence[Any], titles: Iterable[str] = ()) -> str:
    """The latest turns as compact cards that wrap at any width (texts in the log are already
    masked); the documents' full titles are left out of the answers, where every one repeats them."""
    if not turns:
        return "<div class='pa-empty'>还没有咨询记录。</div>"
    cards = []
    for t in turns:
        feedback = list(getattr(t, "feedback", ()))
        mark = " ".join("👍" if f.rating > 0 else "👎" for f in feedback) or "未评价"
        comments = "；".join(f.comment for f in feedback if f.comment)
        cited = "、".join(dict.fromkeys(str(c.get("article", "")) for c in t.citations)) or "—"
        answer, _, rest = t.answer.strip().partition("\n\n")  # the opening; the quotes follow it
        for title in titles:
            answer = answer.replace(f"《{title}》", "")
        answer += " …" if rest else ""
        kind = "已拒答" if t.refused else MODE_NAMES.get(t.mode, t.mode)
        cards.append(
            "<li class='pa-turn'>"
            f"<div class='pa-turn-head'>#{esc(t.id)} · {esc(t.created_at.strftime('%m-%d %H:%M'))} · {esc(kind)}"
            f" · 引用 {esc(cited)} · {esc(mark)}</div>"
            f"<div class='pa-turn-q'>问：{esc(_short(t.question, 80))}</div>"
            f"<div class='pa-turn-a'>答：{esc(_short(answer.strip(), 160))}</div>"
            + (f"<div class='pa-turn-c'>反馈：{esc(comments)}</div>" if comments else "")
            + "</li>"
        )
    return "<ul class='pa-recent'>" + "".join(cards) + "</ul>"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
