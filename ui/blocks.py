"""The gradio pages over one :class:`AppState`: the citizens' chat at ``/`` (public) and the
staff pages — 坐席工作台 and 评测 — at ``/staff/`` (behind staff sign-in, :mod:`ui.staff`)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui.pages.admin_page import build_admin_tab
from ui.pages.chat import build_chat_tab
from ui.pages.console import build_console_tab
from ui.pages.evaluation import build_eval_tab
from ui.pages.messages import build_messages_tab
from ui.pages.reviewed_tab import build_reviewed_tab
from ui.state import AppState

TITLE = "政策咨询助手"

CSS = """
.gradio-container { max-width: 1200px !important; }
#pa-header h1 { font-size: 1.5rem; margin: 0.2rem 0; }
.pa-scope { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; }
.pa-badge { background: #1d4ed8; color: #fff; border-radius: 4px; padding: 1px 6px; font-size: 0.85em; }
.pa-docs { margin: 4px 0; padding-left: 1.2em; }
.pa-doc-title { font-weight: 600; display: block; }
.pa-contact { display: block; font-size: 0.9em; }
.pa-contact a { color: #1d4ed8; }
.pa-doc-meta, .pa-hint, .pa-score, .pa-empty, .pa-reading { color: var(--body-text-color-subdued); font-size: 0.9em; }
.pa-reading { margin-bottom: 0.5em; }
.pa-cites-title { font-weight: 600; margin-bottom: 4px; }
.pa-chip { display: block; margin: 4px 0; }
.pa-chip > summary { display: inline-block; cursor: pointer; border: 1px solid #1d4ed8; color: #1d4ed8;
  border-radius: 14px; padding: 2px 10px; font-size: 0.9em; list-style: none; max-width: 100%;
  white-space: normal; }
.pa-chip[open] > summary { background: #1d4ed8; color: #fff; }
.pa-article { border-left: 3px solid #1d4ed8; padding: 6px 10px; margin: 6px 0;
  background: var(--background-fill-secondary); }
.pa-article-head { font-weight: 600; margin-bottom: 4px; }
.pa-article-text, .pa-hit-text { white-space: pre-wrap; line-height: 1.7; }
.pa-quote { color: var(--body-text-color-subdued); font-size: 0.9em; margin-top: 4px; }
.pa-hit { border-bottom: 1px solid var(--border-color-primary); padding: 6px 0; }
.pa-error { color: #b91c1c; }
mark { background: #fde68a; color: inherit; padding: 0 1px; }
.pa-code-box { border: 1px solid #1d4ed8; border-radius: 8px; padding: 8px 12px; background: #eff6ff; }
.pa-code { font-family: monospace; font-size: 1.15em; letter-spacing: 0.05em; white-space: nowrap; }
.pa-reply-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; }
.pa-reply-text { margin: 6px 0; line-height: 1.7; }
.pa-counts { font-size: 1rem; }
.pa-reviewed { border: 1px solid #15803d; border-left-width: 4px; border-radius: 8px; padding: 8px 12px; margin: 6px 0;
  background: #f0fdf4; }
.pa-reviewed .pa-badge { background: #15803d; }
.pa-reviewed-head { font-size: 0.9em; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.pa-count b { color: #1d4ed8; }
.pa-reply-sources ul { margin: 2px 0 6px; padding-left: 1.2em; }
footer { display: none !important; }
/* gradio prefixes every rule of a @media block with ".gradio-container … .contain", so the page's
   own padding (outside .contain) is narrowed here: 32px on a desktop, 4px on a phone */
.gradio-container .main.app { padding-left: clamp(4px, calc((100vw - 600px) / 4), 32px) !important;
  padding-right: clamp(4px, calc((100vw - 600px) / 4), 32px) !important; }
/* 市民咨询: the chat's label above the messages, never over them */
#pa-chatbot label[data-testid='block-label'], #pa-eval-chart label[data-testid='block-label'],
#pa-compare-chart label[data-testid='block-label'] { position: static; margin: 0 0 4px; }
/* the citation chips: a message of their own under the answer, no bubble and no buttons */
#pa-chatbot .message:has(.pa-cites) { background: none !important; border: none !important;
  box-shadow: none !important; padding: 0 !important; }
#pa-chatbot .message-row:has(.pa-cites) + .message-buttons { display: none !important; }
#pa-chatbot .pa-cites-title { font-size: 0.85em; color: var(--body-text-color-subdued); font-weight: normal; }
#pa-chatbot .pa-article-text { white-space: normal; }
/* several documents: chips under their document's name; the documents side by side on a desktop */
.pa-cites-doc { margin: 2px 0 6px; }
.pa-cites-doc-name { font-size: 0.85em; font-weight: 600; margin: 4px 0 2px; }
.pa-docs:has(> .pa-doc + .pa-doc) { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
  column-gap: 28px; }
/* three or more: each its short title, validity and contact (as on a phone), the list scrolling
   within about one row (every document is also in the selector) */
.pa-docs:has(> .pa-doc ~ .pa-doc ~ .pa-doc) { max-height: 6.6em; overflow-y: auto; }
.pa-docs:has(> .pa-doc ~ .pa-doc ~ .pa-doc) :is(.pa-doc-title, .pa-doc-meta) { display: none; }
.pa-docs:has(> .pa-doc ~ .pa-doc ~ .pa-doc) .pa-doc-short { display: block; font-weight: 600; }
div:has(.pa-doc + .pa-doc) #pa-chatbot { height: max(300px, calc(100vh - 480px)) !important; }
#pa-ask-row > #pa-doc-choice { align-self: center; }
/* gradio's scroll-to-bottom button: in the corner, over room kept free under the last message */
#pa-chatbot [role='log'] { padding-bottom: 44px; }
#pa-chatbot .scroll-down-button-container { left: auto; right: 10px; bottom: 6px; transform: none; }
#pa-status p { margin: 0; }
#pa-question label > [data-testid='block-info'] { display: none; }  /* the placeholder says it */
#pa-feedback { align-items: center; }
#pa-feedback > #pa-status { order: 10; flex: 1 1 100%; min-height: 0; }
#pa-feedback > #pa-status:empty { display: none; }
.pa-doc-short { display: none; }
.pa-leave-entry { font-size: 0.9em; margin-top: 2px; }
.pa-leave-link { color: #1d4ed8; font-weight: 600; }
/* 坐席工作台: hits open their article; the latest turns as cards */
.pa-hit > summary { cursor: pointer; list-style: none; }
.pa-hit > summary::-webkit-details-marker { display: none; }
.pa-hit-head { display: block; }
.pa-hit-snippet { display: block; color: var(--body-text-color-subdued); font-size: 0.9em; }
.pa-hit[open] .pa-hit-snippet { display: none; }
.pa-hit-text { border-left: 3px solid #1d4ed8; padding-left: 8px; margin: 4px 0; }
.pa-recent { list-style: none; padding: 0; margin: 0; }
.pa-turn { border-bottom: 1px solid var(--border-color-primary); padding: 6px 0; overflow-wrap: anywhere; }
.pa-turn-head { color: var(--body-text-color-subdued); font-size: 0.85em; }
.pa-turn-c { color: #b45309; font-size: 0.9em; }
/* 审核答复, 管理: a refresh button of its own size */
#pa-rev-refresh, #pa-admin-refresh { max-width: 140px; }
/* tables: cards instead on a phone (ui/pages/phone_cards.py) */
.pa-phone-only { display: none !important; }
.pa-cards-title { color: var(--block-label-text-color); font-size: 0.9em; margin: 2px 0 4px; }
.pa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 0 0 6px;
  overflow-wrap: anywhere; line-height: 1.6; }
.pa-card-head { font-weight: 600; }
.pa-kv { display: inline-block; margin-right: 12px; }
.pa-kv-block { display: block; margin-right: 0; }
.pa-k { color: var(--body-text-color-subdued); font-size: 0.85em; margin-right: 4px; }
/* 评测: the comparison of two runs */
.pa-better { color: #15803d; font-weight: 600; }
.pa-worse { color: #b91c1c; font-weight: 600; }
@media (max-width: 640px) {
  .pa-wide-only { display: none !important; }
  .pa-phone-only { display: block !important; }
  /* the staff pages' tabs, narrower, so that all of them fit beside each other */
  .tab-container > button { padding: 4px 7px !important; font-size: 0.95em; }
  #pa-header h1 { font-size: 1.2rem; }
  #pa-header p { display: none; }
  /* a phone keeps of each document its short title, validity and contact; the chat fills the rest */
  .pa-scope { padding: 4px 8px; }
  .pa-mode { float: right; }
  .pa-mode-note, .pa-scope-title, .pa-doc-title, .pa-doc-meta, .pa-hint, .pa-leave-why { display: none; }
  .pa-doc-short { display: block; font-weight: 600; }
  .pa-docs { list-style: none; padding: 0; margin: 0; }
  .pa-contact, .pa-leave-entry { font-size: 0.85em; }
  .column, .row { --layout-gap: 10px; }  /* (inside .contain, where these rules apply) */
  #pa-chatbot { height: max(260px, calc(100dvh - 370px)) !important; }
  /* several documents: a line each, the choice of document a line above the question */
  .pa-docs:has(> .pa-doc + .pa-doc) { display: block; }
  .pa-docs:has(> .pa-doc ~ .pa-doc ~ .pa-doc) { max-height: 9.5em; }
  #pa-ask-row { flex-wrap: wrap; }
  #pa-ask-row > #pa-doc-choice { flex: 1 1 100% !important; min-width: 0 !important; }
  div:has(.pa-doc + .pa-doc) #pa-chatbot { height: max(260px, calc(100dvh - 440px)) !important; }
  #pa-feedback { flex-wrap: wrap; gap: 6px; }
  #pa-eval-chart .modebar-container, #pa-compare-chart .modebar-container { display: none; }
  #pa-feedback > button { flex: 1 1 28% !important; min-width: 0 !important; }
  #pa-feedback > .form { order: 11; flex: 1 1 100% !important; }
}
"""


def build_citizen_blocks(state: AppState) -> gr.Blocks:
    """市民咨询: the only page anyone can open."""
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=False) as blocks:
        gr.Markdown(f"# {TITLE}\n政策文件问答，每个回答都注明依据的原文条款。", elem_id="pa-header")
        build_chat_tab(state)
    return blocks


def build_staff_blocks(state: AppState) -> gr.Blocks:
    """坐席工作台 and 评测, for signed-in staff (every endpoint of these blocks is behind sign-in)."""
    with gr.Blocks(title=f"{TITLE} · 工作人员", analytics_enabled=False, fill_width=False) as blocks:
        gr.Markdown(
            f"# {TITLE} · 工作人员\n坐席工作台、留言处理、审核答复与评测（已登录）。[退出登录](/staff/logout) · [市民咨询页面](/)",
            elem_id="pa-header",
        )
        with gr.Tabs():
            with gr.Tab("坐席工作台", id="console", elem_id="pa-tab-console") as console_tab:
                console = build_console_tab(state)
            with gr.Tab("留言处理", id="messages", elem_id="pa-tab-messages") as messages_tab:
                messages = build_messages_tab(state)
            with gr.Tab("审核答复", id="reviewed", elem_id="pa-tab-reviewed") as reviewed_tab:
                reviewed = build_reviewed_tab(state)
            with gr.Tab("评测", id="eval", elem_id="pa-tab-eval"):
                build_eval_tab(state)
            with gr.Tab("管理", id="admin", elem_id="pa-tab-admin", visible=False) as admin_tab:
                admin = build_admin_tab(state)
        console_tab.select(console["load_recent"], outputs=console["recent"], api_visibility="private")
        blocks.load(console["load_recent"], outputs=console["recent"], api_visibility="private")
        messages_tab.select(
            messages["load"], inputs=messages["inputs"], outputs=messages["outputs"], api_visibility="private"
        )
        blocks.load(
            messages["load"], inputs=messages["inputs"], outputs=messages["outputs"], api_visibility="private"
        )
        reviewed_tab.select(reviewed["load"], outputs=reviewed["outputs"], api_visibility="private")

        def show_admin(request: gr.Request) -> Any:
            """The 管理 tab only for admins (its handlers check the role again on the server)."""
            return gr.Tab(visible=admin["is_admin"](request))

        blocks.load(show_admin, outputs=admin_tab, api_visibility="private")
        admin_tab.select(
            admin["load"], inputs=admin["inputs"], outputs=admin["outputs"], api_visibility="private"
        )
    return blocks
