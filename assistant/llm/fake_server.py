"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests and demos.

It speaks enough of the OpenAI protocol for the real ``openai``/``langchain-openai`` client
stack: ``POST /v1/chat/completions`` (a ``chat.completion`` JSON body, or ``chat.completion.chunk``
server-sent events ending with ``data: [DONE]`` when ``"stream": true``) and ``GET /v1/models``.
Each request takes the next scripted :class:`Reply` (or the default responder when the script
is empty), so a test can make the endpoint answer, stall, rate-limit, fail, close the
connection, send garbage or cut a stream midway. Every request it receives is recorded, so a
test can prove what did (and did not) leave the machine::

    with FakeOpenAIServer() as server:
        server.enqueue(Reply.answer("……[1]。"), Reply.error(503))
        settings = Settings(llm_base_url=server.base_url, llm_api_key="test")
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

log = logging.getLogger(__name__)

ReplyKind = Literal["text", "error", "stall", "close", "not_json", "empty_choices", "cut", "stall_midway"]


@dataclass(frozen=True)
class Reply:
    """What the server does with one chat request."""

    kind: ReplyKind = "text"
    text: str = ""
    status: int = 200
    delay: float = 0.0
    cut_after: int = 2  # stream chunks sent before a "cut" or a "stall_midway"
    chunk_chars: int = 4  # characters per streamed delta
    interval: float = 0.0  # seconds between streamed chunks (a slow, trickling endpoint)
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def answer(cls, text: str) -> Reply:
        return cls("text", text)

    @classmethod
    def error(cls, status: int, retry_after_ms: int = 20) -> Reply:
        """An error status (429, 500, 503 …) with an OpenAI-style error body."""
        return cls("error", status=status, headers=(("retry-after-ms", str(retry_after_ms)),))

    @classmethod
    def stall(cls, seconds: float, text: str = "迟到的回答[1]。") -> Reply:
        """Sleep ``seconds`` before answering (to outlast the client's timeout)."""
        return cls("stall", text, delay=seconds)

    @classmethod
    def stall_midway(cls, text: str, after_chunks: int = 2, seconds: float = 60.0) -> Reply:
        """Stream ``after_chunks`` deltas of ``text``, fall silent for ``seconds``, then finish
        (a non-streaming request just stalls ``seconds``)."""
        return cls("stall_midway", text, delay=seconds, cut_after=after_chunks)

    @classmethod
    def trickle(cls, text: str, interval: float, chunk_chars: int = 1) -> Reply:
        """Stream ``text`` slowly: ``chunk_chars`` characters every ``interval`` seconds — each
        read is quick, but the whole reply takes long."""
        return cls("text", text, chunk_chars=chunk_chars, interval=interval)

    @classmethod
    def close(cls) -> Reply:
        """Close the connection without answering."""
        return cls("close")

    @classmethod
    def not_json(cls) -> Reply:
        return cls("not_json")

    @classmethod
    def empty_choices(cls) -> Reply:
        return cls("empty_choices")

    @classmethod
    def cut(cls, text: str, after_chunks: int = 2) -> Reply:
        """Stream ``after_chunks`` deltas of ``text``, then drop the connection (no [DONE])."""
        return cls("cut", text, cut_after=after_chunks)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: dict[str, Any] | None
    authorized: bool  # an Authorization header was sent (its value is never recorded)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    @property
    def raw(self) -> str:
        """The request body as sent, for "this string never left the machine" assertions."""
        return json.dumps(self.body, ensure_ascii=False) if self.body is not None else ""


Responder = Callable[[dict[str, Any]], Reply]


def cite_first_article(body: dict[str, Any]) -> Reply:
    """Default responder: answer with a sentence of article [1] of the prompt, cited as [1]."""
    user = next((m["content"] for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    match = re.search(r"^\[1\][^\n]*\n(.+?)(?:\n\n|\n\[2\]|$)", str(user), re.S | re.M)
    if not match:
        return Reply.answer("提供的条款没有涉及这个问题，请咨询文件的发布机关。")
    sentences = [s for s in re.findall(r"[^。；;]+[。；;]", match.group(1)) if len(s.strip()) > 4]
    body_sentences = sentences[1:] or sentences  # skip the 「（一）标题。」 heading sentence
    if not body_sentences:
        return Reply.answer("提供的条款没有涉及这个问题，请咨询文件的发布机关。")
    return Reply.answer(f"根据所提供的条款，{body_sentences[0].strip().rstrip('。；;')}[1]。")


class _QuietServer(ThreadingHTTPServer):
    """A client closing its keep-alive connection is normal here, not a traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@dataclass
class _State:
    script: deque[Reply] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class FakeOpenAIServer:
    """A real HTTP server in a background thread, bound to 127.0.0.1 on a free port."""

    def __init__(self, model: str = "fake-model", default: Responder = cite_first_article) -> None:
        self.model = model
        self.default = default
        self._state = _State()
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        handler = _handler_class(self)
        httpd = _QuietServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        log.debug("fake OpenAI server listening", extra={"port": self.port})
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake server is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting and records ------------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        with self._state.lock:
            self._state.script.extend(replies)

    def reset(self) -> None:
        with self._state.lock:
            self._state.script.clear()
            self._state.requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _record(self, request: RecordedRequest) -> None:
        with self._state.lock:
            self._state.requests.append(request)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._state.lock:
            if self._state.script:
                return self._state.script.popleft()
        return self.default(body)


def _handler_class(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        fake = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeOpenAIServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        log.debug("fake server: " + format, *args)

    def do_GET(self) -> None:
        self.fake._record(RecordedRequest("GET", self.path, None, "Authorization" in self.headers))
        if self.path.rstrip("/").endswith("/models"):
            models = {
                "object": "list",
                "data": [{"id": self.fake.model, "object": "model", "created": 0, "owned_by": "fake"}],
            }
            self._send_json(200, models)
        else:
            self._send_json(404, _error_body("not found", "invalid_request_error"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        self.fake._record(RecordedRequest("POST", self.path, body, "Authorization" in self.headers))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, _error_body("not found", "invalid_request_error"))
            return
        reply = self.fake._next_reply(body)
        try:
            self._reply(reply, body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            log.debug("fake server: client went away")

    # -- replies -------------------------------------------------------------------------------
    def _reply(self, reply: Reply, body: dict[str, Any]) -> None:
        stalls = reply.kind == "stall" or (reply.kind == "stall_midway" and not body.get("stream"))
        if stalls and self.fake._state.stopping.wait(reply.delay):
            return
        if reply.kind == "close":
            self.close_connection = True
            self.connection.close()
            return
        if reply.kind == "error":
            kind = "rate_limit_error" if reply.status == 429 else "server_error"
            self._send_json(reply.status, _error_body(f"scripted {reply.status}", kind), reply.headers)
            return
        if reply.kind == "not_json":
            self._send_raw(200, b"<html>502 Bad Gateway</html>", "application/json")
            return
        model = str(body.get("model") or self.fake.model)
        if reply.kind == "empty_choices":
            payload = _completion(model, "")
            payload["choices"] = []
            self._send_json(200, payload)
            return
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(model, reply, include_usage)
        else:
            self._send_json(200, _completion(model, reply.text))

    def _stream(self, model: str, reply: Reply, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        events = list(_chunks(cid, model, reply.text, reply.chunk_chars, include_usage))
        for n, event in enumerate(events):
            if reply.kind == "cut" and n >= reply.cut_after:
                self.wfile.flush()
                self.close_connection = True
                self.connection.close()  # no terminating chunk: the client sees a broken stream
                return
            pause = reply.delay if reply.kind == "stall_midway" and n == reply.cut_after else 0.0
            if n and reply.interval:
                pause += reply.interval
            if pause and self.fake._state.stopping.wait(pause):
                return
            self._write_chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _usage(text: str) -> dict[str, int]:
    return {"prompt_tokens": 10, "completion_tokens": len(text), "total_tokens": 10 + len(text)}


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(text),
    }


def _chunks(cid: str, model: str, text: str, size: int, include_usage: bool) -> Iterator[dict[str, Any]]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""}, None)
    for i in range(0, len(text), max(1, size)):
        yield chunk({"content": text[i : i + size]}, None)
    yield chunk({}, "stop")
    if include_usage:
        last = chunk({}, None)
        last["choices"] = []
        last["usage"] = _usage(text)
        yield last
