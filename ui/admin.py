"""Admin operations (reindex, log export), guarded by ``Authorization: Bearer <POLICY_ADMIN_TOKEN>``."""

from __future__ import annotations

import io
import logging
import secrets
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ui.state import AppState

log = logging.getLogger(__name__)


def _admin_session(state: AppState, request: Request) -> bool:
    """A staff session token (``POST /api/staff/login``) of an admin opens the admin API too."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if state.staff is None or scheme.lower() != "bearer" or not given.strip():
        return False
    try:
        actor = state.staff.actor(given.strip())
    except Exception:  # the staff database is down: only the admin token can say who this is
        log.warning("staff session unreadable for the admin API", exc_info=True)
        return False
    if actor is None or actor.role != "admin":
        return False
    state.staff.store.audit(actor.name, "admin." + request.url.path.rsplit("/", 1)[-1][:30])
    return True


def admin_router(state: AppState) -> APIRouter:
    def require_admin(request: Request) -> None:
        if _admin_session(state, request):
            return
        token = state.settings.admin_token
        if token is None or not token.get_secret_value():
            raise HTTPException(
                403, "管理接口未启用：请设置环境变量 POLICY_ADMIN_TOKEN（管理令牌）后重启服务。"
            )
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.strip().encode(), token.get_secret_value().encode()
        ):
            raise HTTPException(
                401,
                "需要管理令牌：请在请求头中加入 Authorization: Bearer <POLICY_ADMIN_TOKEN>。",
                headers={"WWW-Authenticate": "Bearer"},
            )

    router = APIRouter(prefix="/api/admin", tags=["管理"], dependencies=[Depends(require_admin)])

    @router.post("/reindex", summary="重建索引并切换到新索引")
    async def reindex() -> dict[str, Any]:
        if state.reindex is None:
            raise HTTPException(501, "此服务未配置重建索引。")
        if not state.reindex_lock.acquire(blocking=False):
            raise HTTPException(409, "正在重建索引，请稍后再试。")
        try:
            pipeline = await run_in_threadpool(state.reindex)
        except Exception as exc:
            log.exception("reindex failed")
            raise HTTPException(500, f"重建索引失败：{exc}") from exc
        finally:
            state.reindex_lock.release()
        state.swap(pipeline)
        documents = [d.doc_id for d in state.service.documents]
        return {
            "ok": True,
            "message": f"索引已重建，共 {len(documents)} 个政策文件。",
            "documents": documents,
        }

    @router.get("/log/export", summary="导出对话日志（已脱敏）")
    async def export(
        format: Literal["jsonl", "csv"] = Query("jsonl", description="jsonl 或 csv"),
        since: date | None = Query(None, description="起始日期，如 2025-01-01"),
    ) -> Response:
        conversation_log = state.service.log
        if conversation_log is None:
            raise HTTPException(503, "未配置对话日志。")
        buffer = io.StringIO()
        try:
            count = await run_in_threadpool(conversation_log.export, buffer, since, format)
        except Exception as exc:
            log.warning("log export failed: %s", type(exc).__name__)
            raise HTTPException(503, f"无法导出对话日志：{exc}") from exc
        media = "application/x-ndjson" if format == "jsonl" else "text/csv"
        return Response(
            buffer.getvalue().encode("utf-8"),
            media_type=f"{media}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="conversations.{format}"',
                "X-Turns": str(count),
            },
        )

    return router
