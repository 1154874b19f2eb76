"""What citizens and staff do with the consultation channel (the web pages and the JSON API are
thin layers over it).

Citizens leave a message about a loaded document — the notice's rule: 「只接收对该政策性文件的相关
咨询；留言时请注明政策性文件名称」 — and get a query code (查询码, 80 random bits, stored only as a
hash) to read the reply with. Staff see a queue, open a message with the assistant's draft answer,
reply citing articles (each checked against the document) and/or external sources, and close it.
Every staff action is written to the audit trail.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assistant.models import Answer
from assistant.pipeline import Pipeline
from assistant.privacy import mask, without_personal_data
from assistant.question import QuestionError, clean_question, scrub, unreadable
from assistant.scope import ScopeDecision
from channel.store import ChannelStore, Message, NewMessage, Reply
from corpus.models import Document

log = logging.getLogger(__name__)

STATUS_NAMES = {"new": "待处理", "in_progress": "处理中", "answered": "已答复", "closed": "已办结"}
#: the query code's letters: no 0/O, 1/I/L, so it can be read out over the phone
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
NO_SUCH_CODE = "没有找到这个查询码对应的留言：请核对查询码（16 位字母和数字，可带短横线）。"
RULE = "只接收对该政策性文件的相关咨询；留言时请注明政策性文件名称"
#: the largest id a row can have (SQLite and PostgreSQL integers)
MAX_ID = 2**63 - 1


class ChannelError(Exception):
    """A request the channel refuses; ``status`` is the HTTP status, the message is Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Left:
    """A message just left: its query code (shown once) and id."""

    code: str
    message_id: int
    doc_id: str
    doc_title: str


@dataclass(frozen=True)
class CitedArticle:
    doc_id: str
    article: str
    quote: str = ""


@dataclass(frozen=True)
class ExternalSource:
    """A published source outside the loaded documents: 标题, 发布机关, 文号或网址, 日期."""

    title: str
    issuer: str
    reference: str
    date: str

    def to_json(self) -> dict[str, str]:
        return {"title": self.title, "issuer": self.issuer, "reference": self.reference, "date": self.date}


@dataclass(frozen=True)
class Limits:
    max_question_chars: int = 1000
    max_contact_chars: int = 100
    max_reply_chars: int = 5000
    per_client_per_hour: int = 5
    duplicate_days: int = 7


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str:
    """``abcd efgh-…`` → ``ABCDEFGH…``; '' when it cannot be a query code."""
    text = unicodedata.normalize("NFKC", scrub(code or "")).upper()
    text = re.sub(r"[\s\-—_－]", "", text)
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    return text


def code_hash(code: str) -> str:
    return hashlib.sha256(("policy-assistant-query-code:" + code).encode()).hexdigest()


def client_hash(client: str) -> str:
    return hashlib.sha256(("policy-assistant-client:" + client).encode()).hexdigest()


def question_hash(doc_id: str, question: str) -> str:
    """Spaces, punctuation and case do not make a message new."""
    folded = unicodedata.normalize("NFKC", question).lower()
    folded = "".join(ch for ch in folded if ch.isalnum())
    return hashlib.sha256(f"{doc_id}\n{folded}".encode()).hexdigest()


def masked_contact(contact: str) -> str:
    """How a contact appears in lists: masked, and shortened."""
    if not contact:
        return ""
    shown = mask(contact).text
    return shown if shown != contact else (contact[:1] + "＊" * min(6, max(1, len(contact) - 1)))


def document_names(document: Document) -> set[str]:
    meta = document.meta
    names = {document.doc_id, meta.title, meta.short_title, meta.display_title}
    return {_fold(n) for n in names if n}


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKC", scrub(name)).strip()
    return re.sub(r"[《》〈〉<>\s「」“”\"']", "", text).lower()


def scope_of(pipeline: Pipeline, question: str, doc_id: str) -> ScopeDecision:
    """The assistant's own scope check, for a question about one document (nothing logged)."""
    clean = clean_question(question, pipeline.max_question_chars)
    if clean.other_language:
        return ScopeDecision(False, "language")
    searched = without_personal_data(pipeline.mask(clean.text))
    if unreadable(searched):
        return ScopeDecision(False, "unreadable")
    hits = pipeline.retriever.search(searched, k=pipeline.k, doc_id=doc_id)
    return pipeline.scope.check(searched, hits, clean.language)


_WHY = {
    "instructions": "留言内容不是政策咨询",
    "place": "您问的是{place}的政策，不属于该文件的范围",
    "everyday": "这个问题与该政策文件无关",
    "other_policy": "这个问题属于其他政策领域，该文件没有涉及",
    "language": "请用中文或英文描述您的问题",
    "unreadable": "没有看懂留言中的问题，请用文字描述您想咨询的政策问题",
}


class ChannelService:
    def __init__(
        self,
        store: ChannelStore,
        pipeline: Callable[[], Pipeline],
        limits: Limits | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._pipeline = pipeline
        self.limits = limits or Limits()
        self._clock = clock
        from channel.reviewed import ReviewedAnswers  # it raises this module's ChannelError

        self.reviewed = ReviewedAnswers(store, pipeline)

    @property
    def documents(self) -> list[Document]:
        return list(self._pipeline().documents.values())

    def find_document(self, name: str) -> Document:
        """The loaded document named by id, title or short title (with or without 《》)."""
        wanted = _fold(name or "")
        titles = "、".join(d.meta.display_title for d in self.documents)
        if not wanted:
            raise ChannelError(422, f"请注明政策性文件名称（{RULE}）。可留言咨询的文件：{titles}。")
        for document in self.documents:
            if wanted in document_names(document):
                return document
        shown = scrub(name).strip()[:60]
        raise ChannelError(422, f"「{shown}」不是本服务收录的政策文件，请注明以下文件之一：{titles}。")

    # -- citizens --------------------------------------------------------------------------------
    def leave(self, document: str, question: str, contact: str = "", client: str = "") -> Left:
        """Accept a message (or raise :class:`ChannelError` saying why not)."""
        limits = self.limits
        text = scrub(question or "").strip()
        if not text:
            raise ChannelError(422, "请填写要咨询的问题。")
        if len(text) > limits.max_question_chars:
            raise ChannelError(
                422, f"留言太长（{len(text)} 字），请精简到 {limits.max_question_chars} 字以内。"
            )
        contact = scrub(contact or "").strip()
        if len(contact) > limits.max_contact_chars:
            raise ChannelError(422, f"联系方式太长，请控制在 {limits.max_contact_chars} 字以内。")
        doc = self.find_document(document)
        now = self._clock()
        who = client_hash(client) if client else ""
        hourly = limits.per_client_per_hour
        if who and hourly > 0 and self.store.messages_from(who, now - timedelta(hours=1)) >= hourly:
            raise ChannelError(429, f"留言过于频繁：每小时最多可留言 {hourly} 条，请稍后再试。")
        masked = mask(text).text
        digest = question_hash(doc.doc_id, masked)
        if who and self.store.duplicate(doc.doc_id, digest, who, now - timedelta(days=limits.duplicate_days)):
            raise ChannelError(409, "您已经提交过相同的留言，请用当时得到的查询码查看答复，无需重复提交。")
        try:
            decision = scope_of(self._pipeline(), text, doc.doc_id)
        except QuestionError as exc:
            raise ChannelError(422, str(exc)) from exc
        if not decision.in_scope:
            why = _WHY.get(decision.reason, "这个问题与该政策文件无关").format(place=decision.place)
            raise ChannelError(
                422,
                f"留言未提交：{why}。按照留言规则，{RULE}（{doc.meta.display_title}）。"
                "其他事项请咨询相关主管部门。",
            )
        code = new_code()
        message_id = self.store.add_message(
            NewMessage(
                code_hash=code_hash(normalize_code(code)),
                doc_id=doc.doc_id,
                doc_title=doc.meta.display_title,
                question=masked,
                question_hash=digest,
                contact=contact,
                client_hash=who,
            ),
            now=now,
        )
        log.info("message left", extra={"message_id": message_id, "doc_id": doc.doc_id})
        return Left(code, message_id, doc.doc_id, doc.meta.display_title)

    def lookup(self, code: str) -> Message:
        """The message of a query code; a wrong code raises ChannelError(404) and reveals nothing."""
        normalized = normalize_code(code)
        found = self.store.message_by_code(code_hash(normalized)) if normalized else None
        if found is None:
            raise ChannelError(404, NO_SUCH_CODE)
        return found

    # -- staff -----------------------------------------------------------------------------------
    def queue(self, status: str | None = None, doc_id: str | None = None) -> list[Message]:
        if status and status not in STATUS_NAMES:
            raise ChannelError(422, f"状态应为 {'、'.join(STATUS_NAMES)} 之一。")
        return self.store.messages(status or None, doc_id or None)

    def counts(self, doc_id: str | None = None) -> dict[str, int]:
        return self.store.counts(doc_id or None)

    def _existing(self, message_id: int) -> Message:
        found = self.store.message(message_id) if 1 <= message_id <= MAX_ID else None
        if found is None:
            raise ChannelError(404, f"没有编号为 {str(message_id)[:20]} 的留言。")
        return found

    def open(self, message_id: int, actor: str) -> Message:
        """A message for an operator; a new one becomes 处理中 (assigned to them)."""
        message = self._existing(message_id)
        if message.status == "new":
            self.store.set_status(message_id, "in_progress", assignee=actor)
            self.store.audit(actor, "message.open", f"message:{message_id}")
            message = self.store.message(message_id) or message
        return message

    def draft(self, message: Message) -> Answer:
        """The assistant's answer to the message's question, from its document (not logged as a
        citizen's turn)."""
        pipeline = copy.copy(self._pipeline())
        pipeline.recorder = None
        return pipeline.ask(message.question, None, message.doc_id)

    def verify_citations(self, cited: Sequence[CitedArticle]) -> list[dict[str, str]]:
        """Each cited article must exist, and a quote must be verbatim in it (ChannelError if not)."""
        pipeline = self._pipeline()
        checked: list[dict[str, str]] = []
        for item in cited:
            document = pipeline.documents.get(item.doc_id)
            if document is None:
                raise ChannelError(422, f"引用的文件不存在：{scrub(item.doc_id)[:60]}。")
            article = document.article(item.article)
            if article is None:
                raise ChannelError(
                    422, f"{document.meta.display_title}中没有第{scrub(item.article)[:20]}条。"
                )
            quote = scrub(item.quote).strip()
            if quote and quote not in document.article_text(article):
                raise ChannelError(
                    422,
                    f"引文与{document.meta.display_title}{article.citation_label}的原文不一致："
                    "请逐字复制原文（不改标点）。",
                )
            checked.append(
                {
                    "doc_id": document.doc_id,
                    "doc_title": document.title,
                    "article": article.label,
                    "citation": f"{document.meta.display_title}{article.citation_label}",
                    "quote": quote,
                }
            )
        return checked

    def reply(
        self,
        message_id: int,
        actor: str,
        text: str,
        citations: Sequence[CitedArticle] = (),
        sources: Sequence[ExternalSource] = (),
        close: bool = False,
    ) -> Message:
        text = scrub(text or "").strip()
        if not text:
            raise ChannelError(422, "请填写答复内容。")
        if len(text) > self.limits.max_reply_chars:
            raise ChannelError(422, f"答复太长，请控制在 {self.limits.max_reply_chars} 字以内。")
        if not citations and not sources:
            raise ChannelError(
                422, "答复需要注明依据：引用文件条款，或注明外部来源（标题、发布机关、文号或网址、日期）。"
            )
        checked_sources = [check_source(s).to_json() for s in sources]
        checked = self.verify_citations(citations)
        self._existing(message_id)
        self.store.add_reply(
            message_id,
            Reply(author=actor, text=text, citations=tuple(checked), sources=tuple(checked_sources)),
            status="closed" if close else "answered",
        )
        self.store.audit(
            actor,
            "message.reply",
            f"message:{message_id}",
            {"citations": [c["citation"] for c in checked], "sources": [s["title"] for s in checked_sources]},
        )
        found = self.store.message(message_id)
        assert found is not None
        return found

    def close(self, message_id: int, actor: str) -> Message:
        message = self._existing(message_id)
        if not message.replies:
            raise ChannelError(409, "这条留言还没有答复：请先答复再办结。")
        self.store.set_status(message_id, "closed")
        self.store.audit(actor, "message.close", f"message:{message_id}")
        found = self.store.message(message_id)
        assert found is not None
        return found


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def check_source(source: ExternalSource) -> ExternalSource:
    """An external source needs all four parts, and a real date (ChannelError otherwise)."""
    parts = {
        "标题": scrub(source.title).strip(),
        "发布机关": scrub(source.issuer).strip(),
        "文号或网址": scrub(source.reference).strip(),
        "日期": scrub(source.date).strip(),
    }
    missing = [name for name, value in parts.items() if not value]
    if missing:
        raise ChannelError(422, f"外部来源缺少{'、'.join(missing)}。")
    if any(len(v) > 300 for v in parts.values()):
        raise ChannelError(422, "外部来源的内容太长。")
    matched = _DATE.match(parts["日期"])
    try:
        if matched is None:
            raise ValueError
        day = date(int(matched.group(1)), int(matched.group(2)), int(matched.group(3)))
    except ValueError as exc:
        raise ChannelError(422, "外部来源的日期应写作 2025-03-01 或 2025年3月1日。") from exc
    return ExternalSource(parts["标题"], parts["发布机关"], parts["文号或网址"], day.isoformat())


def citizen_view(message: Message) -> dict[str, Any]:
    """What the holder of a query code sees: never the contact, never the staff member's name."""
    return {
        "status": message.status,
        "status_text": STATUS_NAMES.get(message.status, message.status),
        "document": message.doc_title,
        "question": message.question,
        "created_at": message.created_at.isoformat(),
        "replies": [
            {
                "text": r.text,
                "citations": [dict(c) for c in r.citations],
                "sources": [dict(s) for s in r.sources],
                "created_at": r.created_at.isoformat(),
            }
            for r in message.replies
        ],
    }


def staff_view(message: Message, full: bool = False) -> dict[str, Any]:
    """A message for staff: the contact masked in lists, in full only on the opened message."""
    view = citizen_view(message)
    view.update(
        id=message.id,
        doc_id=message.doc_id,
        assignee=message.assignee,
        updated_at=message.updated_at.isoformat(),
        contact=message.contact if full else masked_contact(message.contact),
    )
    for shown, reply in zip(view["replies"], message.replies, strict=True):
        shown["author"] = reply.author
    return view
