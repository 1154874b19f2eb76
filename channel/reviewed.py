"""Reviewed answers (人工审核答复): a reviewer publishes a staff reply, with other phrasings of its
question and a valid-until date; a later citizen who asks the same thing sees it — labelled, with
its sources and date — beside the document's own article, never instead of it. Numbers in a
reviewed answer must appear in the reply it came from, its cited articles or its sources. Expired
and withdrawn answers are not shown; every change is a new version.

Whether a citizen asks the same thing (``ReviewedAnswers.matching``) is decided by meaning, with
evidence that topic alone cannot supply (a wrong reviewed answer shown is worse than none):

- the assistant's own answer cites one of the reviewed answer's articles;
- what the question asks (assistant/asks.py) beyond a yes/no or "what does it say" is asked by the
  reviewed question or one of its phrasings too (an amount is not answered by a procedure);
- the question means the same as the reviewed question or a phrasing: the cosine similarity of
  their embeddings by the retriever's own query embedder is at least ``MEANING_AT``, or their
  character pairs are at least ``MATCH_AT`` alike (Dice).

The threshold was measured on evals/reviewed and on the answers shown beside the dev and heldout
questions, read one by one (evals/README.md, "Matching by meaning": at 0.92, 19 of 111 shown there
did not answer the question; at 0.94, 4 of 65); it holds for the bundled embedder (multilingual-e5-small),
whose cosines of unrelated questions on one document already reach 0.9. Another embedder spreads
its cosines differently and needs its own measurement; until then it shows reviewed answers to
near-verbatim questions only (Dice), or to none. A reviewed answer citing no article is shown only
for near-verbatim questions on its document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache

from assistant.asks import AskKind, read_asks
from assistant.models import Answer
from assistant.pipeline import Pipeline
from assistant.privacy import without_personal_data
from assistant.question import detect_language, scrub
from channel.service import ChannelError
from channel.store import ChannelStore, ReviewedAnswer

#: how alike (Dice over character pairs) a question must be to a phrasing to be shown its answer
MATCH_AT = 0.7
#: how alike in meaning (cosine of the retriever's query embeddings) it must be, when not so worded
MEANING_AT = 0.94
#: asks any answer on the topic responds to: they need no counterpart in the reviewed question
_ANY_ANSWER: frozenset[AskKind] = frozenset({"yes_no", "content"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _pairs(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch for ch in folded if ch.isalnum())
    return {kept[i : i + 2] for i in range(len(kept) - 1)}


def likeness(a: str, b: str) -> float:
    """Dice coefficient of the two texts' character pairs (punctuation and spaces ignored)."""
    x, y = _pairs(a), _pairs(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@lru_cache(maxsize=4096)
def _asks(text: str) -> frozenset[AskKind]:
    """The kinds of answer ``text`` asks for (reviewed questions repeat at every request)."""
    return frozenset(read_asks(text, detect_language(text)).kinds)


def parse_day(text: str) -> date | None:
    text = scrub(text or "").strip()
    if not text:
        return None
    matched = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", text)
    try:
        if matched is None:
            raise ValueError
        return date(int(matched.group(1)), int(matched.group(2)), int(matched.group(3)))
    except ValueError as exc:
        raise ChannelError(422, "有效期应写作 2026-12-31 或 2026年12月31日。") from exc


class ReviewedAnswers:
    def __init__(
        self,
        store: ChannelStore,
        pipeline: Callable[[], Pipeline],
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.store = store
        self._pipeline = pipeline
        self._today = today

    def publish(
        self,
        message_id: int,
        actor: str,
        phrasings: Sequence[str] = (),
        answer: str = "",
        valid_until: str = "",
        question: str = "",
    ) -> ReviewedAnswer:
        """Publish the latest reply to a message as a reviewed answer."""
        message = self.store.message(message_id) if 1 <= message_id < 2**63 else None
        if message is None:
            raise ChannelError(404, f"没有编号为 {str(message_id)[:20]} 的留言。")
        if not message.replies:
            raise ChannelError(409, "这条留言还没有答复：先答复，再发布为审核答复。")
        reply = message.replies[-1]
        text = scrub(answer).strip() or reply.text
        self._check_numbers(text, reply.citations, reply.sources, reply.text, "发布")
        until = parse_day(valid_until) or self.default_until(message.doc_id)
        if until is not None and until < self._today():
            raise ChannelError(422, "有效期已过：请填写今天以后的日期。")
        cleaned = [scrub(p).strip() for p in phrasings]
        draft = ReviewedAnswer(
            id=0,
            doc_id=message.doc_id,
            question=scrub(question).strip() or message.question,
            phrasings=tuple(dict.fromkeys(p for p in cleaned if p))[:20],
            answer=text,
            citations=reply.citations,
            sources=reply.sources,
            valid_until=until,
            status="published",
            reviewer=actor,
            reviewed_at=datetime.now(UTC),
            message_id=message.id,
            version=1,
        )
        answer_id = self.store.publish(draft, actor)
        self.store.audit(actor, "reviewed.publish", f"reviewed:{answer_id}", {"message_id": message.id})
        found = self.store.reviewed(answer_id)
        assert found is not None
        return found

    def edit(
        self,
        answer_id: int,
        actor: str,
        question: str,
        phrasings: Sequence[str],
        answer: str,
        valid_until: str,
    ) -> ReviewedAnswer:
        """Change a reviewed answer's wording, phrasings and validity: a new version (who, when,
        what it became); its articles and sources stay, and numbers must still be found there
        or in the reply it came from."""
        found = self._get(answer_id)
        question, text = scrub(question).strip(), scrub(answer).strip()
        if not question or not text:
            raise ChannelError(422, "问题和答复都不能为空。")
        if len(question) > 500 or len(text) > 5000:
            raise ChannelError(422, "问题最多 500 字，答复最多 5000 字。")
        message = self.store.message(found.message_id) if found.message_id else None
        replies = " ".join(r.text for r in message.replies) if message is not None else ""
        self._check_numbers(text, found.citations, found.sources, replies, "保存")
        until = parse_day(valid_until) or self.default_until(found.doc_id)
        if until is not None and until < self._today():
            raise ChannelError(422, "有效期已过：请填写今天以后的日期。")
        cleaned = tuple(dict.fromkeys(p for p in (scrub(p).strip() for p in phrasings) if p))[:20]
        changed = self.store.change_reviewed(
            answer_id,
            actor,
            "edit",
            question=question,
            phrasings=list(cleaned),
            answer=text,
            valid_until=until,
        )
        assert changed is not None
        fields = [
            name
            for name, before, after in (
                ("question", found.question, changed.question),
                ("phrasings", found.phrasings, changed.phrasings),
                ("answer", found.answer, changed.answer),
                ("valid_until", found.valid_until, changed.valid_until),
            )
            if before != after
        ]
        self.store.audit(actor, "reviewed.edit", f"reviewed:{answer_id}", {"fields": fields})
        return changed

    def _get(self, answer_id: int) -> ReviewedAnswer:
        found = self.store.reviewed(answer_id) if 1 <= answer_id < 2**63 else None
        if found is None:
            raise ChannelError(404, f"没有编号为 {str(answer_id)[:20]} 的审核答复。")
        return found

    def _check_numbers(
        self,
        text: str,
        citations: Sequence[dict[str, object]],
        sources: Sequence[dict[str, object]],
        reply: str,
        verb: str,
    ) -> None:
        """Every number of ``text`` must appear in the reply, the cited articles or the sources."""
        allowed = " ".join(
            [reply, *(str(c.get("quote", "")) for c in citations)]
            + [self._article_text(c) for c in citations]
            + [" ".join(str(v) for v in s.values()) for s in sources]
        )
        unsupported = [n for n in dict.fromkeys(_NUMBER.findall(text)) if n not in allowed]
        if unsupported:
            raise ChannelError(
                422,
                f"答复中的数字 {'、'.join(unsupported)} 在原答复、引用条款和来源中都找不到：请核对后再{verb}。",
            )

    def withdraw(self, answer_id: int, actor: str) -> ReviewedAnswer:
        found = self._get(answer_id)
        if found.status == "withdrawn":
            raise ChannelError(409, f"审核答复 {answer_id} 已经撤回。")
        changed = self.store.change_reviewed(answer_id, actor, "withdraw", status="withdrawn")
        self.store.audit(actor, "reviewed.withdraw", f"reviewed:{answer_id}")
        assert changed is not None
        return changed

    def matching(self, answer: Answer) -> list[ReviewedAnswer]:
        """The reviewed answer to show beside this answer, if its question asks the same thing
        (the module's docstring says how that is decided); at most one, the nearest."""
        if answer.refused or not answer.citations:
            return []
        question = without_personal_data(answer.rewritten or answer.question)
        cited = {(c.doc_id, c.article) for c in answer.citations}
        asked = _asks(question) - _ANY_ANSWER
        today = self._today()
        candidates: list[tuple[ReviewedAnswer, tuple[str, ...], bool]] = []
        for candidate in self.store.reviewed_answers(published_only=True):
            if candidate.valid_until and candidate.valid_until < today:
                continue
            texts = (candidate.question, *candidate.phrasings)
            articles = {(str(c.get("doc_id", "")), str(c.get("article", ""))) for c in candidate.citations}
            if articles and not (articles & cited):
                continue
            if not articles and candidate.doc_id not in {doc for doc, _ in cited}:
                continue
            if not asked <= frozenset().union(*(_asks(t) for t in texts)):
                continue
            candidates.append((candidate, texts, bool(articles)))
        if not candidates:
            return []
        meaning = self._pipeline().meaning
        # by meaning only beside the articles a reviewed answer cites (one citing none: wording only)
        groups = [texts if cites else () for _, texts, cites in candidates]
        alike = meaning.similarity(question, groups) if meaning is not None else [0.0] * len(groups)
        best: tuple[float, ReviewedAnswer] | None = None
        for (candidate, texts, _), close in zip(candidates, alike, strict=True):
            worded = max(likeness(question, t) for t in texts)
            if worded < MATCH_AT and close < MEANING_AT:
                continue
            score = max(close, worded)
            if best is None or score > best[0]:
                best = (score, candidate)
        return [best[1]] if best else []

    def _article_text(self, citation: dict[str, object]) -> str:
        document = self._pipeline().documents.get(str(citation.get("doc_id", "")))
        article = document.article(str(citation.get("article", ""))) if document else None
        return document.article_text(article) if document and article else ""

    def default_until(self, doc_id: str) -> date | None:
        """The end of the document's validity period (2024–2026 → 2026-12-31), when it has one."""
        document = self._pipeline().documents.get(doc_id)
        valid_to = getattr(document.meta, "valid_to", None) if document else None
        try:
            return date(int(str(valid_to)[:4]), 12, 31) if valid_to else None
        except ValueError:
            return None


def reviewed_json(found: ReviewedAnswer, staff: bool = False) -> dict[str, object]:
    """A reviewed answer as citizens see it (``staff``: with its id, status, version, reviewer)."""
    shown: dict[str, object] = {
        "label": "人工审核答复",
        "question": found.question,
        "answer": found.answer,
        "citations": list(found.citations),
        "sources": list(found.sources),
        "reviewed_at": found.reviewed_at.date().isoformat(),
        "valid_until": found.valid_until.isoformat() if found.valid_until else None,
    }
    if staff:
        shown.update(
            id=found.id,
            doc_id=found.doc_id,
            phrasings=list(found.phrasings),
            status=found.status,
            version=found.version,
            reviewer=found.reviewer,
            message_id=found.message_id,
        )
    return shown


def reviewed_text(found: ReviewedAnswer) -> str:
    """A reviewed answer as plain text, to follow an answer and its cited articles (the ``/v1``
    answers): labelled, with its review date, validity, articles and sources."""
    until = f"，有效期至 {found.valid_until.isoformat()}" if found.valid_until else ""
    lines = [
        f"【人工审核答复】工作人员审核于 {found.reviewed_at.date().isoformat()}{until}；以文件原文为准。",
        f"相近问题：{found.question}",
        found.answer,
    ]
    for c in found.citations:
        quote = f"：「{c['quote']}」" if c.get("quote") else ""
        lines.append(f"依据条款：{c.get('citation', '')}{quote}")
    for s in found.sources:
        lines.append(f"其他来源：《{s['title']}》，{s['issuer']}，{s['reference']}，{s['date']}")
    return "\n".join(lines)
