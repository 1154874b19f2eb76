"""Structured request logs: one JSON line per HTTP request, with a request id.

Every response carries ``X-Request-ID``: the caller's own id when it sent a sensible one (a load
balancer's or a client's, so its logs and ours can be joined), else a new one. The log line holds
what an operator needs and no personal data: no client address, no user agent, no query string
(a search's words are in it) and no body; the path is masked like everything else that is logged
(a phone number typed into a URL becomes 「[手机号]」) and cut to 200 characters.

:class:`RequestLogMiddleware` is plain ASGI, so streamed answers (``/v1`` with ``stream``, the
page's event stream) are not buffered; a request is logged when its response has been sent.
``policy-assistant serve`` writes the lines to stderr (:func:`configure_request_log`); apps built
in tests log nothing unless a handler is attached to the ``ui.requests`` logger.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.privacy import mask

HEADER = "X-Request-ID"
LOGGER = "ui.requests"

#: the id of the request being served (empty outside one); other log lines can include it
request_id: ContextVar[str] = ContextVar("request_id", default="")

_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

log = logging.getLogger(LOGGER)


def new_request_id() -> str:
    return uuid.uuid4().hex


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _GOOD_ID.fullmatch(text) else None
    return None


def loggable_path(path: str) -> str:
    """The path as it may be logged: personal data masked, at most 200 characters."""
    return mask(path[:400]).text[:200]


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        sent = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                route = scope.get("route")
                log.info(
                    "request",
                    extra={
                        "fields": {
                            "request_id": rid,
                            "method": scope.get("method", ""),
                            "path": loggable_path(str(scope.get("path", ""))),
                            "route": getattr(route, "path", None),
                            "status": status,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                            "bytes": sent,
                        }
                    },
                )
            request_id.reset(token)


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        elif request_id.get():
            entry["request_id"] = request_id.get()
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_request_log(stream: TextIO) -> logging.Handler:
    """Send the request log to ``stream`` as JSON lines (``serve`` passes stderr)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return handler
