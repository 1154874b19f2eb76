"""坐席工作台: article search with highlighted terms, an answer draft to copy, the document browser, recent turns."""

from __future__ import annotations

import copy
import logging
from typing import Any

import gradio as gr

from assistant.models import Answer
from assistant.question import QuestionError, scrub
from corpus.models import Document
from index.retriever import prepare_query
from ui.render import article_html, esc, hits_html, recent_html
from ui.state import AppState

log = logging.getLogger(__name__)


def _article_choices(document: Document | None, part: str) -> list[tuple[str, str]]:
    if document is None:
        return []
    return [
        (f"{a.label} {a.heading}".strip(), a.label)
        for a in document.articles
        if not part or a.part == part or (part == "前言" and not a.part)
    ]


def _part_choices(document: Document | None) -> list[tuple[str, str]]:
    if document is None:
        return []
    parts = list(dict.fromkeys(a.part for a in document.articles))
    return [("全部部分", "")] + [(p or "前言", p or "前言") for p in parts]


def draft_text(state: AppState, question: str, doc_id: str | None) -> str:
    """The answer as an operator reads it out or pastes it: the opening that answers (or says
    plainly what the document does not state and whom to ask), then each quote once under 依据."""
    # an operator's draft is staff work, not a citizen's turn: it is not written to the log
    pipeline = copy.copy(state.service.pipeline)
    pipeline.recorder = None
    answer = pipeline.ask(question, None, doc_id or None)
    return short_draft(answer)


def short_draft(answer: Answer) -> str:
    paragraphs = [p.strip() for p in answer.text.split("\n\n") if p.strip()]
    # the paragraphs that repeat the quotes in full are left to the 依据 list below
    quoting = [p for p in paragraphs if any(f"「{c.quote}」" in p for c in answer.citations)]
    lines = [p for p in paragraphs if p not in quoting] or paragraphs[:1]
    if answer.citations:
        titles = list(dict.fromkeys(c.doc_title for c in answer.citations))
        lines.append("")
        lines.append(f"依据：《{titles[0]}》" if len(titles) == 1 else "依据：")
        for i, c in enumerate(answer.citations, start=1):
            marker = c.marker.removeprefix(f"《{c.doc_title}》") if len(titles) == 1 else c.marker
            lines.append(f"{i}. {marker}：「{c.quote}」")
    if answer.notice:
        lines.append(f"（{answer.notice}）")
    return "\n".join(lines)


def build_console_tab(state: AppState) -> dict[str, Any]:
    service = state.service
    documents = service.documents
    doc_choices = [(d.meta.short_title or d.title, d.doc_id) for d in documents]
    with gr.Row():
        with gr.Column(scale=3, min_width=300):
            query = gr.Textbox(
                label="检索条款",
                placeholder="输入关键词或来电问题，例如：职业技能提升补贴",
                elem_id="pa-search",
                lines=1,
            )
            with gr.Row():
                k = gr.Slider(1, 20, value=5, step=1, label="返回条款数", elem_id="pa-k")
                doc = gr.Dropdown(
                    [("全部文件", "")] + doc_choices,
                    value="",
                    label="检索范围",
                    visible=len(documents) > 1,
                )
            with gr.Row():
                search_btn = gr.Button("检索并生成草稿", variant="primary", elem_id="pa-search-btn")
                draft_btn = gr.Button("只生成答复草稿", elem_id="pa-draft-btn")
            draft = gr.Textbox(
                label="答复草稿（先读这段；可朗读或粘贴，含引用条款）",
                lines=4,
                max_lines=14,
                interactive=False,
                buttons=["copy"],
                elem_id="pa-draft",
            )
            hits = gr.HTML(
                "<div class='pa-empty'>检索结果会显示在这里，匹配的词语会高亮；点击一条查看整条原文。</div>",
                elem_id="pa-hits",
            )
        with gr.Column(scale=2, min_width=280):
            first = documents[0] if documents else None
            browse_doc = gr.Dropdown(
                doc_choices, value=first.doc_id if first else None, label="政策文件", elem_id="pa-browse-doc"
            )
            browse_part = gr.Dropdown(_part_choices(first), value="", label="部分", elem_id="pa-browse-part")
            browse_article = gr.Dropdown(
                _article_choices(first, ""), value=None, label="条款", elem_id="pa-browse-article"
            )
            article_view = gr.HTML("<div class='pa-empty'>选择条款后显示原文。</div>", elem_id="pa-article")
    with gr.Accordion("最近的咨询记录（已脱敏）", open=True):
        refresh = gr.Button("刷新记录", size="sm", elem_id="pa-recent-refresh")
        recent = gr.HTML("<div class='pa-empty'>打开本页时读取最近的咨询。</div>", elem_id="pa-recent")

    def run_search(text: str, count: float, doc_id: str | None) -> str:
        try:
            cleaned = prepare_query(scrub(text or ""), int(count))
            found = state.service.search(cleaned, int(count), doc_id or None)
        except (ValueError, LookupError) as exc:
            return f"<div class='pa-error'>{esc(exc)}</div>"
        reading = state.service.read_query(cleaned)
        terms = state.service.query_terms(cleaned, reading)
        return hits_html(found, terms, reading.summary() if reading else "", state.service.pipeline.documents)

    def run_draft(text: str, doc_id: str | None) -> str:
        try:
            return draft_text(state, text, doc_id)
        except (QuestionError, LookupError) as exc:
            return str(exc)

    def pick_doc(doc_id: str | None) -> tuple[Any, Any, str]:
        document = state.service.pipeline.documents.get(doc_id or "")
        return (
            gr.update(choices=_part_choices(document), value=""),
            gr.update(choices=_article_choices(document, ""), value=None),
            "<div class='pa-empty'>选择条款后显示原文。</div>",
        )

    def pick_part(doc_id: str | None, part: str | None) -> Any:
        document = state.service.pipeline.documents.get(doc_id or "")
        return gr.update(choices=_article_choices(document, part or ""), value=None)

    def show_article(doc_id: str | None, label: str | None) -> str:
        document = state.service.pipeline.documents.get(doc_id or "")
        if document is None or not label:
            return "<div class='pa-empty'>选择条款后显示原文。</div>"
        return article_html(document, label)

    def load_recent() -> str:
        try:
            turns = state.service.recent(30)
        except Exception as exc:  # log unavailable: a warning, not a broken page
            log.warning("recent turns unavailable: %s", type(exc).__name__)
            return "<div class='pa-error'>暂时无法读取咨询记录。</div>"
        return recent_html(turns, [d.title for d in state.service.documents])

    query.submit(run_search, [query, k, doc], hits, api_name="search").then(
        run_draft, [query, doc], draft, api_visibility="private"
    )
    search_btn.click(
        run_search, [query, k, doc], hits, api_name="search_click", api_visibility="undocumented"
    ).then(run_draft, [query, doc], draft, api_visibility="private")
    draft_btn.click(run_draft, [query, doc], draft, api_name="draft")
    browse_doc.change(
        pick_doc, browse_doc, [browse_part, browse_article, article_view], api_visibility="private"
    )
    browse_part.change(pick_part, [browse_doc, browse_part], browse_article, api_visibility="private")
    browse_article.change(show_article, [browse_doc, browse_article], article_view, api_name="article")
    refresh.click(load_recent, outputs=recent, api_name="recent")
    return {"recent": recent, "load_recent": load_recent}
