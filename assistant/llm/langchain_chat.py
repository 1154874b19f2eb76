"""The :class:`~assistant.llm.chat_model.ChatModel` seam over langchain chat models.

This is the only module that imports ``langchain_core``, ``langchain_openai`` and ``openai``.
:class:`LangChainChatModel` wraps any langchain chat model (``ChatOpenAI``, or the fake chat
models of ``langchain_core.language_models.fake_chat_models`` in tests); :func:`openai_chat_model`
builds ``ChatOpenAI`` lazily, on first use, so constructing it needs no key and no network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence

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


class LangChainChatModel:
    """Adapts a langchain chat model to :class:`ChatModel`; every failure → AnswererUnavailable.

    ``factory`` builds the model on first use (so a missing key is reported then, not at
    construction). A stream that ends without a finish reason counts as cut off — unless
    ``require_finish_reason`` is false (langchain's fake chat models send none).
    """

    def __init__(
        self,
        factory: Callable[[], BaseChatModel],
        name: str = "chat-model",
        require_finish_reason: bool = True,
    ) -> None:
        self._factory = factory
        self._model: BaseChatModel | None = None
        self._name = name
        self._require_finish_reason = require_finish_reason

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

    def invoke(self, messages: Sequence[ChatMessage]) -> str:
        started = time.perf_counter()
        try:
            reply = self._chat().invoke(_to_langchain(messages))
        except AnswererUnavailable:
            raise
        except Exception as error:  # the adapter boundary: every model failure becomes one type
            raise self._unavailable(error, started) from error
        text = _text_of(reply.content)
        if not text.strip():
            raise AnswererUnavailable("大模型返回了空回答")
        log.info("chat model replied", extra={"model": self._name, "chars": len(text), "ms": _ms(started)})
        return text

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        started = time.perf_counter()
        finished = False
        chars = 0
        try:
            for chunk in self._chat().stream(_to_langchain(messages)):
                if chunk.response_metadata.get("finish_reason"):
                    finished = True
                delta = _text_of(chunk.content)
                if delta:
                    chars += len(delta)
                    yield delta
        except AnswererUnavailable:
            raise
        except Exception as error:
            raise self._unavailable(error, started) from error
        if self._require_finish_reason and not finished:
            log.warning(
                "chat stream ended without a finish reason", extra={"model": self._name, "chars": chars}
            )
            raise AnswererUnavailable("大模型的流式回答中途中断")
        if chars == 0:
            raise AnswererUnavailable("大模型返回了空回答")

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
            timeout=endpoint.timeout,
            max_retries=endpoint.retries,
            temperature=endpoint.temperature,
        )

    return LangChainChatModel(build, name=endpoint.model, require_finish_reason=True)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
