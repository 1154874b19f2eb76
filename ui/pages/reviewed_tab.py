"""审核答复 (staff pages): the reviewed answers with their state, one opened to edit its wording,
phrasings and validity or to withdraw it (reviewers; every change a version with who and when),
and the import of an official FAQ file (reviewers) — a bad row is named with its line and the
reason, and the rows not imported come back as a file to mend and import again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from channel.faq_import import COLUMNS, import_faq, read_upload
from channel.reviewed import ReviewedAnswers
from channel.service import ChannelError
from channel.store import ReviewedAnswer, ReviewedVersion, StoreUnavailable
from ui.pages.channel_forms import basis_html, esc
from ui.pages.phone_cards import phone_cards
from ui.pages.staff_role import current_actor, permitted
from ui.state import AppState

log = logging.getLogger(__name__)

HEADERS = ["编号", "状态", "问题", "其他问法", "有效期至", "版本", "最后审核", "审核时间（UTC）"]
CHANGES = {"publish": "发布", "edit": "修改", "withdraw": "撤回"}
#: errors listed on the page (the rest are counted; all of them are in the returned file)
SHOWN_ERRORS = 30


def state_text(found: ReviewedAnswer, today: datetime | None = None) -> str:
    if found.status == "withdrawn":
        return "已撤回"
    day = (today or datetime.now(UTC)).date()
    return "已过期" if found.valid_until and found.valid_until < day else "有效"


def moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def detail_html(found: ReviewedAnswer, versions: list[ReviewedVersion]) -> str:
    parts = [
        f"<div class='pa-reply-card' id='pa-rev-detail'><b>审核答复 {found.id}</b> · "
        f"<span class='pa-badge'>{esc(state_text(found))}</span> · 第 {found.version} 版"
        + (f" · 来自留言 {found.message_id}" if found.message_id else " · 从 FAQ 导入"),
    ]
    parts.append(basis_html(found.citations, found.sources, "（不可在此修改）"))
    rows = "".join(
        f"<li>第 {v.version} 版 · {esc(CHANGES.get(v.change, v.change))} · {esc(v.changed_by)} · "
        f"{esc(moment(v.changed_at))}</li>"
        for v in versions
    )
    parts.append(
        f"<div class='pa-reply-sources' id='pa-rev-versions'><b>修改记录</b>（时间为 UTC）<ul>{rows}</ul></div></div>"
    )
    return "".join(parts)


def import_message(imported: int, errors: tuple[tuple[int, str], ...]) -> str:
    if not errors:
        return f"✅ 已导入 {imported} 条审核答复。"
    head = f"⚠️ 已导入 {imported} 条；**{len(errors)} 行未导入**（行号是文件中的行）："
    lines = [f"- 第 {line} 行：{esc(error)}" for line, error in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"- ……另有 {len(errors) - SHOWN_ERRORS} 行，见下方文件")
    tail = "未导入的行已原样放在下方文件中（CSV 带表头），改正后可再次导入；已导入的不必重复导入。"
    return "\n".join([head, *lines, "", tail])


def write_template(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faq-template.csv"
    row = (
        "sh-digital-talent-2024,职业技能提升补贴怎么领？,提升补贴在哪里申请|考证补贴怎么领,"
        "方案第（十三）条规定可按规定享受职业技能提升补贴；申请渠道以市人社局公布的办法为准。,（十三）,"
        "上海市职业技能提升补贴办法,上海市人力资源和社会保障局,https://rsj.sh.gov.cn/,2024-03-01,2026-12-31"
    )
    path.write_text(",".join(COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    return path


def build_reviewed_tab(state: AppState) -> dict[str, Any]:
    folder = state.settings.data_dir / "web-imports"
    gr.Markdown(
        "已发布的**人工审核答复**：市民问到相近问题时显示在文件条款旁边。审核员可修改措辞、其他问法和有效期，"
        "或撤回；每次修改都留有版本记录（修改人、时间）。依据条款和来源不在此修改。"
    )
    opened = gr.State(0)
    with gr.Row(equal_height=True):
        refresh = gr.Button("刷新", size="sm", elem_id="pa-rev-refresh", scale=1, min_width=80)
    table = gr.Dataframe(
        headers=HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        label="审核答复（点击一行打开）",
        elem_id="pa-rev-table",
    )
    phone_cards(table, "审核答复", head=2, elem_id="pa-rev-cards")
    with gr.Row(equal_height=True):
        number = gr.Number(
            value=None, label="审核答复编号", precision=0, minimum=1, elem_id="pa-rev-id", scale=3
        )
        open_button = gr.Button("打开", variant="primary", elem_id="pa-rev-open", scale=1, min_width=100)
    detail = gr.HTML("", elem_id="pa-rev-view")
    question = gr.Textbox(label="问题", lines=1, elem_id="pa-rev-question")
    phrasings = gr.Textbox(label="其他问法（每行一个）", lines=3, elem_id="pa-rev-phrasings")
    answer = gr.Textbox(
        label="答复（数字须能在原答复、引用条款或来源中找到）", lines=5, max_lines=14, elem_id="pa-rev-answer"
    )
    until = gr.Textbox(
        label="有效期至（留空则到文件有效期末）", placeholder="2026-12-31", elem_id="pa-rev-until"
    )
    with gr.Row():
        save = gr.Button("保存修改", variant="primary", elem_id="pa-rev-save")
        withdraw = gr.Button("撤回", variant="stop", elem_id="pa-rev-withdraw")
    result = gr.Markdown("", elem_id="pa-rev-result")

    with gr.Accordion("从 FAQ 文件导入（审核员）", open=False, elem_id="pa-import"):
        gr.Markdown(
            "官方问答（FAQ）文件：.csv（UTF-8，第一行为表头）或 .jsonl（每行一个 JSON 对象），每行一条。"
            f"列：{'、'.join(COLUMNS)}；document、question、answer 必填，articles 与来源四项至少有一种，"
            "phrasings 和 articles 多个时用 | 分隔。每行都像答复一样核验：文件已收录、条款存在、来源完整、"
            "答复中的数字能在条款或来源中找到。"
        )
        with gr.Row():
            upload = gr.File(
                label="FAQ 文件（.csv / .jsonl）",
                file_types=[".csv", ".jsonl", ".json"],
                file_count="single",
                type="filepath",
                elem_id="pa-import-file",
            )
            with gr.Column():
                gr.DownloadButton(
                    "下载 FAQ 模板（.csv）",
                    value=str(write_template(folder)),
                    size="sm",
                    elem_id="pa-import-template",
                )
                run_import = gr.Button("导入", variant="primary", elem_id="pa-import-submit")
        import_result = gr.Markdown("", elem_id="pa-import-result")
        rejected_file = gr.File(
            label="未导入的行（改正后再导入）", interactive=False, visible=False, elem_id="pa-import-rejected"
        )

    def load() -> list[list[Any]]:
        if state.channel is None:
            return []
        try:
            found = state.channel.store.reviewed_answers()
        except StoreUnavailable:
            log.warning("reviewed answers unavailable", exc_info=True)
            return []
        return [
            [
                r.id,
                state_text(r),
                r.question,
                "；".join(r.phrasings),
                r.valid_until.isoformat() if r.valid_until else "长期",
                r.version,
                r.reviewer,
                moment(r.reviewed_at),
            ]
            for r in reversed(found)
        ]

    def pick(event: gr.SelectData) -> Any:
        row = getattr(event, "row_value", None) or []
        return int(row[0]) if row else gr.skip()

    def open_answer(value: float | None, request: gr.Request) -> tuple[Any, ...]:
        keep = (gr.skip(),) * 5
        if current_actor(state, request) is None or state.channel is None:
            return 0, "⚠️ 请先登录。", *keep
        if not value:
            return 0, "请先输入或点击要打开的审核答复编号。", *keep
        try:
            found = state.channel.store.reviewed(int(value)) if 1 <= value < 2**63 else None
            versions = state.channel.store.versions(found.id) if found else []
        except StoreUnavailable as exc:
            return 0, f"⚠️ {esc(exc)}", *keep
        if found is None:
            return 0, f"⚠️ 没有编号为 {int(value)} 的审核答复。", *keep
        return (
            found.id,
            "",
            detail_html(found, versions),
            found.question,
            "\n".join(found.phrasings),
            found.answer,
            found.valid_until.isoformat() if found.valid_until else "",
        )

    def change(
        current: int,
        request: gr.Request,
        action: str,
        what: str,
        act: Callable[[ReviewedAnswers, str], ReviewedAnswer],
    ) -> tuple[str, Any]:
        """A reviewer's change (``action``, e.g. 修改审核答复) of the opened answer: (the outcome
        — 已``what`` or 未``what`` —, its card with the versions)."""
        actor, refusal = permitted(state, request, "reviewer", action)
        if actor is None or state.channel is None:
            return refusal, gr.skip()
        if not current:
            return "请先打开一条审核答复。", gr.skip()
        try:
            changed = act(state.channel.reviewed, actor.name)
            versions = state.channel.store.versions(current)
        except (ChannelError, StoreUnavailable) as exc:
            return f"⚠️ 未{what}（您填写的内容仍在上面）：{esc(exc)}", gr.skip()
        who = f"{esc(actor.name)}，{moment(changed.reviewed_at)}"
        if what == "撤回":
            return f"✅ 已撤回：市民不再看到这条审核答复（{who}）。", detail_html(changed, versions)
        return f"✅ 已保存为第 {changed.version} 版（{who}）。", detail_html(changed, versions)

    def save_answer(
        current: int, asked: str, lines: str, text: str, day: str, request: gr.Request
    ) -> tuple[str, Any]:
        phrasings = (lines or "").splitlines()
        return change(
            current,
            request,
            "修改审核答复",
            "保存",
            lambda reviewed, name: reviewed.edit(
                current, name, asked or "", phrasings, text or "", day or ""
            ),
        )

    def withdraw_answer(current: int, request: gr.Request) -> tuple[str, Any]:
        return change(
            current, request, "撤回审核答复", "撤回", lambda reviewed, name: reviewed.withdraw(current, name)
        )

    def import_file(path: str | None, request: gr.Request) -> tuple[str, Any]:
        hidden = gr.File(value=None, visible=False)
        actor, refusal = permitted(state, request, "reviewer", "导入审核答复")
        if actor is None or state.channel is None:
            return refusal, hidden
        if not path:
            return "请先选择要导入的 FAQ 文件（.csv 或 .jsonl）。", hidden
        try:
            content, format = read_upload(Path(path).read_bytes(), Path(path).name)
            report = import_faq(state.channel, content, format, actor.name)
        except (ChannelError, StoreUnavailable) as exc:
            return f"⚠️ 没有导入：{esc(exc)}", hidden
        if not report.rejected:
            return import_message(len(report.imported), report.errors), hidden
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        out = folder / f"未导入的行-{stamp}.{format}"
        out.write_text(report.rejected, encoding="utf-8")
        return import_message(len(report.imported), report.errors), gr.File(value=str(out), visible=True)

    opened_outputs = [opened, result, detail, question, phrasings, answer, until]
    refresh.click(load, outputs=table, api_name="reviewed_answers")
    table.select(pick, outputs=number, api_visibility="private").then(
        open_answer, inputs=number, outputs=opened_outputs, api_visibility="private"
    )
    open_button.click(open_answer, inputs=number, outputs=opened_outputs, api_name="open_reviewed")
    save.click(
        save_answer,
        inputs=[opened, question, phrasings, answer, until],
        outputs=[result, detail],
        api_name="edit_reviewed",
    ).then(load, outputs=table, api_visibility="private")
    withdraw.click(
        withdraw_answer, inputs=opened, outputs=[result, detail], api_name="withdraw_reviewed"
    ).then(load, outputs=table, api_visibility="private")
    run_import.click(
        import_file, inputs=upload, outputs=[import_result, rejected_file], api_name="import_reviewed"
    ).then(load, outputs=table, api_visibility="private")
    upload.change(lambda _: "", inputs=upload, outputs=import_result, api_visibility="private")
    return {"load": load, "outputs": table}
