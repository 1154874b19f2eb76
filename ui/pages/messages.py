"""留言处理 (staff pages): the queue of citizens' messages by status with counts, a message opened
with the assistant's draft, and the reply — cited articles (each verified) and/or an external
source — sent to the citizen's query code, then closed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from channel.service import STATUS_NAMES, ChannelError, CitedArticle, ExternalSource, staff_view
from channel.store import StoreUnavailable
from ui.pages.channel_forms import esc
from ui.pages.phone_cards import phone_cards
from ui.pages.staff_role import permitted
from ui.state import AppState

log = logging.getLogger(__name__)

QUEUE_HEADERS = [
    "编号",
    "状态",
    "政策文件",
    "留言（已隐去个人信息）",
    "联系方式（已隐去）",
    "留言时间",
    "处理人",
]


@dataclass
class Opened:
    """The message an operator has open, and the draft's verified citations (key → quote)."""

    message_id: int = 0
    doc_id: str = ""
    quotes: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def counts_html(counts: dict[str, int]) -> str:
    parts = [
        f"<span class='pa-count' id='pa-count-{status}'>{esc(name)} <b>{counts.get(status, 0)}</b></span>"
        for status, name in STATUS_NAMES.items()
    ]
    return "<div class='pa-counts'>" + " · ".join(parts) + "</div>"


def detail_html(view: dict[str, Any]) -> str:
    rows = [
        f"<div class='pa-reply-card' id='pa-msg-detail'><b>留言 {view['id']}</b> · "
        f"<span class='pa-badge'>{esc(view['status_text'])}</span> · {esc(view['document'])}",
        f"<div class='pa-reply-question'>{esc(view['question'])}</div>",
        f"<div class='pa-hint'>留言时间：{esc(view['created_at'][:16].replace('T', ' '))} · 联系方式："
        f"{esc(view['contact'] or '未留')} · 处理人：{esc(view['assignee'] or '—')}</div>",
    ]
    for reply in view["replies"]:
        rows.append(
            f"<div class='pa-reply-text'><b>已答复</b>（{esc(reply['author'])}，{esc(reply['created_at'][:10])}）："
            f"{esc(reply['text'])}</div>"
        )
    rows.append("</div>")
    return "".join(rows)


def build_messages_tab(state: AppState) -> dict[str, Any]:
    documents = state.service.documents
    opened = gr.State(None)
    counts = gr.HTML(counts_html({}), elem_id="pa-msg-counts")
    with gr.Row(equal_height=True):
        status = gr.Dropdown(
            choices=[("全部状态", "")] + [(n, s) for s, n in STATUS_NAMES.items()],
            value="",
            label="状态",
            elem_id="pa-msg-status",
            scale=2,
        )
        doc = gr.Dropdown(
            choices=[("全部文件", "")] + [(d.meta.short_title or d.title, d.doc_id) for d in documents],
            value="",
            label="政策文件",
            elem_id="pa-msg-doc",
            scale=3,
        )
        refresh = gr.Button("刷新", size="sm", elem_id="pa-msg-refresh", scale=1, min_width=80)
    table = gr.Dataframe(
        headers=QUEUE_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        label="留言队列（最早的在前；点击一行打开）",
        elem_id="pa-msg-table",
    )
    phone_cards(table, "留言队列（最早的在前）", head=2, elem_id="pa-msg-cards")
    with gr.Row(equal_height=True):
        number = gr.Number(value=None, label="留言编号", precision=0, minimum=1, elem_id="pa-msg-id", scale=3)
        open_button = gr.Button("打开留言", variant="primary", elem_id="pa-msg-open", scale=1, min_width=100)
    detail = gr.HTML("", elem_id="pa-msg-view")
    text = gr.Textbox(
        label="答复内容（已填入助手草稿，可修改）", lines=6, max_lines=16, elem_id="pa-reply-text"
    )
    cited = gr.CheckboxGroup(choices=[], label="引用条款（草稿中已核验的引文）", elem_id="pa-reply-cites")
    extra = gr.Textbox(
        label="其他引用条款（可选，每行一个条款编号，如（十三））", lines=1, elem_id="pa-reply-articles"
    )
    gr.Markdown("**外部来源**（文件没有写明的内容，如市里公布的补贴标准；四项都填）")
    with gr.Row():
        source_title = gr.Textbox(label="标题", elem_id="pa-src-title", min_width=160)
        source_issuer = gr.Textbox(label="发布机关", elem_id="pa-src-issuer", min_width=160)
        source_ref = gr.Textbox(label="文号或网址", elem_id="pa-src-ref", min_width=160)
        source_date = gr.Textbox(label="日期", placeholder="2025-03-01", elem_id="pa-src-date", min_width=120)
    with gr.Row():
        send = gr.Button("发送答复", variant="primary", elem_id="pa-reply-send")
        send_close = gr.Button("发送答复并办结", elem_id="pa-reply-send-close")
        close = gr.Button("办结", elem_id="pa-msg-close")
    result = gr.Markdown("", elem_id="pa-reply-result")
    with gr.Accordion("发布为人工审核答复（审核员）", open=False, elem_id="pa-publish"):
        gr.Markdown(
            "把这条留言最近的答复发布为**人工审核答复**：之后市民问到相近的问题时，它会标注来源和审核日期，"
            "显示在文件条款旁边（不替代条款）。答复中的数字须能在原答复、引用条款或来源中找到。"
        )
        pub_question = gr.Textbox(
            label="发布的问题（可选，留空用留言原文；建议去掉个人情况）",
            lines=1,
            elem_id="pa-publish-question",
        )
        phrasings = gr.Textbox(label="其他问法（每行一个，可选）", lines=3, elem_id="pa-publish-phrasings")
        valid_until = gr.Textbox(
            label="有效期至（可选，默认到文件有效期末）", placeholder="2026-12-31", elem_id="pa-publish-until"
        )
        publish = gr.Button("发布为审核答复", elem_id="pa-publish-submit")
        published = gr.Markdown("", elem_id="pa-publish-result")

    def load(status_value: str, doc_value: str) -> tuple[Any, ...]:
        channel = state.channel
        if channel is None:
            return counts_html({}), []
        try:
            messages = channel.queue(status_value or None, doc_value or None)
            found = channel.counts(doc_value or None)
        except (ChannelError, StoreUnavailable) as exc:
            return f"<p class='pa-error'>{esc(exc)}</p>", []
        short = {d.doc_id: d.meta.short_title or d.title for d in state.service.documents}
        rows = []
        for m in messages:
            v = staff_view(m)
            rows.append(
                [
                    m.id,
                    v["status_text"],
                    short.get(m.doc_id, v["document"]),
                    v["question"],
                    v["contact"],
                    v["created_at"][:16].replace("T", " "),
                    v["assignee"],
                ]
            )
        return counts_html(found), rows

    def pick(event: gr.SelectData) -> Any:
        row = getattr(event, "row_value", None) or []
        return int(row[0]) if row else gr.skip()

    def open_message(value: float | None, request: gr.Request) -> tuple[Any, ...]:
        channel = state.channel
        actor = getattr(request, "username", None) or ""
        if channel is None or not actor:
            return gr.skip(), "请先登录。", gr.skip(), gr.skip(), gr.skip()
        if not value:
            return gr.skip(), "请先输入或点击要打开的留言编号。", gr.skip(), gr.skip(), gr.skip()
        try:
            message = channel.open(int(value), actor)
            draft = channel.draft(message)
        except (ChannelError, StoreUnavailable) as exc:
            return gr.skip(), f"⚠️ {esc(exc)}", gr.skip(), gr.skip(), gr.skip()
        # one key per quote: an article is often cited with two of its sentences
        keys = [f"{i}|{c.doc_id}|{c.article}" for i, c in enumerate(draft.citations)]
        quotes = {k: (c.doc_id, c.article, c.quote) for k, c in zip(keys, draft.citations, strict=True)}
        choices = [(f"{c.marker}：「{c.quote}」", k) for k, c in zip(keys, draft.citations, strict=True)]
        view = staff_view(message, full=True)
        return (
            Opened(message.id, message.doc_id, quotes),
            "",
            detail_html(view),
            "" if draft.refused else draft.text,
            gr.CheckboxGroup(choices=choices, value=[value for _, value in choices]),
        )

    def replying(finish: bool) -> Callable[..., tuple[Any, ...]]:
        """The handler of a reply button: ``finish`` also closes the message."""

        def reply(
            current: Opened | None,
            body: str,
            picked: list[str],
            articles: str,
            title: str,
            issuer: str,
            reference: str,
            day: str,
            request: gr.Request,
        ) -> tuple[Any, ...]:
            channel = state.channel
            actor = getattr(request, "username", None) or ""
            if channel is None or not actor or current is None or not current.message_id:
                return "请先打开一条留言。", gr.skip()
            citations = [CitedArticle(*current.quotes[key]) for key in picked or [] if key in current.quotes]
            for line in (articles or "").splitlines():
                if line.strip():
                    citations.append(CitedArticle(current.doc_id, line.strip()))
            sources = []
            if any(x and x.strip() for x in (title, issuer, reference, day)):
                sources.append(ExternalSource(title or "", issuer or "", reference or "", day or ""))
            try:
                message = channel.reply(
                    current.message_id, actor, body or "", citations, sources, close=finish
                )
            except (ChannelError, StoreUnavailable) as exc:
                return f"⚠️ 答复未发送：{esc(exc)}", gr.skip()
            done = "已答复并办结" if finish else "已答复"
            return f"✅ {done}：市民可凭查询码查看。", detail_html(staff_view(message, full=True))

        return reply

    def close_message(current: Opened | None, request: gr.Request) -> tuple[Any, ...]:
        channel = state.channel
        actor = getattr(request, "username", None) or ""
        if channel is None or not actor or current is None or not current.message_id:
            return "请先打开一条留言。", gr.skip()
        try:
            message = channel.close(current.message_id, actor)
        except (ChannelError, StoreUnavailable) as exc:
            return f"⚠️ {esc(exc)}", gr.skip()
        return "✅ 已办结。", detail_html(staff_view(message, full=True))

    def publish_reply(current: Opened | None, asked: str, lines: str, until: str, request: gr.Request) -> str:
        channel = state.channel
        actor = getattr(request, "username", None) or ""
        if channel is None or not actor or current is None or not current.message_id:
            return "请先打开一条已答复的留言。"
        reviewer, refusal = permitted(state, request, "reviewer", "发布审核答复")
        if reviewer is None:
            return refusal
        try:
            found_answer = channel.reviewed.publish(
                current.message_id, actor, (lines or "").splitlines(), "", until or "", asked or ""
            )
        except (ChannelError, StoreUnavailable) as exc:
            return f"⚠️ 未发布：{esc(exc)}"
        days = found_answer.valid_until.isoformat() if found_answer.valid_until else "长期"
        return f"✅ 已发布为人工审核答复（编号 {found_answer.id}，有效期至 {days}）。"

    reply_inputs = [opened, text, cited, extra, source_title, source_issuer, source_ref, source_date]
    refresh.click(load, inputs=[status, doc], outputs=[counts, table], api_name="messages")
    status.change(load, inputs=[status, doc], outputs=[counts, table], api_visibility="private")
    doc.change(load, inputs=[status, doc], outputs=[counts, table], api_visibility="private")
    table.select(pick, outputs=number, api_visibility="private")
    open_button.click(
        open_message, inputs=[number], outputs=[opened, result, detail, text, cited], api_name="open_message"
    )
    send.click(replying(False), inputs=reply_inputs, outputs=[result, detail], api_name="reply_message").then(
        load, inputs=[status, doc], outputs=[counts, table], api_visibility="private"
    )
    send_close.click(
        replying(True), inputs=reply_inputs, outputs=[result, detail], api_visibility="private"
    ).then(load, inputs=[status, doc], outputs=[counts, table], api_visibility="private")
    close.click(close_message, inputs=[opened], outputs=[result, detail], api_name="close_message").then(
        load, inputs=[status, doc], outputs=[counts, table], api_visibility="private"
    )
    publish.click(
        publish_reply,
        inputs=[opened, pub_question, phrasings, valid_until],
        outputs=published,
        api_name="publish_reviewed",
    )
    return {"load": load, "inputs": [status, doc], "outputs": [counts, table]}
