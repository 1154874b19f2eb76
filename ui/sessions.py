"""Server-side conversations for the API: conversation id → :class:`Conversation`, bounded."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from assistant.conversation import Conversation


class ConversationStore:
    """The newest ``capacity`` conversations, each dropped after ``ttl_seconds`` without a turn.

    Conversation ids are issued by the server (128 random bits) and are the only key to a
    conversation's context. An id the store does not know — expired, from before a restart, or
    made up by a client — starts a fresh conversation under a *new* id, so it reveals nothing,
    and two clients never share a context by choosing the same id. Clients use the id each
    answer returns.
    """

    def __init__(
        self,
        factory: Callable[[], Conversation],
        capacity: int = 2000,
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"expected capacity >= 1; got {capacity}")
        self._factory = factory
        self._capacity = capacity
        self._ttl = ttl_seconds
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, Conversation, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str | None) -> tuple[Conversation, threading.Lock]:
        """The conversation (and its lock, so turns of one conversation run in order)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            if conversation_id and conversation_id in self._items:
                _, conversation, lock = self._items.pop(conversation_id)
            else:
                conversation = self._factory()
                conversation.conversation_id = uuid.uuid4().hex  # never the client's choice
                lock = threading.Lock()
            self._items[conversation.conversation_id] = (now, conversation, lock)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
            return conversation, lock

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _expire(self, now: float) -> None:
        while self._items:
            first = next(iter(self._items))
            if now - self._items[first][0] <= self._ttl:
                break
            self._items.pop(first)
