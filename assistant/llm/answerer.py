"""The chat-model answerer: a fluent answer under the same citation rules as the extractive one.

``answer(request)`` asks the model for the whole text; ``stream_text(request)`` yields its deltas
so the pipeline can show verified sentences as they arrive, parsing each with
``draft_from_text``. Model failures raise :class:`~assistant.answerer.AnswererUnavailable`; the
pipeline then falls back to the extractive answerer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from assistant.answerer import AnswererUnavailable, AnswerRequest, Draft
from assistant.llm import citations
from assistant.llm.chat_model import ChatMessage, ChatModel
from assistant.llm.prompt import build_messages
from assistant.models import Mode

log = logging.getLogger(__name__)


class LLMAnswerer:
    """Implements :class:`~assistant.answerer.Answerer` (``mode == "llm"``) over a :class:`ChatModel`."""

    def __init__(self, chat: ChatModel, history_turns: int = 2, max_article_chars: int = 1500) -> None:
        if history_turns < 0:
            raise ValueError(f"expected history_turns >= 0; got {history_turns}")
        if max_article_chars < 200:
            raise ValueError(f"expected max_article_chars >= 200; got {max_article_chars}")
        self._chat = chat
        self._history_turns = history_turns
        self._max_article_chars = max_article_chars

    @property
    def mode(self) -> Mode:
        return "llm"

    @property
    def model_name(self) -> str:
        return self._chat.name

    def answer(self, request: AnswerRequest) -> Draft:
        text = self._chat.invoke(self._messages(request), started=request.budget_started)
        return self.draft_from_text(text, request)

    def stream_text(self, request: AnswerRequest) -> Iterator[str]:
        """Raw text deltas from the model; raises AnswererUnavailable, also midway."""
        yield from self._chat.stream(self._messages(request), started=request.budget_started)

    def draft_from_text(self, text: str, request: AnswerRequest) -> Draft:
        """Parse a complete or partial model text into a draft with resolved citations."""
        return citations.draft_from_text(text, request)

    def _messages(self, request: AnswerRequest) -> list[ChatMessage]:
        if not request.hits:
            raise AnswererUnavailable("没有检索到可引用的条款，无法生成回答")
        return build_messages(request, self._history_turns, self._max_article_chars)
