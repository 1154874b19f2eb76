"""Multi-turn conversations and the deterministic follow-up rule.

「那需要什么条件？」 only makes sense after the turn it follows. The rule: a question that
opens like a follow-up (那/那么/如果/还有…), points back (这个/该/上述…) or carries almost no
topic words of its own is read together with the last in-scope turn; a question with a topic
of its own starts afresh. Declined turns are skipped, so an out-of-scope turn does not
poison the next one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

_OPENER = re.compile(
    r"^(那|那么|那如果|那要是|如果|要是|假如|还有|另外|此外|然后|再问|再请问|同样|这个|那个|这些|该|它|其|"
    r"and\b|what about|how about|then\b|also\b|if\b)",
    re.I,
)
_POINTER = re.compile(
    r"这个|那个|这些|那些|上述|上面|前面|刚才|该项|该政策|它|这项|此项|\bit\b|\bthat\b|\bthis\b", re.I
)
_TRAILING_NE = re.compile(r"呢\s*[？?]?\s*$")
_OTHER = re.compile(r"别的|其他|其它|另外的|还有什么|还有哪些|还有别|other|else", re.I)


@dataclass(frozen=True)
class Turn:
    question: str
    standalone: str
    answer: str = ""
    articles: tuple[tuple[str, str], ...] = ()
    refused: bool = False


@dataclass
class Conversation:
    """The turns of one chat. Pass the same object to ``Pipeline.ask`` for each turn."""

    conversation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[Turn] = field(default_factory=list)

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)

    def last_in_scope(self) -> Turn | None:
        return next((t for t in reversed(self.turns) if not t.refused), None)

    def history(self, limit: int = 3) -> tuple[tuple[str, str], ...]:
        """(question, answer) of the latest in-scope turns, oldest first."""
        kept = [t for t in self.turns if not t.refused][-limit:]
        return tuple((t.standalone, t.answer) for t in kept)


@dataclass(frozen=True)
class Resolution:
    """A question read in context: what to retrieve with, and which earlier articles matter."""

    standalone: str
    follow_up: bool
    carry: tuple[tuple[str, str], ...] = ()  # articles of the previous turn, when nothing new is named
    exclude_previous: bool = False  # 「还有别的…」: look beyond the previous articles
    names_topic: bool = False  # the follow-up brings topic words of its own (「人工智能方面的呢」)


class Condenser(Protocol):
    """Reads a question in the context of its conversation (the rule, or a chat model)."""

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str: ...

    def resolve(self, question: str, conversation: Conversation | None) -> Resolution: ...

    def resume(self, question: str, conversation: Conversation | None) -> Resolution | None: ...


class RuleCondenser:
    """Deterministic follow-up resolution: topic and article carry-over.

    ``topic_terms`` gives a question's *specific* topic words — words of the loaded documents
    that only a few articles use (集成电路, 薪酬, 学徒制), not ones every article has (人才,
    补贴, 申请). A question with none of its own is a follow-up; one that opens like a
    follow-up, points back or ends in 「…呢」 is one unless it brings several of its own.
    """

    def __init__(self, topic_terms: Callable[[str], list[str]], max_follow_up_terms: int = 2) -> None:
        self._topic_terms = topic_terms
        self._max_follow_up_terms = max_follow_up_terms

    def resolve(self, question: str, conversation: Conversation | None) -> Resolution:
        previous = conversation.last_in_scope() if conversation else None
        if previous is None:
            return Resolution(question, follow_up=False)
        own_terms = self._topic_terms(question)
        marked = bool(
            _OPENER.search(question.strip()) or _POINTER.search(question) or _TRAILING_NE.search(question)
        )
        if own_terms and not marked:
            return Resolution(question, follow_up=False)
        if len(own_terms) > self._max_follow_up_terms:
            return Resolution(question, follow_up=False)
        topic = _topic_of(previous.standalone)
        return Resolution(
            standalone=f"{topic} {question}".strip(),
            follow_up=True,
            carry=() if own_terms else previous.articles,
            exclude_previous=bool(_OTHER.search(question)),
            names_topic=bool(own_terms),
        )

    def resume(self, question: str, conversation: Conversation | None) -> Resolution | None:
        """The question as a follow-up after all, when every topic word of its own was said in the
        previous answer (「创业有什么扶持」 then 「贷款额度多少」: 贷款 was in the quoted
        「创业担保贷款」) — for a question that, read alone, is off the documents' topic."""
        previous = conversation.last_in_scope() if conversation else None
        own_terms = self._topic_terms(question)
        if previous is None or not own_terms or not all(t in previous.answer for t in own_terms):
            return None
        return Resolution(
            standalone=f"{_topic_of(previous.standalone)} {question}".strip(),
            follow_up=True,
            names_topic=True,
        )

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """Standalone question from plain (question, answer) history — for callers without a Conversation."""
        conversation = Conversation(turns=[Turn(q, q, a) for q, a in history])
        return self.resolve(question, conversation).standalone


def _topic_of(standalone: str, limit: int = 80) -> str:
    """The previous question without its question words, kept short so topics do not pile up."""
    topic = re.sub(r"[？?。！!]+", " ", standalone).strip()
    return topic[-limit:]
