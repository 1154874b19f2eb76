"""管理 (staff pages, admins only): staff accounts — add, reset a password, disable, enable — and
the audit trail (who signed in, replied, published, edited, withdrew, imported, changed a user,
and when). Every handler checks the admin role on the server; others get a Chinese refusal that
is itself audited, and the tab is hidden from them."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import gradio as gr

from channel.schema import ROLES
from channel.service import ChannelError
from channel.store import AuditEvent, StoreUnavailable
from channel.users import StaffUsers
from ui.pages.channel_forms import esc
from ui.pages.phone_cards import phone_cards
from ui.pages.reviewed_tab import moment
from ui.pages.staff_role import current_actor, permitted
from ui.staff_accounts import ROLE_NAMES, allows
from ui.state import AppState

USER_HEADERS = ["用户名", "角色", "状态", "创建时间"]
AUDIT_HEADERS = ["时间（UTC）", "人员", "操作", "对象", "详情"]
ACTIONS = {
    "login": "登录",
    "login.refused": "登录被拒（密码错误或账号停用）",
    "logout": "退出登录",
    "denied": "越权操作被拒",
    "message.open": "打开留言",
    "message.reply": "答复留言",
    "message.close": "办结留言",
    "reviewed.publish": "发布审核答复",
    "reviewed.edit": "修改审核答复",
    "reviewed.withdraw": "撤回审核答复",
    "reviewed.import": "导入审核答复",
    "user.add": "添加用户",
    "user.password": "重设密码",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
}
TARGETS = {"message": "留言", "reviewed": "审核答复", "user": "用户"}
AUDIT_LIMIT = 300


def action_text(action: str) -> str:
    if action.startswith("admin."):
        return f"管理接口：{action.removeprefix('admin.')}"
    return ACTIONS.get(action, action)


def target_text(target: str) -> str:
    kind, sep, rest = target.partition(":")
    if sep and kind in TARGETS:
        return f"{TARGETS[kind]} {rest}"
    return f"需要{ROLE_NAMES[target]}权限" if target in ROLE_NAMES else target


DETAIL_NAMES = {
    "role": "角色",
    "message_id": "留言",
    "citations": "引用条款",
    "sources": "外部来源",
    "close": "办结",
    "fields": "修改了",
    "imported": "导入",
    "errors": "出错行",
    "action": "尝试",
}
FIELD_NAMES = {"question": "问题", "phrasings": "其他问法", "answer": "答复", "valid_until": "有效期"}


def detail_text(detail: dict[str, Any]) -> str:
    """An audit event's detail in words: 「角色：admin；修改了：答复、有效期」."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, list):
            shown = "、".join(FIELD_NAMES.get(str(v), str(v)) for v in value) or "无"
        elif isinstance(value, bool):
            shown = "是" if value else "否"
        elif isinstance(value, str | int | float):
            shown = ROLE_NAMES.get(str(value), str(value))
        else:
            shown = json.dumps(value, ensure_ascii=False)
        parts.append(f"{DETAIL_NAMES.get(key, key)}：{shown}")
    return "；".join(parts)


def audit_rows(events: list[AuditEvent]) -> list[list[str]]:
    return [
        [
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            action_text(e.action),
            target_text(e.target),
            detail_text(e.detail),
        ]
        for e in events
    ]


def build_admin_tab(state: AppState) -> dict[str, Any]:
    gr.Markdown("仅管理员可用：工作人员账号与审计记录。停用账号或重设密码会立即结束该用户的登录会话。")
    with gr.Row(equal_height=True):
        refresh = gr.Button("刷新", size="sm", elem_id="pa-admin-refresh", scale=1, min_width=80)
    users_table = gr.Dataframe(
        headers=USER_HEADERS, value=[], interactive=False, label="工作人员账号", elem_id="pa-users-table"
    )
    phone_cards(users_table, "工作人员账号", elem_id="pa-users-cards")
    with gr.Accordion("添加用户", open=True, elem_id="pa-user-add"):
        with gr.Row():
            new_name = gr.Textbox(label="用户名", elem_id="pa-user-name", min_width=160)
            new_role = gr.Dropdown(
                choices=[(f"{ROLE_NAMES[r]}（{r}）", r) for r in ROLES],
                value="operator",
                label="角色",
                elem_id="pa-user-role",
                min_width=160,
            )
            new_password = gr.Textbox(
                label="初始密码（至少 10 个字符）", type="password", elem_id="pa-user-password", min_width=160
            )
        add = gr.Button("添加用户", variant="primary", elem_id="pa-user-add-submit")
    with gr.Accordion("重设密码 · 停用 · 启用", open=True, elem_id="pa-user-change"):
        with gr.Row():
            who = gr.Dropdown(
                choices=[], label="用户", allow_custom_value=True, elem_id="pa-user-who", min_width=160
            )
            reset_password = gr.Textbox(
                label="新密码（重设密码时填写）",
                type="password",
                elem_id="pa-user-new-password",
                min_width=160,
            )
        with gr.Row():
            reset = gr.Button("重设密码", elem_id="pa-user-reset")
            disable = gr.Button("停用", variant="stop", elem_id="pa-user-disable")
            enable = gr.Button("启用", elem_id="pa-user-enable")
    user_result = gr.Markdown("", elem_id="pa-user-result")
    gr.Markdown("### 审计记录（最新的在前）")
    with gr.Row(equal_height=True):
        audit_actor = gr.Textbox(label="只看某人（用户名，可留空）", elem_id="pa-audit-actor", scale=3)
        audit_refresh = gr.Button("查询", size="sm", elem_id="pa-audit-refresh", scale=1, min_width=80)
    audit_table = gr.Dataframe(
        headers=AUDIT_HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        label="审计记录",
        elem_id="pa-audit-table",
    )
    phone_cards(audit_table, "审计记录", head=3, elem_id="pa-audit-cards")

    def accounts() -> StaffUsers | None:
        return StaffUsers(state.staff.store) if state.staff is not None else None

    def load_users(request: gr.Request) -> tuple[Any, ...]:
        actor, refusal = permitted(state, request, "admin", "查看工作人员账号")
        users = accounts()
        if actor is None or users is None:
            return [], gr.Dropdown(choices=[]), refusal
        try:
            found = users.list()
        except StoreUnavailable as exc:
            return gr.skip(), gr.skip(), f"⚠️ {esc(exc)}"
        rows = [
            [
                u.name,
                f"{ROLE_NAMES.get(u.role, u.role)}（{u.role}）",
                "已停用" if u.disabled else "正常",
                moment(u.created_at),
            ]
            for u in found
        ]
        return rows, gr.Dropdown(choices=[u.name for u in found]), gr.skip()

    def load_audit(name: str, request: gr.Request) -> tuple[Any, str]:
        actor, refusal = permitted(state, request, "admin", "查看审计记录")
        if actor is None or state.staff is None:
            return [], refusal
        try:
            events = state.staff.store.audit_events(AUDIT_LIMIT, (name or "").strip() or None)
        except StoreUnavailable as exc:
            return gr.skip(), f"⚠️ {esc(exc)}"
        return audit_rows(events), ""

    def add_user(name: str, role: str, password: str, request: gr.Request) -> tuple[str, Any, Any]:
        """(the outcome, the name box, the password box): both emptied once the user is added."""
        actor, refusal = permitted(state, request, "admin", "添加用户")
        users = accounts()
        if actor is None or users is None:
            return refusal, gr.skip(), gr.skip()
        try:
            added = users.add(actor.name, name or "", password or "", role or "")
        except (ChannelError, StoreUnavailable) as exc:
            return f"⚠️ 未添加：{esc(exc)}", gr.skip(), gr.skip()
        return f"✅ 已添加用户 {esc(added)}（{ROLE_NAMES.get(role, role)}）。", "", ""

    def change(kind: str) -> Any:
        what = {"reset": "重设密码", "disable": "停用用户", "enable": "启用用户"}[kind]

        def handler(name: str | None, password: str, request: gr.Request) -> tuple[str, Any]:
            actor, refusal = permitted(state, request, "admin", what)
            users = accounts()
            if actor is None or users is None:
                return refusal, gr.skip()
            if not name:
                return "请先选择用户。", gr.skip()
            try:
                if kind == "reset":
                    users.reset_password(actor.name, name, password or "")
                else:
                    users.set_disabled(actor.name, name, kind == "disable")
            except (ChannelError, StoreUnavailable) as exc:
                return f"⚠️ 未{what.removesuffix('用户')}：{esc(exc)}", gr.skip()
            done = {
                "reset": f"已重设用户 {esc(name)} 的密码，其登录会话已结束。",
                "disable": f"已停用用户 {esc(name)}，其登录会话已结束。",
                "enable": f"已启用用户 {esc(name)}。",
            }[kind]
            return f"✅ {done}", ""

        return handler

    def is_admin(request: gr.Request) -> bool:
        actor = current_actor(state, request)
        return actor is not None and allows(actor.role, "admin")

    def load_all(name: str, request: gr.Request) -> tuple[Any, ...]:
        """Users and the audit trail at once (one refusal, audited once, for a non-admin)."""
        users, choices, message = load_users(request)
        if not is_admin(request):
            return users, choices, message, []
        events, problem = load_audit(name, request)
        return users, choices, problem or message, events

    users_out = [users_table, who, user_result]
    refresh.click(load_all, inputs=audit_actor, outputs=[*users_out, audit_table], api_name="users")
    audit_refresh.click(load_audit, inputs=audit_actor, outputs=[audit_table, user_result], api_name="audit")
    audit_actor.submit(
        load_audit, inputs=audit_actor, outputs=[audit_table, user_result], api_visibility="private"
    )
    add.click(
        add_user,
        inputs=[new_name, new_role, new_password],
        outputs=[user_result, new_name, new_password],
        api_name="add_user",
    ).then(load_users, outputs=users_out, api_visibility="private")
    for button, kind in ((reset, "reset"), (disable, "disable"), (enable, "enable")):
        button.click(
            change(kind),
            inputs=[who, reset_password],
            outputs=[user_result, reset_password],
            api_name=f"{kind}_user",
        ).then(load_users, outputs=users_out, api_visibility="private")

    return {
        "is_admin": is_admin,
        "load": load_all,
        "inputs": [audit_actor],
        "outputs": [*users_out, audit_table],
    }
