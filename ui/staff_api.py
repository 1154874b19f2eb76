"""The staff JSON API of the consultation channel, under ``/api/staff``.

Authenticated with ``Authorization: Bearer <token>``: a session token from ``POST
/api/staff/login`` (the same sessions as the staff pages, same expiry, ended by ``/logout``), or
``POLICY_ADMIN_TOKEN`` (role admin). Roles: operator answers messages; reviewer may do that too;
admin manages users and reads the audit trail. Everything a staff member does is audited.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.question import scrub
from channel.faq_import import import_faq
from channel.reviewed import reviewed_json
from channel.service import ChannelService, CitedArticle, ExternalSource, staff_view
from channel.store import StoreUnavailable
from channel.users import StaffUsers
from ui.channel_api import guarded
from ui.staff import COOKIE
from ui.staff_accounts import ROLE_NAMES, Actor, ChannelStaffAuth, allows
from ui.state import AppState

Role = Literal["operator", "reviewer", "admin"]


class LoginRequest(BaseModel):
    username: str = Field(..., max_length=100)
    password: str = Field(..., max_length=1000)


class LoginResponse(BaseModel):
    token: str = Field(..., description="会话令牌：放在 Authorization: Bearer 之后")
    name: str
    role: str
    expires_in: int = Field(..., description="秒")


class CitedIn(BaseModel):
    doc_id: str
    article: str = Field(..., description="条款编号，如 （十三） 或 第六十八条")
    quote: str = Field("", description="引文（可选）：须与原文逐字一致")


class SourceIn(BaseModel):
    title: str = Field(..., description="标题")
    issuer: str = Field(..., description="发布机关")
    reference: str = Field(..., description="文号或网址")
    date: str = Field(..., description="日期，如 2025-03-01")


class ReplyIn(BaseModel):
    text: str = Field(..., description="答复内容")
    citations: list[CitedIn] = Field(default_factory=list, description="引用的文件条款（逐条核验）")
    sources: list[SourceIn] = Field(default_factory=list, description="外部来源（文件没有写明的内容）")
    close: bool = Field(False, description="答复后直接办结")


class PublishIn(BaseModel):
    phrasings: list[str] = Field(
        default_factory=list, max_length=20, description="问题的其他问法（每条一句）"
    )
    answer: str = Field("", description="审核后的答复（省略则用最近一次答复）")
    question: str = Field("", description="问题（省略则用留言的问题）")
    valid_until: str = Field("", description="有效期至，如 2026-12-31（省略则到文件有效期末）")


class ImportIn(BaseModel):
    format: Literal["jsonl", "csv"] = Field("jsonl", description="jsonl 或 csv")
    content: str = Field(..., description="文件内容（UTF-8 文本）")


class PasswordIn(BaseModel):
    password: str = Field(..., max_length=1000, description="新密码（至少 10 个字符）")


class ReviewedEdit(BaseModel):
    question: str = Field(..., max_length=2000, description="问题")
    phrasings: list[str] = Field(default_factory=list, max_length=20, description="其他问法")
    answer: str = Field(..., max_length=20000, description="答复（数字须能在原答复、引用条款或来源中找到）")
    valid_until: str = Field("", description="有效期至，如 2026-12-31（省略则到文件有效期末）")


class UserIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    password: str = Field(..., max_length=1000)
    role: Role = "operator"


def staff_api_router(state: AppState, auth: ChannelStaffAuth) -> APIRouter:
    router = APIRouter(prefix="/api/staff", tags=["工作人员 API（需登录）"])
    accounts = StaffUsers(auth.store)

    def channel() -> ChannelService:
        if state.channel is None:
            raise HTTPException(503, "留言咨询未启用。")
        return state.channel

    def signed_in(request: Request) -> Actor:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        token = given.strip() if scheme.lower() == "bearer" else ""
        token = token or request.cookies.get(COOKIE, "")
        if token and auth.admin_token_matches(token):
            return Actor("admin", "admin")
        try:
            actor = auth.actor(token) if token else None
        except StoreUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        if actor is None:
            raise HTTPException(
                401,
                "请先登录：POST /api/staff/login 取得会话令牌（或使用管理令牌），放在 Authorization: Bearer 之后；会话过期需重新登录。",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return actor

    def needs(role: Role) -> Any:
        def check(actor: Actor = Depends(signed_in)) -> Actor:
            if not allows(actor.role, role):
                auth.store.audit(actor.name, "denied", role)
                raise HTTPException(
                    403,
                    f"没有权限：此操作需要{ROLE_NAMES[role]}（{role}）角色，您的角色是{ROLE_NAMES.get(actor.role, actor.role)}。",
                )
            return actor

        return Depends(check)

    @router.post("/login", response_model=LoginResponse, summary="工作人员登录，取得会话令牌")
    async def login(body: LoginRequest) -> LoginResponse:
        try:
            username, password = scrub(body.username), scrub(body.password)
            role = await run_in_threadpool(auth.role_of, username, password)
            if role is None:
                await run_in_threadpool(auth.store.audit, username.strip()[:40] or "?", "login.refused")
                raise HTTPException(401, "用户名或密码不正确。")
            token = await run_in_threadpool(auth.sign_in, username, role)
        except StoreUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        return LoginResponse(
            token=token, name=body.username.strip(), role=role, expires_in=int(auth.session_seconds)
        )

    @router.post("/logout", summary="退出登录（结束会话）")
    async def logout(request: Request, actor: Actor = Depends(signed_in)) -> dict[str, Any]:
        _, _, given = request.headers.get("authorization", "").partition(" ")
        await run_in_threadpool(auth.sign_out, given.strip())
        return {"ok": True, "message": "已退出登录。"}

    @router.get("/me", summary="当前登录的工作人员")
    def me(actor: Actor = Depends(signed_in)) -> dict[str, str]:
        return {"name": actor.name, "role": actor.role}

    @router.get("/messages", summary="留言队列（按状态、文件筛选，最早的在前，附各状态数量）")
    async def queue(
        status: Literal["new", "in_progress", "answered", "closed"] | None = Query(None),
        doc_id: str | None = Query(None),
        actor: Actor = needs("operator"),
    ) -> dict[str, Any]:
        messages = await guarded(channel().queue, status, doc_id)
        counts = await guarded(channel().counts, doc_id)
        return {"counts": counts, "messages": [staff_view(m) for m in messages]}

    @router.get("/messages/{message_id}", summary="打开留言：全文、联系方式、助手的答复草稿")
    async def open_message(message_id: int, actor: Actor = needs("operator")) -> dict[str, Any]:
        message = await guarded(channel().open, message_id, actor.name)
        draft = await guarded(channel().draft, message)
        return {
            "message": staff_view(message, full=True),
            "draft": {
                "answer": draft.text,
                "refused": draft.refused,
                "citations": [c.to_json() for c in draft.citations],
            },
        }

    @router.post("/messages/{message_id}/reply", summary="答复留言（引用条款逐条核验，可注明外部来源）")
    async def reply(message_id: int, body: ReplyIn, actor: Actor = needs("operator")) -> dict[str, Any]:
        message = await guarded(
            channel().reply,
            message_id,
            actor.name,
            body.text,
            [CitedArticle(c.doc_id, c.article, c.quote) for c in body.citations],
            [ExternalSource(s.title, s.issuer, s.reference, s.date) for s in body.sources],
            body.close,
        )
        return {"message": staff_view(message, full=True)}

    @router.post("/messages/{message_id}/close", summary="办结留言")
    async def close(message_id: int, actor: Actor = needs("operator")) -> dict[str, Any]:
        message = await guarded(channel().close, message_id, actor.name)
        return {"message": staff_view(message, full=True)}

    @router.post("/messages/{message_id}/publish", status_code=201, summary="发布为人工审核答复（审核员）")
    async def publish(message_id: int, body: PublishIn, actor: Actor = needs("reviewer")) -> dict[str, Any]:
        found = await guarded(
            channel().reviewed.publish,
            message_id,
            actor.name,
            body.phrasings,
            body.answer,
            body.valid_until,
            body.question,
        )
        return reviewed_json(found, staff=True)

    @router.post("/reviewed/import", summary="从 FAQ 文件导入审核答复（审核员；逐行报告错误）")
    async def import_reviewed(body: ImportIn, actor: Actor = needs("reviewer")) -> dict[str, Any]:
        report = await guarded(import_faq, channel(), body.content, body.format, actor.name)
        return report.to_json()

    @router.get("/reviewed", summary="人工审核答复（含已撤回）")
    async def reviewed(actor: Actor = needs("operator")) -> list[dict[str, Any]]:
        found = await run_in_threadpool(channel().store.reviewed_answers)
        return [reviewed_json(r, staff=True) for r in found]

    @router.get("/reviewed/{answer_id}/versions", summary="审核答复的修改记录")
    async def versions(answer_id: int, actor: Actor = needs("operator")) -> list[dict[str, Any]]:
        found = await run_in_threadpool(channel().store.versions, answer_id) if 1 <= answer_id < 2**63 else []
        return [
            {
                "version": v.version,
                "changed_by": v.changed_by,
                "changed_at": v.changed_at.isoformat(),
                "change": v.change,
                "snapshot": v.snapshot,
            }
            for v in found
        ]

    @router.patch("/reviewed/{answer_id}", summary="修改审核答复（审核员；记录修改人和时间）")
    async def edit(answer_id: int, body: ReviewedEdit, actor: Actor = needs("reviewer")) -> dict[str, Any]:
        found = await guarded(
            channel().reviewed.edit,
            answer_id,
            actor.name,
            body.question,
            body.phrasings,
            body.answer,
            body.valid_until,
        )
        return reviewed_json(found, staff=True)

    @router.post("/reviewed/{answer_id}/withdraw", summary="撤回审核答复（审核员）")
    async def withdraw(answer_id: int, actor: Actor = needs("reviewer")) -> dict[str, Any]:
        found = await guarded(channel().reviewed.withdraw, answer_id, actor.name)
        return reviewed_json(found, staff=True)

    @router.get("/audit", summary="审计记录（管理员）")
    async def audit(
        limit: int = Query(100, ge=1, le=1000), actor: Actor = needs("admin")
    ) -> list[dict[str, Any]]:
        events = await run_in_threadpool(auth.store.audit_events, limit)
        return [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
            }
            for e in events
        ]

    @router.get("/users", summary="工作人员账号（管理员）")
    async def users(actor: Actor = needs("admin")) -> list[dict[str, Any]]:
        found = await run_in_threadpool(auth.store.users)
        return [{"name": u.name, "role": u.role, "disabled": u.disabled} for u in found]

    @router.post("/users", status_code=201, summary="添加工作人员账号（管理员）")
    async def add_user(body: UserIn, actor: Actor = needs("admin")) -> dict[str, Any]:
        name = await guarded(accounts.add, actor.name, scrub(body.name), scrub(body.password), body.role)
        return {"ok": True, "name": name, "role": body.role}

    @router.post("/users/{name}/password", summary="重设密码（管理员；结束其会话）")
    async def reset_password(name: str, body: PasswordIn, actor: Actor = needs("admin")) -> dict[str, Any]:
        await guarded(accounts.reset_password, actor.name, scrub(name), scrub(body.password))
        return {"ok": True, "message": f"已重设用户 {scrub(name)} 的密码，其登录会话已结束。"}

    @router.post("/users/{name}/disable", summary="停用账号（管理员；立即结束其会话）")
    async def disable_user(name: str, actor: Actor = needs("admin")) -> dict[str, Any]:
        await guarded(accounts.set_disabled, actor.name, scrub(name), True)
        return {"ok": True, "message": f"已停用用户 {scrub(name)}。"}

    @router.post("/users/{name}/enable", summary="重新启用账号（管理员）")
    async def enable_user(name: str, actor: Actor = needs("admin")) -> dict[str, Any]:
        await guarded(accounts.set_disabled, actor.name, scrub(name), False)
        return {"ok": True, "message": f"已启用用户 {scrub(name)}。"}

    return router
