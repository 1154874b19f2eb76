"""``/docs`` without a CDN: the Swagger UI files come from an installed package.

FastAPI's own ``/docs`` page loads Swagger UI's JavaScript and CSS from a CDN, which a machine
that reaches only package registries (or a city's intranet) cannot load: the page stays blank.
The ``fastapi-offline`` package (MIT) ships those files (Swagger UI 5, which reads OpenAPI 3.1);
they are served here under ``/docs/assets/`` and the page is FastAPI's own HTML pointing at them
— FastAPI's documented self-hosting pattern, without its ``FastAPIOffline`` app factory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = DOCS_PATH + "/assets"


def swagger_assets() -> Path:
    """The folder of Swagger UI's files inside the installed ``fastapi_offline`` package."""
    return Path(str(files("fastapi_offline") / "static"))


def add_offline_docs(app: FastAPI, title: str) -> None:
    """Serve Swagger UI at ``/docs`` from local files (create ``app`` with ``docs_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or DOCS_PATH + "/oauth2-redirect"
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_assets()), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · 接口文档",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )
        return HTMLResponse(bytes(page.body).decode("utf-8").replace("<html>", '<html lang="zh-CN">', 1))

    @app.get(redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
