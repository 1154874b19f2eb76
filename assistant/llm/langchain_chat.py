"""The :class:`~assistant.llm.chat_model.ChatModel` seam over langchain chat models.

This is the only module that imports ``langchain_core``, ``langchain_openai`` and ``openai``.
:class:`LangChainChatModel` wraps any langchain chat model (``ChatOpenAI``, or the fake chat
models of ``langchain_core.language_models.fake_chat_models`` in tests); :func:`openai_chat_model`
builds ``ChatOpenAI`` lazily, on first use, so constructing it needs no key and no network.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.answerer import AnswererUnavailable
from assistant.llm.chat_model import ChatMessage, Endpoint

log = logging.getLogger(__name__)

KEY_MISSING = (
    "没有配置大模型的 API 密钥：请设置环境变量 POLICY_LLM_API_KEY（或 OPENAI_API_KEY）；"
    "本地部署的 vLLM/Ollama 可填任意值。"
)


def _to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    kinds: dict[str, Callable[[str], BaseMessage]] = {
        "system": lambda c: SystemMessage(content=c),
        "user": lambda c: HumanMessage(content=c),
        "assistant": lambda c: AIMessage(content=c),
    }
    return [kinds[m.role](m.content) for m in messages]


def _reason(error: Exception) -> str:
    """A short, key-free reason for logs and the answer's ``fallback_reason``."""
    if isinstance(error, openai.APITimeoutError):
        return "大模型接口超时"
    if isinstance(error, openai.RateLimitError):
        return "大模型接口限流（429）"
    if isinstance(error, openai.AuthenticationError):
        return "大模型接口拒绝了密钥（401），请检查 POLICY_LLM_API_KEY"
    if isinstance(error, openai.APIStatusError):
        return f"大模型接口返回错误（HTTP {error.status_code}）"
    if isinstance(error, openai.APIConnectionError):
        return "无法连接大模型接口或连接中断"
    if isinstance(error, ValueError | TypeError | LookupError | AttributeError):
        return f"大模型接口返回了无法解析的内容（{type(error).__name__}）"
    return f"大模型接口出错（{type(error).__name__}）"


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content if b)
    return ""


class _Expired(Exception):
    """The attempt's deadline passed while waiting for the model."""


_END = object()


class _Call:
    """One model call run in a daemon thread, its results handed over a queue.

    A socket read blocked on a stalled endpoint cannot be interrupted, but the caller can stop
    waiting for it: :meth:`next` gives up at the deadline. The abandoned thread stops at its next
    chunk (``cancel``) or when the client's own read timeout ends the request.
    """

    def __init__(self, source: Callable[[], Iterable[object]], name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._cancelled = threading.Event()
        threading.Thread(target=self._run, args=(source,), name=f"chat-{name}", daemon=True).start()

    def _run(self, source: Callable[[], Iterable[object]]) -> None:
        iterator: Iterator[object] | None = None
        try:
            iterator = iter(source())
            for item in iterator:
                if self._cancelled.is_set():
                    return
                self._queue.put(("item", item))
            self._queue.put(("end", None))
        except BaseException as error:  # handed to the caller, who decides what it means
            self._queue.put(("error", error))
        finally:
            close = getattr(iterator, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()  # closes the HTTP response of a stream given up on

    def next(self, deadline: float) -> object:
        """The next item, ``_END``, or the call's exception; raises ``_Expired`` at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Expired
        try:
            kind, value = self._queue.get(timeout=remaining if remaining != math.inf else None)
        except queue.Empty:
            raise _Expired from None
        if kind == "error":
            assert isinstance(value, BaseException)
            raise value
        return _END if kind == "end" else value

    def cancel(self) -> None:
        self._cancelled.set()


def _once(call: Callable[[list[BaseMessage]], BaseMessage], prompt: list[BaseMessage]) -> list[BaseMessage]:
    return [call(prompt)]


def _retryable(error: Exception) -> bool:
    """A failure worth another request: the connection (refused, dropped), 408/409, 429, 5xx."""
    if isinstance(error, openai.APIStatusError):
        return error.status_code in {408, 409, 429} or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError | ConnectionError)


def _backoff(error: Exception, retry: int) -> float:
    """Seconds before retry number ``retry`` (0-based): the server's retry-after, else 0.25 s doubling."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    with contextlib.suppress(TypeError, ValueError):
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        if "retry-after" in headers:
            return max(0.0, float(headers["retry-after"]))
    return min(0.25 * 2**retry, 2.0)


class LangChainChatModel:
    """Adapts a langchain chat model to :class:`ChatModel`; every failure → AnswererUnavailable.

    ``factory`` builds the model on first use (so a missing key is reported then, not at
    construction). A stream that ends without a finish reason counts as cut off — unless
    ``require_finish_reason`` is false (langchain's fake chat models send none).

    ``timeout`` bounds the whole attempt — every request, the ``retries`` after fast failures
    (refused or dropped connection, 429, 5xx) and their backoff, and a streamed reply to its end:
    when it passes, the caller gets ``AnswererUnavailable`` at once, even if the endpoint is still
    silent or trickling. ``None``: no deadline (langchain's fake models in tests).
    """

    def __init__(
        self,
        factory: Callable[[], BaseChatModel],
        name: str = "chat-model",
        require_finish_reason: bool = True,
        timeout: float | None = None,
        retries: int = 0,
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise ValueError(f"expected a positive timeout in seconds; got {timeout}")
        if retries < 0:
            raise ValueError(f"expected retries >= 0; got {retries}")
        self._factory = factory
        self._model: BaseChatModel | None = None
        self._name = name
        self._require_finish_reason = require_finish_reason
        self._timeout = timeout
        self._retries = retries

    @classmethod
    def wrap(cls, model: BaseChatModel, require_finish_reason: bool = False) -> LangChainChatModel:
        return cls(lambda: model, name=type(model).__name__, require_finish_reason=require_finish_reason)

    @property
    def name(self) -> str:
        return self._name

    def _chat(self) -> BaseChatModel:
        if self._model is None:
            self._model = self._factory()
        return self._model

    def _deadline(self, started: float | None) -> float:
        if self._timeout is None:
            return math.inf
        return (time.monotonic() if started is None else started) + self._timeout

    def invoke(self, messages: Sequence[ChatMessage], started: float | None = None) -> str:
        began = time.monotonic()
        deadline = self._deadline(started)
        prompt = _to_langchain(messages)
        retry = 0
        while True:
            call: _Call | None = None
            try:
                chat = self._chat()
                if time.monotonic() >= deadline:  # spent already (by a follow-up's rewrite)
                    raise _Expired
                call = _Call(partial(_once, chat.invoke, prompt), self._name)
                reply = call.next(deadline)
                break
            except AnswererUnavailable:
                raise
            except _Expired:
                raise self._expired(began) from None
            except Exception as error:  # the adapter boundary: every model failure becomes one type
                if not self._may_retry(error, retry, deadline):
                    raise self._unavailable(error, began) from error
                retry += 1
            finally:
                if call is not None:
                    call.cancel()
        assert isinstance(reply, BaseMessage)
        text = _text_of(reply.content)
        if not text.strip():
            raise AnswererUnavailable("大模型返回了空回答")
        log.info("chat model replied", extra={"model": self._name, "chars": len(text), "ms": _ms(began)})
        return text

    def stream(self, messages: Sequence[ChatMessage], started: float | None = None) -> Iterator[str]:
        began = time.monotonic()
        deadline = self._deadline(started)
        prompt = _to_langchain(messages)
        finished = False
        chars = 0
        retry = 0
        while True:
            call: _Call | None = None
            try:
                chat = self._chat()
                if time.monotonic() >= deadline:  # spent already (by a follow-up's rewrite)
                    raise _Expired
                call = _Call(partial(chat.stream, prompt), self._name)
                while (chunk := call.next(deadline)) is not _END:
                    assert isinstance(chunk, BaseMessage)
                    if chunk.response_metadata.get("finish_reason"):
                        finished = True
                    delta = _text_of(chunk.content)
                    if delta:
                        chars += len(delta)
                        yield delta
                break
            except AnswererUnavailable:
                raise
            except _Expired:
                raise self._expired(began, chars) from None
            except Exception as error:
                # once text was shown, a retry would repeat it: a failure midway is final
                if chars or not self._may_retry(error, retry, deadline):
                    raise self._unavailable(error, began) from error
                retry += 1
            finally:
                if call is not None:
                    call.cancel()
        if self._require_finish_reason and not finished:
            log.warning(
                "chat stream ended without a finish reason", extra={"model": self._name, "chars": chars}
            )
            raise AnswererUnavailable("大模型的流式回答中途中断")
        if chars == 0:
            raise AnswererUnavailable("大模型返回了空回答")

    def _may_retry(self, error: Exception, retry: int, deadline: float) -> bool:
        """Sleep before a retry and say so; false when no retry is left, due, or fits the deadline."""
        if retry >= self._retries or not _retryable(error):
            return False
        pause = _backoff(error, retry)
        if time.monotonic() + pause >= deadline:
            return False
        log.info(
            "retrying the chat model",
            extra={"model": self._name, "retry": retry + 1, "error": type(error).__name__, "pause_s": pause},
        )
        time.sleep(pause)
        return True

    def _expired(self, began: float, chars: int = 0) -> AnswererUnavailable:
        reason = f"大模型接口超时（{self._timeout:g} 秒内没有完成回答）"
        log.warning(
            "chat model deadline passed",
            extra={"model": self._name, "reason": reason, "chars": chars, "ms": _ms(began)},
        )
        return AnswererUnavailable(reason)

    def _unavailable(self, error: Exception, started: float) -> AnswererUnavailable:
        reason = _reason(error)
        log.warning(
            "chat model unavailable",
            extra={"model": self._name, "reason": reason, "error": type(error).__name__, "ms": _ms(started)},
        )
        return AnswererUnavailable(reason)


def openai_chat_model(endpoint: Endpoint) -> LangChainChatModel:
    """``ChatOpenAI`` for any OpenAI-compatible endpoint, built on first use."""

    def build() -> BaseChatModel:
        if not endpoint.api_key:
            raise AnswererUnavailable(KEY_MISSING)
        return ChatOpenAI(
            model=endpoint.model,
            base_url=endpoint.base_url,
            api_key=SecretStr(endpoint.api_key),
            # each read gives up after the whole budget at most (an abandoned request ends then);
            # retries are ours, so that they stay within the same deadline
            timeout=endpoint.timeout,
            max_retries=0,
            temperature=endpoint.temperature,
        )

    return LangChainChatModel(
        build,
        name=endpoint.model,
        require_finish_reason=True,
        timeout=endpoint.timeout,
        retries=endpoint.retries,
    )


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
