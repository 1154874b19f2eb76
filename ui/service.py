"""What the web pages and the HTTP API do, in one place: ask, search, look up, rate.

The service wraps a :class:`Pipeline` (built by ``assistant.factory``) and the conversation
log; the gradio pages and the FastAPI routes are thin layers over it, so both behave alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol, TextIO

from assistant.conversation import Conversation
from assistant.models import Answer
from assistant.pipeline import Pipeline, StreamEvent
from assistant.question import scrub
from corpus.models import Article, Document
from index.models import Hit, QueryReading
from ui.sessions import Conversations, ConversationStore

log = logging.getLogger(__name__)


class FeedbackLog(Protocol):
    """The slice of ``assistant.log.ConversationLog`` the web app uses."""

    def feedback(
        self, turn_id: int, rating: int, comment: str = "", conversation_id: str | None = None
    ) -> None: ...

    def recent(self, limit: int = 20) -> Sequence[Any]: ...

    def export(
        self, out: TextIO, since: date | None = None, format: Literal["csv", "jsonl"] = "jsonl"
    ) -> int: ...


NO_SUCH_TURN = "没有找到这条回答：请用同一次回答返回的 conversation_id 和 turn_id 评价。"


class ArticleNotFound(LookupError):
    """An unknown document or article; the message is shown to the user."""


@dataclass(frozen=True)
class Turn:
    """One answered question, with where it is kept: conversation and log id."""

    answer: Answer
    conversation_id: str
    turn_id: int | None


@dataclass(frozen=True)
class ArticleView:
    document: Document
    article: Article
    text: str


def as_feedback_log(candidate: object) -> FeedbackLog | None:
    """The pipeline's recorder when it is a full conversation log (it usually is)."""
    if all(callable(getattr(candidate, name, None)) for name in ("feedback", "recent", "export")):
        return candidate  # type: ignore[return-value]
    return None


class AssistantService:
    def __init__(
        self, pipeline: Pipeline, log: FeedbackLog | None = None, store: Conversations | None = None
    ) -> None:
        """``store``: where API conversations are kept between requests (the web app passes the
        shared database's, ``ui.shared_state.DatabaseConversations``; by default this process's memory)."""
        self.pipeline = pipeline
        self.log = log if log is not None else as_feedback_log(pipeline.recorder)
        self.store: Conversations = store if store is not None else ConversationStore()
        self._terms: Callable[[str], list[str]] | None = None

    # -- documents ------------------------------------------------------------------------------
    @property
    def documents(self) -> list[Document]:
        return list(self.pipeline.documents.values())

    @property
    def mode(self) -> str:
        return self.pipeline.mode

    def document(self, doc_id: str) -> Document:
        document = self.pipeline.documents.get(doc_id)
        if document is None:
            raise ArticleNotFound(f"没有编号为 {scrub(doc_id)[:80]} 的政策文件。")
        return document

    def article(self, doc_id: str, label: str) -> ArticleView:
        document = self.document(doc_id)
        label = scrub(label).strip()
        article = document.article(label)
        if article is None:
            raise ArticleNotFound(f"《{document.title}》中没有第{label[:40]}条。")
        return ArticleView(document, article, document.article_text(article))

    def check_doc_id(self, doc_id: str | None) -> str | None:
        """``None`` for all documents; an unknown id raises :class:`ArticleNotFound`."""
        if not doc_id:
            return None
        self.document(doc_id)
        return doc_id

    # -- answering ------------------------------------------------------------------------------
    def stream(
        self, question: str, conversation: Conversation | None = None, doc_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """Pipeline events for one question; raises ``QuestionError`` before the first event."""
        return self.pipeline.stream(question, conversation, self.check_doc_id(doc_id))

    def ask(self, question: str, conversation_id: str | None = None, doc_id: str | None = None) -> Turn:
        """One turn of a server-side conversation (the API keeps conversations by id, in the store:
        any process with the same store reads the follow-up in the same context)."""
        doc_id = self.check_doc_id(doc_id)
        conversation = self.store.load(conversation_id)
        before = len(conversation.turns)
        turn = self.ask_in(question, conversation, doc_id)
        self.store.save(conversation, conversation.turns[before:])
        return turn

    def ask_in(self, question: str, conversation: Conversation | None, doc_id: str | None = None) -> Turn:
        answer: Answer | None = None
        turn_id: int | None = None
        for event in self.pipeline.stream(question, conversation, doc_id):
            if event.kind == "done":
                answer, turn_id = event.answer, event.turn_id
        assert answer is not None
        return Turn(answer, conversation.conversation_id if conversation else "", turn_id)

    def read_query(self, query: str) -> QueryReading | None:
        """How the keyword search reads ``query``, when the retriever can say (the hybrid one can)."""
        read = getattr(self.pipeline.retriever, "read_query", None)
        return read(query) if read is not None else None

    def query_terms(self, query: str, reading: QueryReading | None = None) -> list[str]:
        """The content words of a query (for highlighting matches): policy terms, no stopwords."""
        if self._terms is None:
            from assistant.factory import make_topic_terms

            self._terms = make_topic_terms(self.documents)
        words = [t for t in self._terms(query) if len(t) >= 2 or t.isascii()]
        reading = reading or self.read_query(query)
        if reading is not None:  # the corpus words searched for everyday and English words
            words += [w for w in reading.searched if w not in words and len(w) >= 2]
        whole = query.strip(" ？?。!！")
        return list(dict.fromkeys([whole, *words] if 2 <= len(whole) <= 30 else words))

    def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]:
        return self.pipeline.retriever.search(query, k=k, doc_id=self.check_doc_id(doc_id))

    # -- feedback -------------------------------------------------------------------------------
    def feedback(self, turn_id: int, rating: int, comment: str, conversation_id: str) -> None:
        """Rate a turn of the conversation ``conversation_id`` (a turn of another conversation is
        as unknown as a turn that does not exist). Raises ``LookupError`` when no log is
        configured, ``ValueError`` for a bad turn or rating."""
        if self.log is None:
            raise LookupError("未配置对话日志，无法保存反馈。")
        if not conversation_id:
            raise ValueError(NO_SUCH_TURN)
        self.log.feedback(turn_id, rating, comment, conversation_id=conversation_id)

    def recent(self, limit: int = 20) -> list[Any]:
        if self.log is None:
            return []
        return list(self.log.recent(limit))
