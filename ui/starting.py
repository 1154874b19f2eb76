"""What ``serve`` answers while it loads the corpus and builds or updates the index.

``serve`` listens at once (so a load balancer sees a live process, and a busy port is known
before any work), answers with this small ASGI app until the pipeline is ready, then hands the
same listening socket to the real app. Meanwhile:

- ``/healthz`` → 200 ``{"status": "ok"}`` (alive);
- ``/readyz`` → 503 with ``reason`` 「正在加载政策文件并建立索引…」 (not ready);
- a page → a short Chinese page that reloads itself every 5 seconds;
- anything else → 503 ``{"detail": "服务正在启动…"}`` with ``Retry-After: 5``.
"""

from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from ui.health import Check, readiness_body
from ui.requestlog import RequestLogMiddleware

PREPARING = "正在加载政策文件并建立（或更新）索引，完成后即可提问。"
STARTING = "服务正在启动：" + PREPARING + "请稍后再试。"
PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<meta http-equiv="refresh" content="5"><meta name="viewport" content="width=device-width">'
    "<title>政策咨询助手 · 正在启动</title></head><body><p>政策咨询助手正在启动："
    + PREPARING
    + "本页会自动刷新。</p></body></html>"
)


async def _starting(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":  # nothing to start or stop
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] == "websocket":  # not yet: "try again later"
        await send({"type": "websocket.close", "code": 1013})
        return
    path = scope.get("path", "")
    accept = dict(scope.get("headers", ())).get(b"accept", b"")
    status, kind, body = 503, "application/json", b""
    if path == "/healthz":
        status, body = 200, json.dumps({"status": "ok"}).encode()
    elif path == "/readyz":
        checks = {"index": Check(False, PREPARING), "database": Check(False, "启动完成后检查。")}
        body = json.dumps(readiness_body(checks), ensure_ascii=False).encode()
    elif scope.get("method") == "GET" and b"text/html" in accept:
        kind, body = "text/html", PAGE.encode()
    else:
        body = json.dumps({"detail": STARTING}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", f"{kind}; charset=utf-8".encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 503:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def starting_app() -> RequestLogMiddleware:
    """The app ``serve`` answers with until the pipeline is ready (logged like the real one)."""
    return RequestLogMiddleware(_starting)
