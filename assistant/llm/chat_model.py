"""The chat-model seam: a list of messages in, text (or text deltas) out.

Answerers and condensers depend on :class:`ChatModel` only. The adapter in
:mod:`assistant.llm.langchain_chat` implements it over langchain chat models — ``ChatOpenAI``
for any OpenAI-compatible endpoint, or langchain's fake chat models in unit tests. Every failure
of the model (timeout, rate limit, server error, malformed or cut-off reply, missing key) is
raised as :class:`~assistant.answerer.AnswererUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


class ChatModel(Protocol):
    @property
    def name(self) -> str: ...

    def invoke(self, messages: Sequence[ChatMessage]) -> str:
        """The complete reply text; raises AnswererUnavailable."""
        ...

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        """Text deltas as the model writes them; raises AnswererUnavailable, also midway."""
        ...


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach an OpenAI-compatible chat endpoint (from :class:`Settings`)."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 20.0
    retries: int = 1
    temperature: float = 0.1

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"expected a positive timeout in seconds; got {self.timeout}")
        if self.retries < 0:
            raise ValueError(f"expected retries >= 0; got {self.retries}")
        if not self.model:
            raise ValueError("expected a model name (POLICY_LLM_MODEL); got an empty string")

    def __repr__(self) -> str:  # never show the key
        key = "set" if self.api_key else "missing"
        return f"Endpoint(model={self.model!r}, base_url={self.base_url!r}, api_key={key})"
