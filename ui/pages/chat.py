"""市民咨询: streaming answers, citation chips with the article text, feedback, examples."""

from __future__ import annotations

import html
import logging
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from assistant.conversation import Conversation
from assistant.models import Answer
from assistant.question import QuestionError, scrub
from ui.pages.channel_forms import build_message_forms, offer, reviewed_html
from ui.render import (
    OPEN_LEAVE_FORM_JS,
    answer_markdown,
    citation_chips,
    documents_html,
    plain_markdown,
    shorten_titles,
)
from ui.state import AppState

log = logging.getLogger(__name__)

#: Offered before any conversation: each one a question that stands on its own.
EXAMPLES = [
    "职业技能提升补贴怎么申请？",
    "这个方案的有效期到什么时候？",
    "数字技术技能人才培育有哪些经费保障？",
    "数字技术工程师培育项目有经费资助吗？",
]
#: Offered once there is a conversation: they are read in its context.
FOLLOW_UP_EXAMPLES = ["那需要什么条件？", "具体怎么办理？"]
ALL_DOCUMENTS = "全部政策文件"
#: seconds between two sentences of an answer shown as it streams
PAUSE = 0.12
#: Runs in the browser as a question is sent, before it goes to the server: the box empties at
#: that moment (when it still holds what is sent). The server never writes the box, so nothing
#: typed after sending — before or after the server's first update — is erased; a question sent
#: while another is answered waits in the box and is taken when its turn comes
#: (``trigger_mode="always_last"`` sends it again then, with the box's text at that time).
TAKE_QUESTION_JS = """
(question, ...rest) => {
  const box = document.querySelector('#pa-question textarea');
  if (box && question && box.value === question) {
    box.value = '';
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  return [question, ...rest];
}
"""
_SENTENCE_END = re.compile(r"(?<=[。！？；!?])(?![」』”）)])|(?<=[。！？；!?][」』”）)])")


@dataclass
class ChatSession:
    """Per-browser-session state: the conversation and the last answered turn."""

    conversation: Conversation = field(default_factory=Conversation)
    last_turn_id: int | None = None
    last_answer: Answer | None = None
    #: documents whose full title this conversation has shown (later answers use the short one)
    titles_shown: set[str] = field(default_factory=set)


Message = dict[str, Any]
Outputs = tuple[Any, ...]


def _doc_choices(state: AppState) -> list[tuple[str, str]]:
    docs = state.service.documents
    return [(ALL_DOCUMENTS, "")] + [(d.meta.short_title or d.title, d.doc_id) for d in docs]


def paced(text: str, pause: float = PAUSE, budget: float = 1.6) -> Iterator[str]:
    """The verified text again, growing a sentence at a time with a short pause between, so the
    answer is seen to stream (extractive answers are complete at once). At most ``budget``
    seconds in all: a long answer comes several sentences at a time."""
    pieces = [p for p in _SENTENCE_END.split(text) if p]
    step = max(1, math.ceil(len(pieces) * pause / budget)) if pause > 0 else len(pieces) or 1
    for end in range(step, len(pieces) + step, step):
        if end > step:
            time.sleep(pause)
        yield "".join(pieces[:end])


def build_chat_tab(state: AppState) -> None:
    service = state.service
    session = gr.State(None)
    gr.HTML(
        documents_html(service.documents, service.mode), elem_id="pa-scope", js_on_load=OPEN_LEAVE_FORM_JS
    )
    chatbot = gr.Chatbot(
        label="政策咨询对话",
        elem_id="pa-chatbot",
        height="max(300px, calc(100vh - 490px))",  # the phone's height is in ui/blocks.py's CSS
        placeholder="您好！我是政策咨询助手，可以回答上面所列政策文件中的问题，并注明依据的条款。",
        feedback_options=None,
        buttons=["copy"],
        sanitize_html=True,
        layout="bubble",
        group_consecutive_messages=False,  # the citation chips are a message of their own, without buttons
    )
    with gr.Row(equal_height=True, elem_id="pa-ask-row"):
        # which document the question is about: beside the box (on a phone, a line above it), so
        # that several documents cost the conversation no more than one line of height
        doc_choice = gr.Dropdown(
            choices=_doc_choices(state),
            value="",
            label="咨询的政策文件",
            show_label=False,
            container=False,
            visible=len(service.documents) > 1,
            scale=2,
            min_width=150,
            elem_id="pa-doc-choice",
        )
        question = gr.Textbox(
            label="您的问题",
            placeholder="请输入您的问题，例如：职业技能提升补贴怎么申请？",
            lines=1,
            max_lines=4,
            scale=5,
            elem_id="pa-question",
        )
        send = gr.Button("发送", variant="primary", scale=1, min_width=64, elem_id="pa-send")
    with gr.Row(elem_id="pa-feedback"):
        up = gr.Button("👍 有帮助", size="sm", elem_id="pa-up", min_width=60)
        down = gr.Button("👎 没帮助", size="sm", elem_id="pa-down", min_width=60)
        comment = gr.Textbox(
            label="补充说明",
            show_label=False,
            placeholder="补充说明（可选，评价时一并提交）：哪里不清楚或不准确？",
            lines=1,
            scale=3,
            elem_id="pa-comment",
        )
        clear = gr.Button("🗑 清空对话", size="sm", elem_id="pa-clear", min_width=60)
        status = gr.Markdown("", elem_id="pa-status")  # the acknowledgement, beside the buttons
    gr.Examples(
        examples=[[e] for e in EXAMPLES],
        inputs=[question],
        label="示例问题（点击填入）",
        elem_id="pa-examples",
    )
    with gr.Column(visible=False, elem_id="pa-followups") as followups:
        gr.Examples(
            examples=[[e] for e in FOLLOW_UP_EXAMPLES],
            inputs=[question],
            label="接着问（结合上面的对话理解）",
            elem_id="pa-followup-examples",
        )
    # the chips are shown in the chat, under their answer; this copy is the /ask endpoint's output
    chips = gr.HTML(citation_chips(None, {}), elem_id="pa-cites", visible=False)
    reviewed = gr.HTML("", elem_id="pa-reviewed")  # 人工审核答复, beside the articles
    forms = build_message_forms(state)

    def offer_message(chat: ChatSession | None, doc_id: str | None) -> Outputs:
        answer = chat.last_answer if chat else None
        return (*offer(answer, doc_id or None, state), reviewed_html(state, answer))

    offered = [*forms.outputs, reviewed]

    def ask(
        message: str,
        doc_id: str | None,
        history: list[Message] | None,
        chat: ChatSession | None,
        request: gr.Request,
    ) -> Iterator[Outputs]:
        history = list(history or [])
        chat = chat or ChatSession()
        shown = plain_markdown(scrub(message or ""))
        history.append({"role": "user", "content": shown})
        svc = state.service
        # the page's questions count against the same per-client bucket as the API's
        client = getattr(request, "client", None)
        refused = state.throttle(getattr(client, "host", None), dict(getattr(request, "headers", {}) or {}))
        if refused:
            history.append({"role": "assistant", "content": f"⚠️ {plain_markdown(refused)}"})
            yield gr.skip(), history, gr.skip(), chat, ""
            return
        # the question shows at once, before the answer is looked up; the box was emptied in the
        # browser as it was sent (TAKE_QUESTION_JS): no update touches it, what is typed is the user's
        history.append({"role": "assistant", "content": "…"})
        yield gr.skip(), history, gr.skip(), chat, ""
        try:
            events = svc.stream(message or "", chat.conversation, doc_id or None)
            first = next(events)
        except (QuestionError, LookupError) as exc:
            history[-1] = {"role": "assistant", "content": f"⚠️ {plain_markdown(str(exc))}"}
            yield gr.skip(), history, gr.skip(), chat, ""
            return
        documents = list(svc.documents)

        def titled(shown_text: str, final: bool = False) -> str:
            """The full title once per conversation (``final``: remember that it was shown)."""
            shown = chat.titles_shown if final else set(chat.titles_shown)
            return shorten_titles(shown_text, documents, shown)

        text = ""
        event = first
        while True:
            if event.kind == "delta":  # verified text: shown a sentence at a time
                for part in paced(event.text):
                    history[-1] = {"role": "assistant", "content": plain_markdown(titled(text + part))}
                    yield gr.skip(), history, gr.skip(), chat, ""
                text += event.text
            elif event.answer is not None:
                answer = event.answer
                chat.last_answer = answer
                chat.last_turn_id = event.turn_id
                if not text:  # nothing streamed: the verified text a sentence at a time all the same
                    for shown_text in paced(answer.text):
                        history[-1] = {"role": "assistant", "content": plain_markdown(titled(shown_text))}
                        yield gr.skip(), history, gr.skip(), chat, ""
                history[-1] = {
                    "role": "assistant",
                    "content": answer_markdown(answer, titled(answer.text, True)),
                }
                chip_html = citation_chips(answer, dict(svc.pipeline.documents))
                if answer.citations:
                    history.append({"role": "assistant", "content": chip_html})
                yield gr.skip(), history, chip_html, chat, ""
            nxt = next(events, None)
            if nxt is None:
                break
            event = nxt

    def rate(rating: int, comment_text: str, chat: ChatSession | None) -> tuple[str, str]:
        if chat is None or chat.last_answer is None:
            return "请先提问，再对回答进行评价。", comment_text
        if chat.last_turn_id is None:
            return "这条回答没有写入对话日志，暂时无法评价。", comment_text
        try:
            state.service.feedback(
                chat.last_turn_id, rating, comment_text or "", chat.conversation.conversation_id
            )
        except ValueError as exc:  # the turn is not this conversation's (or no longer known)
            return f"反馈未能保存：{html.escape(str(exc))}", comment_text
        except Exception as exc:  # log down: tell the user, keep the page working
            log.warning("feedback failed: %s", type(exc).__name__)
            return "反馈暂时无法保存，请稍后再试。", comment_text
        return ("感谢您的反馈！👍" if rating > 0 else "感谢反馈，我们会改进这条回答。👎"), ""

    def rate_up(comment_text: str, chat: ChatSession | None) -> tuple[str, str]:
        return rate(1, comment_text, chat)

    def rate_down(comment_text: str, chat: ChatSession | None) -> tuple[str, str]:
        return rate(-1, comment_text, chat)

    def reset() -> Outputs:
        return [], ChatSession(), citation_chips(None, {}), "", "已清空对话，可以开始新的咨询。"

    def show_followups(chat: ChatSession | None) -> Any:
        """Follow-up examples only make sense once something has been answered."""
        return gr.Column(visible=chat is not None and chat.last_answer is not None)

    outputs = [question, chatbot, chips, session, status]
    inputs = [question, doc_choice, chatbot, session]
    question.submit(
        ask,
        inputs=inputs,
        outputs=outputs,
        api_name="ask",
        concurrency_limit=8,
        trigger_mode="always_last",
        js=TAKE_QUESTION_JS,
    ).then(show_followups, inputs=session, outputs=followups, api_visibility="private").then(
        offer_message, inputs=[session, doc_choice], outputs=offered, api_visibility="private"
    )
    send.click(
        ask,
        inputs=inputs,
        outputs=outputs,
        api_name="ask_click",
        api_visibility="undocumented",
        concurrency_limit=8,
        trigger_mode="always_last",
        js=TAKE_QUESTION_JS,
    ).then(show_followups, inputs=session, outputs=followups, api_visibility="private").then(
        offer_message, inputs=[session, doc_choice], outputs=offered, api_visibility="private"
    )
    up.click(rate_up, inputs=[comment, session], outputs=[status, comment], api_name="feedback_up")
    down.click(rate_down, inputs=[comment, session], outputs=[status, comment], api_name="feedback_down")
    clear.click(reset, outputs=[chatbot, session, chips, question, status], api_name="clear").then(
        show_followups, inputs=session, outputs=followups, api_visibility="private"
    ).then(lambda: "", outputs=reviewed, api_visibility="private")
    # The chat box's own 🗑 icon clears the messages; start a new conversation too.
    chatbot.clear(reset, outputs=[chatbot, session, chips, question, status], api_visibility="private").then(
        show_followups, inputs=session, outputs=followups, api_visibility="private"
    ).then(lambda: "", outputs=reviewed, api_visibility="private")
