"""The consultation channel's JSON API for citizens: leave a message, read the reply by code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from channel.service import ChannelError, ChannelService, citizen_view
from channel.store import StoreUnavailable
from ui.state import AppState

T = TypeVar("T")


class MessageRequest(BaseModel):
    document: str = Field(
        "",
        description="政策文件名称（必填：标题、简称或文件编号），如「上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)」",
    )
    question: str = Field("", description="要咨询的问题（必填）")
    contact: str = Field("", description="联系方式（可选，只给答复的工作人员看）")


class MessageLeft(BaseModel):
    code: str = Field(..., description="查询码：凭它查看答复，请妥善保存")
    document: str
    status: str = "new"
    message: str


class LookupRequest(BaseModel):
    code: str = Field(..., description="留言时得到的查询码")


class ReplyOut(BaseModel):
    text: str
    citations: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    created_at: str


class MessageStatus(BaseModel):
    status: str = Field(..., description="new / in_progress / answered / closed")
    status_text: str
    document: str
    question: str = Field(..., description="留言的问题（个人信息已隐去）")
    created_at: str
    replies: list[ReplyOut]


def channel_error(exc: ChannelError | StoreUnavailable) -> HTTPException:
    if isinstance(exc, StoreUnavailable):
        return HTTPException(503, str(exc))
    return HTTPException(exc.status, str(exc))


async def guarded(call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` off the event loop, the channel's refusals turned into HTTP errors (its
    status and Chinese message; 503 when the database cannot be reached)."""
    try:
        return await run_in_threadpool(call, *args)
    except (ChannelError, StoreUnavailable) as exc:
        raise channel_error(exc) from exc


def citizen_channel_router(state: AppState) -> APIRouter:
    router = APIRouter(prefix="/api/messages", tags=["留言咨询"])

    def channel() -> ChannelService:
        if state.channel is None:
            raise HTTPException(503, "留言咨询未启用。")
        return state.channel

    @router.post("", status_code=201, response_model=MessageLeft, summary="留言咨询（返回查询码）")
    async def leave(body: MessageRequest, request: Request) -> MessageLeft:
        client = state.client(request.client.host if request.client else None, dict(request.headers))
        left = await guarded(channel().leave, body.document, body.question, body.contact, client)
        return MessageLeft(
            code=left.code,
            document=left.doc_title,
            message=f"留言已收到。您的查询码是 {left.code}，请妥善保存，凭查询码查看工作人员的答复。",
        )

    @router.post("/lookup", response_model=MessageStatus, summary="凭查询码查看留言和答复")
    async def lookup(body: LookupRequest) -> dict[str, Any]:
        message = await guarded(channel().lookup, body.code)
        return citizen_view(message)

    return router
