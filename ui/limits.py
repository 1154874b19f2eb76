"""Request limits of the HTTP API: body size, a readable body, and a per-client token bucket.

All are plain ASGI middleware so they hold for every route under the guarded prefixes,
including streaming ones, before any body is parsed.

Who the client is: the connection's address. ``X-Forwarded-For`` is read only when the
connection comes from a configured proxy (``POLICY_TRUSTED_PROXIES``): then the client is the
right-most address in the header that is not itself a trusted proxy, so a client cannot rotate
the header to get a fresh bucket.
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GUARDED_PREFIXES = ("/api/", "/v1/", "/staff/login")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` → networks; raises ValueError naming a bad entry."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    networks: list[Network] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"POLICY_TRUSTED_PROXIES 中的 {item!r} 不是 IP 地址或网段（例如 10.0.0.1 或 10.0.0.0/8）"
            ) from exc
    return tuple(networks)


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_address(peer: str | None, headers: Mapping[str, str], trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy — then the right-most
    address of ``X-Forwarded-For`` that is not a trusted proxy (the one the proxy saw)."""
    address = peer or "unknown"
    if not trusted or not _in(address, trusted):
        return address
    forwarded = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        if not _in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # a garbled header: count it against the proxy, not a made-up name
    return address


def scope_client(scope: Scope, trusted: tuple[Network, ...]) -> str:
    client = scope.get("client")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    return client_address(client[0] if client else None, headers, trusted)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Limiter(Protocol):
    """A per-client rate limit: this process's :class:`TokenBucket`, or the shared database's
    ``ui.shared_state.DatabaseBucket`` that every app process counts in."""

    @property
    def enabled(self) -> bool: ...

    def take(self, key: str) -> Decision: ...


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


def too_many_message(retry_after: float) -> tuple[int, str]:
    wait = max(1, math.ceil(retry_after))
    return wait, f"请求过于频繁，请 {wait} 秒后再试。"


class RateLimitMiddleware:
    """429 with ``Retry-After`` when a client (by IP, see :func:`client_address`) has used up its bucket."""

    def __init__(self, app: ASGIApp, bucket: Limiter, trusted: tuple[Network, ...] = ()) -> None:
        self.app = app
        self.bucket = bucket
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope) or not self.bucket.enabled:
            await self.app(scope, receive, send)
            return
        # the shared bucket is a database round trip: off the event loop
        decision = await anyio.to_thread.run_sync(self.bucket.take, scope_client(scope, self.trusted))
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        wait, message = too_many_message(decision.retry_after)
        await _send_json(send, 429, message, headers={"Retry-After": str(wait)})


async def send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    """A Chinese error in the route's own format: OpenAI's under /v1, ``{"detail"}`` elsewhere."""
    if str(scope.get("path", "")).startswith("/v1/"):
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        body = json.dumps(
            {"error": {"message": message, "type": kind, "param": None, "code": None}}, ensure_ascii=False
        ).encode()
        raw = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        return
    await _send_json(send, status, message)


class BodySizeMiddleware:
    """413 for a request body over ``max_bytes``, 422 (400 under /v1) for a JSON body that is not
    UTF-8 — both with a Chinese message, before any route reads the body.

    The body is read here in full (it is small: ``max_bytes``), whether or not it announced its
    length, and handed on to the route unchanged.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"请求内容过大（上限 {self.max_bytes // 1024} KB），请缩短问题后重试。"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await send_error(scope, send, 413, self._message())
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                await send_error(scope, send, 413, self._message())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").lower()
        if body and b"json" in content_type:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                status = 400 if str(scope.get("path", "")).startswith("/v1/") else 422
                await send_error(
                    scope, send, status, "请求内容不是有效的 UTF-8 编码：请以 UTF-8 发送 JSON 请求。"
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
