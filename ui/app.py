"""The web app: the JSON API, the OpenAI-compatible API and the gradio page on one FastAPI app.

Build it with :func:`create_app` from a pipeline (``assistant.factory.make_pipeline``), so tests
and benchmarks can pass their own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from channel.service import ChannelService, Limits
from channel.store import ChannelStore
from ui.admin import admin_router
from ui.api import api_router
from ui.blocks import CSS, TITLE, build_citizen_blocks, build_staff_blocks
from ui.channel_api import citizen_channel_router
from ui.docs import add_offline_docs
from ui.health import health_router
from ui.limits import BodySizeMiddleware, RateLimitMiddleware
from ui.locale import ChinesePageMiddleware
from ui.openai_api import openai_router
from ui.requestlog import RequestLogMiddleware
from ui.service import AssistantService, FeedbackLog
from ui.shared_state import DatabaseConversations, SharedDatabase
from ui.staff import STAFF_PATH, StaffGate, staff_router
from ui.staff_accounts import ChannelStaffAuth
from ui.staff_api import staff_api_router
from ui.state import AppState, Reindex

log = logging.getLogger(__name__)

_FIELD_NAMES = {"question": "问题", "conversation_id": "对话编号", "turn_id": "回答编号", "rating": "评价"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = [str(x) for x in error.get("loc", ()) if x not in ("body", "query", "path")]
        name = "、".join(_FIELD_NAMES.get(w, w) for w in where) or "请求"
        kind = str(error.get("type", ""))
        if kind == "missing":
            parts.append(f"缺少{name}")
        elif kind.startswith("json"):
            parts.append("请求内容不是有效的 JSON")
        else:
            parts.append(f"{name}格式不正确")
    return "请求格式不正确：" + "；".join(dict.fromkeys(parts)) + "。"


#: Starlette's and FastAPI's own English error texts, in Chinese.
_HTTP_MESSAGES = {
    400: "请求无法解析：请发送 UTF-8 编码的 JSON。",
    401: "需要登录或授权。",
    403: "没有权限。",
    404: "没有这个地址：接口说明见 /docs。",
    405: "不支持这种请求方法：接口说明见 /docs。",
    413: "请求内容过大。",
    415: "不支持的请求内容类型：请发送 JSON（content-type: application/json）。",
    429: "请求过于频繁，请稍后再试。",
}


def _error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    if request.url.path.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return JSONResponse(body, 400 if status == 422 else status, headers=headers)
    return JSONResponse({"detail": message}, status, headers=headers)


def _close_logs(state: AppState, *extra: object) -> None:
    """Write what the conversation logs still hold (or put it on disk, loudly) before exiting."""
    seen: set[int] = set()
    for candidate in (state.service.pipeline.recorder, state.service.log, *extra):
        close = getattr(candidate, "close", None)
        if candidate is None or id(candidate) in seen or not callable(close):
            continue
        seen.add(id(candidate))
        try:
            close()
        except Exception:  # shutting down: report and go on with the next one
            log.exception("conversation log did not close cleanly")


def create_app(
    pipeline: Pipeline,
    settings: Settings,
    *,
    log: FeedbackLog | None = None,
    reindex: Reindex | None = None,
    with_ui: bool = True,
) -> FastAPI:
    """FastAPI app with /api, /v1, /docs, /healthz, /readyz and (``with_ui``) the citizens' page at
    / and the staff pages (behind sign-in) at /staff/; every response has an ``X-Request-ID``."""
    shared = SharedDatabase(settings.resolved_log_url)  # what every app process shares between requests
    conversations = DatabaseConversations(shared, settings.conversation_minutes * 60)
    service = AssistantService(pipeline, log=log, store=conversations)
    state = AppState(settings=settings, service=service, reindex=reindex, shared=shared)
    state.channel = make_channel(state)
    staff = ChannelStaffAuth.from_settings(settings, state.channel.store)
    state.staff = staff

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        _close_logs(state)
        if state.channel is not None:
            state.channel.store.close()
        shared.close()

    app = FastAPI(
        title=f"{TITLE} API",
        description="政策文件问答接口：回答并引用原文条款。OpenAI 兼容接口见 /v1。",
        version="0.1.0",
        docs_url=None,  # served from local files below, not from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.assistant = state
    app.state.staff = staff

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if not isinstance(detail, str) or not _has_chinese(detail):
            detail = _HTTP_MESSAGES.get(exc.status_code, f"请求未能完成（HTTP {exc.status_code}）。")
        return _error_response(request, exc.status_code, detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger(__name__).exception("unexpected error on %s", request.url.path)
        return _error_response(request, 500, "服务内部出错，请稍后再试；如果一再出现，请联系管理员。")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = _validation_message(exc)
        if request.url.path.startswith("/v1/"):
            return JSONResponse(
                {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}},
                400,
            )
        return JSONResponse({"detail": message, "errors": jsonable_errors(exc)}, 422)

    add_offline_docs(app, TITLE)
    app.include_router(health_router(state))
    app.include_router(api_router(state))
    app.include_router(admin_router(state))
    app.include_router(citizen_channel_router(state))
    app.include_router(staff_api_router(state, staff))
    app.include_router(openai_router(state))
    _add_unknown_routes(app)
    app.add_middleware(RateLimitMiddleware, bucket=state.bucket, trusted=state.trusted)
    app.add_middleware(BodySizeMiddleware, max_bytes=settings.max_body_bytes)
    if with_ui:
        app.include_router(staff_router(staff))
        app.add_middleware(ChinesePageMiddleware, page_paths=("/", STAFF_PATH, STAFF_PATH + "/"))
        app.add_middleware(StaffGate, auth=staff)
        common = {
            "footer_links": [],
            "run_history": False,
            "show_error": True,
            "enable_monitoring": False,
            "mcp_server": False,
            "pwa": False,
            "theme": theme(),
            "css": CSS,
        }
        # the staff pages first: the citizens' page at / would otherwise take /staff too
        app = gr.mount_gradio_app(
            app,
            build_staff_blocks(state),
            path=STAFF_PATH,
            max_file_size="5mb",
            auth_dependency=staff.request_user,
            **common,
        )
        app = gr.mount_gradio_app(app, build_citizen_blocks(state), path="/", max_file_size="1mb", **common)
    app.add_middleware(RequestLogMiddleware)  # outermost: every request, its id on every response
    return app


def make_channel(state: AppState) -> ChannelService:
    """The consultation channel over the conversation log's database, answering from the
    pipeline the app serves now (a re-index swaps it)."""
    limits = Limits(per_client_per_hour=state.settings.channel_messages_per_hour)
    return ChannelService(
        ChannelStore(state.settings.resolved_log_url), lambda: state.service.pipeline, limits
    )


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _add_unknown_routes(app: FastAPI) -> None:
    """Unknown paths and methods under /api and /v1 answer in Chinese (404 / 405), in the route's
    format, instead of falling through to the page's own "Not Found"."""
    from starlette.routing import Match

    known = list(app.router.routes)

    def unknown(request: Request) -> JSONResponse:
        scope = dict(request.scope)
        allowed = [
            method
            for method in _METHODS
            if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in known)
        ]
        if allowed:
            return _error_response(
                request,
                405,
                f"不支持 {request.method} 请求：此地址接受 {'、'.join(allowed)}。",
                {"Allow": ", ".join(allowed)},
            )
        return _error_response(request, 404, _HTTP_MESSAGES[404])

    for prefix in ("/api", "/v1"):
        app.add_api_route(f"{prefix}/{{rest:path}}", unknown, methods=_METHODS, include_in_schema=False)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e.get("loc", ())), "type": e.get("type", "")} for e in exc.errors()]


def theme() -> gr.themes.Base:
    """Gradio's Soft theme with local CJK fonts (no web fonts: the page works offline)."""
    fonts = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])
