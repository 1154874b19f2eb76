"""Server-side conversations for the API: conversation id → the turns a follow-up is read in.

Two stores with one contract — ``load(id)`` and ``save(conversation, new_turns)``: this one in
the process's memory (for a pipeline served without a database, and for tests), and
``ui.shared_state.DatabaseConversations`` in the shared database, which the web app uses so that
every app process behind a load balancer knows every conversation.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.conversation import Conversation, Turn

#: turns of a conversation kept for the next one (the follow-up rule reads the last in-scope turn)
KEPT_TURNS = 20


class Conversations(Protocol):
    """Conversation ids are issued by the server (128 random bits) and are the only key to a
    conversation's context. An id the store does not know — expired, from before a restart, or
    made up by a client — starts a fresh conversation under a *new* id, so it reveals nothing,
    and two clients never share a context by choosing the same id."""

    def load(self, conversation_id: str | None) -> Conversation: ...

    def save(self, conversation: Conversation, new_turns: Sequence[Turn]) -> None: ...


class ConversationStore:
    """The newest ``capacity`` conversations in memory, each dropped after ``ttl_seconds`` without a turn."""

    def __init__(
        self,
        capacity: int = 2000,
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"expected capacity >= 1; got {capacity}")
        self._capacity = capacity
        self._ttl = ttl_seconds
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, tuple[Turn, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, conversation_id: str | None) -> Conversation:
        with self._lock:
            self._expire(self._clock())
            if conversation_id and conversation_id in self._items:
                return Conversation(
                    conversation_id=conversation_id, turns=list(self._items[conversation_id][1])
                )
        return Conversation(conversation_id=uuid.uuid4().hex)  # never the client's choice

    def save(self, conversation: Conversation, new_turns: Sequence[Turn]) -> None:
        now = self._clock()
        with self._lock:
            _, turns = self._items.pop(conversation.conversation_id, (now, ()))
            self._items[conversation.conversation_id] = (now, (*turns, *new_turns)[-KEPT_TURNS:])
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _expire(self, now: float) -> None:
        while self._items:
            first = next(iter(self._items))
            if now - self._items[first][0] <= self._ttl:
                break
            self._items.pop(first)
