"""Gradio's own interface strings in Chinese, whatever the browser's language.

Gradio picks its interface language from ``navigator.language``; a small script placed first
in the page's ``<head>`` reports ``zh-CN`` so its built-in texts (loading, errors, upload,
copy, …) are shown in Chinese, and the document is marked ``lang="zh-CN"``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORCE_ZH = (
    b"<script>(function(){try{"
    b"Object.defineProperty(navigator,'language',{get:function(){return 'zh-CN';}});"
    b"Object.defineProperty(navigator,'languages',{get:function(){return ['zh-CN','zh'];}});"
    b"}catch(e){}})();</script>"
)


def localize_page(html: bytes) -> bytes:
    html = html.replace(b'lang="en"', b'lang="zh-CN"', 1)
    return html.replace(b"<head>", b"<head>" + FORCE_ZH, 1)


class ChinesePageMiddleware:
    """Rewrites the gradio page (the HTML answer of ``GET <mount path>``) as above."""

    def __init__(self, app: ASGIApp, page_paths: tuple[str, ...] = ("/",)) -> None:
        self.app = app
        self.page_paths = page_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or scope.get("path") not in self.page_paths
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                assert start is not None
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                content_type = dict(headers).get(b"content-type", b"")
                body = b"".join(chunks)
                if content_type.startswith(b"text/html"):
                    body = localize_page(body)
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, buffered)
