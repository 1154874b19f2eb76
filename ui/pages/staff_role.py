"""Who is signed in on the staff pages, and whether their role allows an action — checked by
the server in every handler (the pages only hide what a role cannot use)."""

from __future__ import annotations

import gradio as gr

from ui.staff import COOKIE
from ui.staff_accounts import ROLE_NAMES, Actor, allows
from ui.state import AppState


def current_actor(state: AppState, request: gr.Request | None) -> Actor | None:
    """The signed-in staff member of a page request (None when signed out or expired)."""
    if state.staff is None or request is None:
        return None
    cookies = getattr(request, "cookies", None) or {}
    return state.staff.actor(cookies.get(COOKIE))


def permitted(
    state: AppState, request: gr.Request | None, needed: str, what: str
) -> tuple[Actor | None, str]:
    """(the actor, "") when their role allows ``needed``; else (None, a Chinese refusal), the
    refusal audited as ``denied``."""
    actor = current_actor(state, request)
    if actor is None:
        return None, "⚠️ 请先登录（登录已过期时请重新登录）。"
    if not allows(actor.role, needed):
        if state.staff is not None:
            state.staff.store.audit(actor.name, "denied", needed, {"action": what})
        have = ROLE_NAMES.get(actor.role, actor.role or "未知")
        return None, f"⚠️ 没有权限：{what}需要{ROLE_NAMES[needed]}（{needed}）角色，您的角色是{have}。"
    return actor, ""
