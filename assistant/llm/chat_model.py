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

    def invoke(self, messages: Sequence[ChatMessage], started: float | None = None) -> str:
        """The complete reply text; raises AnswererUnavailable.

        ``started`` is the ``time.monotonic()`` at which the time budget began (set back by what a
        follow-up's rewrite spent, so that the rewrite and the answer share one deadline);
        default: now.
        """
        ...

    def stream(self, messages: Sequence[ChatMessage], started: float | None = None) -> Iterator[str]:
        """Text deltas as the model writes them; raises AnswererUnavailable, also midway
        (``started`` as for :meth:`invoke`: the whole stream must end within the budget)."""
        ...


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach an OpenAI-compatible chat endpoint (from :class:`Settings`)."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    #: seconds for the whole attempt to get an answer (POLICY_LLM_TIMEOUT): every request, the
    #: retries, their backoff and a streamed reply to its end; then the extractive fallback
    timeout: float = 20.0
    #: retries after a fast failure (refused or dropped connection, 429, 5xx), within ``timeout``
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
