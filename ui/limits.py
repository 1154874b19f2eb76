"""Request limits of the HTTP API: body size and a per-client token bucket.

Both are plain ASGI middleware so they hold for every route under the guarded prefixes,
including streaming ones, before any body is parsed.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GUARDED_PREFIXES = ("/api/", "/v1/")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class TokenBucket:
    """``rate_per_minute`` requests per minute per key, bursts up to ``burst``; ``rate_per_minute=0`` disables."""

    def __init__(
        self,
        rate_per_minute: float,
        burst: int,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute < 0:
            raise ValueError(f"expected rate_per_minute >= 0; got {rate_per_minute}")
        if burst < 1:
            raise ValueError(f"expected burst >= 1; got {burst}")
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> Decision:
        if not self.enabled:
            return Decision(True)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                allowed = Decision(True)
            else:
                self._buckets[key] = (tokens, now)
                allowed = Decision(False, retry_after=(1.0 - tokens) / self.rate)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return allowed


def _guarded(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope.get("path", "")).startswith(GUARDED_PREFIXES)


async def _send_json(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RateLimitMiddleware:
    """429 with ``Retry-After`` when a client (by IP) has used up its bucket."""

    def __init__(self, app: ASGIApp, bucket: TokenBucket) -> None:
        self.app = app
        self.bucket = bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope) or not self.bucket.enabled:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        decision = self.bucket.take(key)
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        wait = max(1, math.ceil(decision.retry_after))
        await _send_json(send, 429, f"请求过于频繁，请 {wait} 秒后再试。", headers={"Retry-After": str(wait)})


class BodyTooLarge(Exception):
    pass


class BodySizeMiddleware:
    """413 for a request body over ``max_bytes`` (by Content-Length, or counted while it streams in)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"请求内容过大（上限 {self.max_bytes // 1024} KB），请缩短问题后重试。"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _send_json(send, 413, self._message())
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _send_json(send, 413, self._message())
