"""The web app: the JSON API, the OpenAI-compatible API and the gradio page on one FastAPI app.

Build it with :func:`create_app` from a pipeline (``assistant.factory.make_pipeline``), so tests
and benchmarks can pass their own.
"""

from __future__ import annotations

import logging

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from ui.admin import admin_router
from ui.api import api_router
from ui.blocks import CSS, TITLE, build_blocks
from ui.limits import BodySizeMiddleware, RateLimitMiddleware, TokenBucket
from ui.locale import ChinesePageMiddleware
from ui.openai_api import openai_router
from ui.service import AssistantService, FeedbackLog
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


def create_app(
    pipeline: Pipeline,
    settings: Settings,
    *,
    log: FeedbackLog | None = None,
    reindex: Reindex | None = None,
    with_ui: bool = True,
) -> FastAPI:
    """FastAPI app with /api, /v1, /docs and (``with_ui``) the gradio page at /."""
    state = AppState(settings=settings, service=AssistantService(pipeline, log=log), reindex=reindex)
    app = FastAPI(
        title=f"{TITLE} API",
        description="政策文件问答接口：回答并引用原文条款。OpenAI 兼容接口见 /v1。",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.assistant = state

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = _validation_message(exc)
        if request.url.path.startswith("/v1/"):
            return JSONResponse(
                {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}},
                400,
            )
        return JSONResponse({"detail": message, "errors": jsonable_errors(exc)}, 422)

    app.include_router(api_router(state))
    app.include_router(admin_router(state))
    app.include_router(openai_router(state))
    app.add_middleware(
        RateLimitMiddleware, bucket=TokenBucket(settings.rate_limit_per_minute, settings.rate_limit_burst)
    )
    app.add_middleware(BodySizeMiddleware, max_bytes=settings.max_body_bytes)
    if with_ui:
        app.add_middleware(ChinesePageMiddleware)
        blocks = build_blocks(state)
        app = gr.mount_gradio_app(
            app,
            blocks,
            path="/",
            footer_links=[],
            run_history=False,
            show_error=True,
            max_file_size="5mb",
            enable_monitoring=False,
            mcp_server=False,
            pwa=False,
            theme=theme(),
            css=CSS,
        )
    return app


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e.get("loc", ())), "type": e.get("type", "")} for e in exc.errors()]


def theme() -> gr.themes.Base:
    """Gradio's Soft theme with local CJK fonts (no web fonts: the page works offline)."""
    fonts = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])
