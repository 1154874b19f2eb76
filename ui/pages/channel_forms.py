"""留言咨询 on the citizens' page: the message form (offered, pre-filled, beside answers the
document cannot give and refusals that point to 留言) and reading a reply by its query code."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.models import Answer
from channel.service import RULE, ChannelError, citizen_view
from channel.store import Message, StoreUnavailable
from ui.api import matching_reviewed
from ui.state import AppState

log = logging.getLogger(__name__)

#: what in an answer means the citizen may want a person to answer
_OFFER_WHEN = ("没有写明", "没有找到能回答这个问题的条款")


def should_offer(answer: Answer | None) -> bool:
    """Offer the form beside answers that say the document does not state it, and in refusals
    that mention 留言."""
    if answer is None:
        return False
    if answer.refused:
        return "留言" in answer.text
    return any(marker in answer.text for marker in _OFFER_WHEN)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def basis_html(
    citations: Sequence[dict[str, Any]], sources: Sequence[dict[str, Any]], articles_note: str = ""
) -> str:
    """What a reply or reviewed answer rests on: its articles (with their quotes) and its external
    sources, each a list; '' when it has neither."""
    parts = []
    if citations:
        items = "".join(
            f"<li>{esc(c.get('citation') or c.get('article', ''))}"
            + (f"：「{esc(c['quote'])}」" if c.get("quote") else "")
            + "</li>"
            for c in citations
        )
        parts.append(f"<div class='pa-reply-sources'><b>依据条款</b>{articles_note}<ul>{items}</ul></div>")
    if sources:
        items = "".join(
            f"<li>《{esc(s['title'])}》，{esc(s['issuer'])}，{esc(s['reference'])}，{esc(s['date'])}</li>"
            for s in sources
        )
        parts.append(f"<div class='pa-reply-sources'><b>其他来源</b><ul>{items}</ul></div>")
    return "".join(parts)


def reply_html(message: Message) -> str:
    """A message's status and replies, for whoever holds its code (everything escaped)."""
    view = citizen_view(message)
    parts = [
        "<div class='pa-reply-card'>",
        f"<div class='pa-reply-status'>状态：<span class='pa-badge'>{esc(view['status_text'])}</span>"
        f" · {esc(view['document'])}</div>",
        f"<div class='pa-reply-question'>您的留言：{esc(view['question'])}</div>",
    ]
    if not view["replies"]:
        parts.append("<p class='pa-hint'>工作人员尚未答复，请稍后再查询。</p>")
    for reply in view["replies"]:
        parts.append(
            f"<div class='pa-reply-text'><b>工作人员答复</b>（{esc(reply['created_at'][:10])}）：<br>"
        )
        parts.append(esc(reply["text"]).replace("\n", "<br>") + "</div>")
        parts.append(basis_html(reply["citations"], reply["sources"]))
    parts.append("</div>")
    return "".join(parts)


def reviewed_html(state: AppState, answer: Answer | None) -> str:
    """The reviewed answer (人工审核答复) that matches an answer's question, shown beside the
    document's articles — labelled, with its sources, review date and validity; '' when none."""
    if answer is None:
        return ""
    parts = []
    for r in matching_reviewed(state, answer):  # none when the channel's database is down
        until = f"，有效期至 {r.valid_until.isoformat()}" if r.valid_until else ""
        parts.append(
            "<div class='pa-reviewed'>"
            f"<div class='pa-reviewed-head'><span class='pa-badge'>人工审核答复</span> "
            f"工作人员审核于 {esc(r.reviewed_at.date().isoformat())}{esc(until)}；以文件原文为准</div>"
            f"<div class='pa-reply-question'>相近问题：{esc(r.question)}</div>"
            f"<div class='pa-reply-text'>{esc(r.answer).replace(chr(10), '<br>')}</div>"
        )
        parts.append(basis_html(r.citations, r.sources))
        parts.append("</div>")
    return "".join(parts)


@dataclass
class MessageForms:
    """The components the chat page updates after each answer (see :meth:`offer`)."""

    accordion: gr.Accordion
    document: gr.Dropdown
    question: gr.Textbox
    result: gr.HTML

    @property
    def outputs(self) -> list[Any]:
        return [self.accordion, self.document, self.question, self.result]


def _choices(state: AppState) -> list[tuple[str, str]]:
    return [(d.meta.display_title, d.doc_id) for d in state.service.documents]


def offer(answer: Answer | None, chosen_doc: str | None, state: AppState) -> tuple[Any, ...]:
    """Open and pre-fill the form after an answer that calls for it; otherwise leave it be."""
    if not should_offer(answer):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    assert answer is not None
    docs = [d.doc_id for d in state.service.documents]
    cited = [c.doc_id for c in answer.citations]
    doc = chosen_doc or (cited[0] if cited else (docs[0] if len(docs) == 1 else None))
    return (
        gr.Accordion(open=True),
        gr.Dropdown(value=doc),
        gr.Textbox(value=answer.question),
        "<p class='pa-hint'>文件中没有写明的内容，可以留言由工作人员答复；请确认文件名称和问题后提交。</p>",
    )


def build_message_forms(state: AppState) -> MessageForms:
    with gr.Accordion("✉️ 留言咨询（由工作人员答复）", open=False, elem_id="pa-leave") as accordion:
        gr.Markdown(f"按照文件的咨询规则：{RULE}。提交后您会得到一个**查询码**，凭它查看答复。")
        choices = _choices(state)
        document = gr.Dropdown(
            choices=choices,
            value=choices[0][1] if len(choices) == 1 else None,
            label="政策文件名称（必填）",
            elem_id="pa-leave-doc",
        )
        question = gr.Textbox(label="留言内容（必填）", lines=3, max_lines=8, elem_id="pa-leave-question")
        contact = gr.Textbox(
            label="联系方式（可选，仅供答复的工作人员使用）", lines=1, elem_id="pa-leave-contact"
        )
        submit = gr.Button("提交留言", variant="primary", elem_id="pa-leave-submit")
        result = gr.HTML("", elem_id="pa-leave-result")
    with gr.Accordion("🔎 查询留言答复", open=False, elem_id="pa-lookup"):
        with gr.Row(equal_height=True):
            code = gr.Textbox(
                label="查询码", placeholder="例如 ABCD-EFGH-JKMN-PQRS", scale=4, elem_id="pa-lookup-code"
            )
            look = gr.Button("查询", scale=1, min_width=80, elem_id="pa-lookup-submit")
        found = gr.HTML("", elem_id="pa-lookup-result")

    def leave(doc_id: str | None, text: str, contact_text: str, request: gr.Request) -> tuple[Any, ...]:
        channel = state.channel
        if channel is None:
            return "<p class='pa-error'>留言咨询未启用。</p>", gr.skip()
        client = getattr(request, "client", None)
        headers = dict(getattr(request, "headers", {}) or {})
        refused = state.throttle(getattr(client, "host", None), headers)
        if refused:
            return f"<p class='pa-error'>{esc(refused)}</p>", gr.skip()
        try:
            left = channel.leave(
                doc_id or "",
                text or "",
                contact_text or "",
                state.client(getattr(client, "host", None), headers),
            )
        except ChannelError as exc:
            return f"<p class='pa-error'>{esc(exc)}</p>", gr.skip()
        except StoreUnavailable as exc:
            return f"<p class='pa-error'>{esc(exc)}</p>", gr.skip()
        shown = (
            "<div class='pa-code-box'>留言已收到。您的查询码是 "
            f"<b id='pa-leave-code' class='pa-code'>{esc(left.code)}</b>"
            "<br>请妥善保存（可截图），在下方「查询留言答复」中输入查询码查看工作人员的答复。</div>"
        )
        return shown, ""

    def lookup(code_text: str, request: gr.Request) -> str:
        channel = state.channel
        if channel is None:
            return "<p class='pa-error'>留言咨询未启用。</p>"
        client = getattr(request, "client", None)
        refused = state.throttle(getattr(client, "host", None), dict(getattr(request, "headers", {}) or {}))
        if refused:
            return f"<p class='pa-error'>{esc(refused)}</p>"
        try:
            return reply_html(channel.lookup(code_text or ""))
        except (ChannelError, StoreUnavailable) as exc:
            return f"<p class='pa-error'>{esc(exc)}</p>"

    submit.click(
        leave, inputs=[document, question, contact], outputs=[result, contact], api_name="leave_message"
    )
    look.click(lookup, inputs=[code], outputs=[found], api_name="read_reply")
    code.submit(lookup, inputs=[code], outputs=[found], api_visibility="private")
    return MessageForms(accordion, document, question, result)
