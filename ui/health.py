"""Liveness and readiness, for a load balancer, an orchestrator or an operator's ``curl``.

- ``GET /healthz`` (liveness): 200 ``{"status": "ok"}`` whenever the process answers HTTP at all —
  also while ``serve`` is still preparing the index (``ui/starting.py``). A failing liveness
  check means: restart the process.
- ``GET /readyz`` (readiness): 200 when the index and the conversation-log database can be
  reached, else 503; either way ``{"ready", "reason", "checks": {"index", "database"}}``, each
  check ``{"ok", "detail"}``, ``reason`` the first failing check's detail in Chinese. A failing
  readiness check means: send no traffic here for now.

The index check reads the manifest (the committed index) and, with ``POLICY_CHROMA_HOST``, asks
the Chroma server's heartbeat; the database check runs ``SELECT 1`` through the conversation log.
Each check is bounded by a timeout, so a hung database cannot hang the probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.log import LogUnavailable
from assistant.settings import Settings
from index.manifest import read_manifest
from index.models import IndexCorrupted, IndexMissing
from ui.state import AppState

CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def check_index(settings: Settings) -> Check:
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissing:
        return Check(False, "索引尚未建立：请运行 `policy-assistant index`，或等待 serve 建好索引。")
    except IndexCorrupted as exc:
        return Check(False, f"索引无法读取（{exc}）：可运行 `policy-assistant index --rebuild` 重建。")
    detail = f"索引可用：{len(manifest.documents)} 个政策文件"
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        try:
            response = httpx.get(
                f"http://{where}/api/v2/heartbeat", timeout=min(settings.chroma_timeout, CHECK_SECONDS)
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            return Check(False, f"无法连接 Chroma 服务器 {where}（{type(exc).__name__}）。")
        detail += f"，Chroma 服务器 {where} 可连接"
    return Check(True, detail + "。")


def check_database(conversation_log: object | None) -> Check:
    ping: Callable[[], None] | None = getattr(conversation_log, "ping", None)
    if conversation_log is None or not callable(ping):
        return Check(True, "未配置对话日志。")
    try:
        ping()
    except LogUnavailable as exc:
        return Check(False, str(exc))
    except Exception as exc:  # a driver error the log did not wrap
        return Check(False, f"无法连接对话日志数据库（{type(exc).__name__}）。")
    url = getattr(conversation_log, "url", "")
    return Check(True, f"对话日志数据库可连接（{url}）。" if url else "对话日志数据库可连接。")


async def _bounded(check: Callable[[], Check], what: str) -> Check:
    try:
        return await asyncio.wait_for(asyncio.to_thread(check), CHECK_SECONDS)
    except TimeoutError:
        return Check(False, f"{what}在 {CHECK_SECONDS:g} 秒内没有响应。")


def readiness_body(checks: dict[str, Check]) -> dict[str, Any]:
    failing = [c.detail for c in checks.values() if not c.ok]
    return {
        "ready": not failing,
        "reason": failing[0] if failing else "",
        "checks": {name: asdict(c) for name, c in checks.items()},
    }


def health_router(state: AppState) -> APIRouter:
    router = APIRouter(tags=["运维"])

    @router.get("/healthz", summary="存活检查：进程在运行")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="就绪检查：索引和对话日志数据库可用（否则 503）",
        responses={503: {"description": "尚未就绪，reason 说明原因"}},
    )
    async def readyz() -> JSONResponse:
        index, database = await asyncio.gather(
            _bounded(lambda: check_index(state.settings), "索引"),
            _bounded(lambda: check_database(state.service.log), "对话日志数据库"),
        )
        body = readiness_body({"index": index, "database": database})
        if state.index_generation is not None:  # which build this process answers from
            body["index_generation"] = state.index_generation()
        return JSONResponse(body, 200 if body["ready"] else 503)

    return router
