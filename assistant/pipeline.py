"""question → clean → condense follow-ups → retrieve → scope check → answer → verify → Answer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from typing import Protocol

from assistant.answerer import Answerer, AnswerRequest, Draft, StreamingAnswerer
from assistant.asks import read_asks
from assistant.conversation import Condenser, Conversation, Resolution, Turn
from assistant.models import Answer, Dropped
from assistant.privacy import without_personal_data
from assistant.question import CleanQuestion, clean_question, unreadable
from assistant.replies import decline_text, no_answer_text, truncated_notice
from assistant.scope import ScopeChecker, ScopeDecision
from assistant.verify import CitationVerifier, substantive
from corpus.models import Document
from index.models import Hit, QueryReading, Retriever
from index.phrasing_vectors import QuestionVectors

log = logging.getLogger(__name__)


class TurnRecorder(Protocol):
    """Where answered turns are recorded (the conversation log)."""

    def record(self, answer: Answer, conversation_id: str) -> object: ...

    # A recorder may return the stored turn's id (an int); it is passed on in the ``done`` event.


@dataclass(frozen=True)
class StreamEvent:
    """``delta`` events carry verified text as it becomes available; the last event is ``done``.

    The ``done`` event's ``answer.text`` is the complete verified answer; a streaming display
    replaces what it accumulated with it (after a fallback it holds more than the deltas did).
    """

    kind: str  # delta | done
    text: str = ""
    answer: Answer | None = None
    turn_id: int | None = None  # the conversation log's id of this turn, when the recorder gives one


class Pipeline:
    """Answers questions about the loaded documents. Build it with ``assistant.factory.make_pipeline``."""

    def __init__(
        self,
        retriever: Retriever,
        documents: Mapping[str, Document],
        answerer: Answerer,
        scope: ScopeChecker,
        condenser: Condenser,
        fallback: Answerer | None = None,
        mask: Callable[[str], str] | None = None,
        recorder: TurnRecorder | None = None,
        k: int = 5,
        max_question_chars: int = 2000,
        normalize: Callable[[str], str] | None = None,
        meaning: QuestionVectors | None = None,
    ) -> None:
        """``normalize`` reads traditional characters and full-width letters as the documents'
        (it is applied to what is read for the question's asks). ``meaning``: questions compared
        by meaning with the retriever's own query embedder (the reviewed answers use it)."""
        self.normalize = normalize or (lambda text: text)
        if k < 1:
            raise ValueError(f"expected k >= 1; got {k}")
        self.retriever = retriever
        self.documents = documents
        self.answerer = answerer
        self.fallback = fallback
        self.verifier = CitationVerifier(documents, english=self._english_words)
        self.scope = scope
        self.condenser = condenser
        self.mask = mask or (lambda text: text)
        self.recorder = recorder
        self.k = k
        self.max_question_chars = max_question_chars
        self.meaning = meaning

    @property
    def mode(self) -> str:
        return self.answerer.mode

    def new_conversation(self) -> Conversation:
        return Conversation()

    def ask(
        self, question: str, conversation: Conversation | None = None, doc_id: str | None = None
    ) -> Answer:
        """Answer one question; with a conversation, follow-ups are read in its context.

        Raises :class:`assistant.question.QuestionError` for a question that cannot be read
        (empty, only punctuation); everything else gives an ``Answer``.
        """
        answer: Answer | None = None
        for event in self.stream(question, conversation, doc_id):
            if event.kind == "done":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(
        self, question: str, conversation: Conversation | None = None, doc_id: str | None = None
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        timings: dict[str, float] = {}

        with _timed(timings, "clean"):
            clean = clean_question(question, self.max_question_chars)
            masked = self.mask(clean.text)
            # personal data never searches: the placeholders are for the log and outbound prompts
            searched = without_personal_data(masked)
            unanswerable = self._unanswerable(clean, searched, conversation)
        rewrite_spent = 0.0  # seconds the condenser took (a chat model's rewrite of a follow-up)
        if unanswerable is not None:  # another language, code, keyboard mashing: nothing to search for
            resolution, hits, decision = Resolution(searched, follow_up=False), [], unanswerable
        else:
            with _timed(timings, "condense"):
                rewrite_started = time.monotonic()
                resolution = self.condenser.resolve(searched, conversation)
                rewrite_spent = time.monotonic() - rewrite_started
            with _timed(timings, "retrieve"):
                hits = self._retrieve(searched, resolution, doc_id)
            with _timed(timings, "scope"):
                decision = self.scope.check(searched, hits, clean.language, follows_on=resolution.follow_up)
                if resolution.follow_up and decision.reason in {"off_topic", "no_match"}:
                    # a follow-up's own words are few: judge it with the conversation's topic
                    decision = self.scope.check(resolution.standalone, hits, clean.language, follows_on=True)
                elif decision.reason in {"off_topic", "no_match"}:
                    # 「贷款额度多少」 after an answer quoting 「创业担保贷款」 goes on with its topic
                    resumed = self.condenser.resume(searched, conversation)
                    if resumed is not None:
                        resumed_hits = self._retrieve(searched, resumed, doc_id)
                        again = self.scope.check(
                            resumed.standalone, resumed_hits, clean.language, follows_on=True
                        )
                        if again.in_scope:
                            resolution, hits, decision = resumed, resumed_hits, again
        base = Answer(
            question=masked,
            text="",
            refused=False,
            mode=self.answerer.mode,
            rewritten=resolution.standalone if resolution.follow_up else "",
            retrieved=tuple((h.doc_id, h.article, h.score) for h in hits),
            language=clean.language,
        )
        if not decision.in_scope:
            answer = replace(
                base,
                text=decline_text(
                    list(self.documents.values()), clean.language, decision.reason, decision.place
                ),
                refused=True,
            )
            yield from self._finish(answer, started, timings, conversation, resolution)
            return

        request = AnswerRequest(
            question=resolution.standalone,
            hits=tuple(hits),
            documents=self.documents,
            language=clean.language,
            asks=read_asks(self.normalize(searched), clean.language),
            original=searched,
            history=conversation.history() if conversation else (),
            reading=self._reading(resolution.standalone),
            # a follow-up's rewrite by the chat model and its answer share one time budget
            budget_started=time.monotonic() - rewrite_spent,
        )
        shown: list[str] = []
        with _timed(timings, "answer"):
            if isinstance(self.answerer, StreamingAnswerer) and self.fallback is not None:
                draft = yield from self._stream_verified(request, hits, shown)
            else:
                draft = self._draft(request)
        with _timed(timings, "verify"):
            final, dropped = self._verified(draft, request, hits)
        text = final.text or no_answer_text(list(self.documents.values()), clean.language)
        notice = final.notice
        if clean.truncated:
            notice = (notice + " " if notice else "") + truncated_notice(
                self.max_question_chars, clean.language
            )
        answer = replace(
            base,
            text=text,
            streamed=bool(shown),
            mode=final.mode,
            citations=final.citations,
            notice=notice,
            fallback_reason=final.fallback_reason,
            dropped=tuple(dropped),
        )
        yield from self._finish(answer, started, timings, conversation, resolution)

    def _unanswerable(
        self, clean: CleanQuestion, searched: str, conversation: Conversation | None
    ) -> ScopeDecision | None:
        """A refusal for input that is not a question in a language the assistant answers in:
        another language's script (told so in Chinese and English), code or an injection attempt,
        one character over and over, or — as the first question of a conversation — English whose
        words the documents' dictionary does not know at all (「asdfghjkl」, 「lorem ipsum」)."""
        if clean.other_language:
            return ScopeDecision(False, "language")
        if unreadable(searched):
            return ScopeDecision(False, "unreadable")
        if clean.language == "en" and (conversation is None or conversation.last_in_scope() is None):
            reading = self._reading(searched)
            if reading is not None and not (reading.english or reading.everyday or reading.corrected):
                return ScopeDecision(False, "unreadable")
        return None

    def _english_words(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """The English words of ``text`` with the documents' words each may stand for (none when
        the documents have no word for it), read by the retriever's dictionary."""
        reading = self._reading(text)
        if reading is None:
            return []
        mapped = {word: tuple(found) for word, found in reading.english}
        words = [w for w in dict.fromkeys(reading.words) if w.isascii()]
        return [(w, mapped.get(w, ())) for w in words] + [
            (phrase, found) for phrase, found in mapped.items() if phrase not in words
        ]

    def _reading(self, question: str) -> QueryReading | None:
        """How the retriever reads the question (its words, everyday and English ones mapped to the
        documents' words), for the answerer; None for a retriever that does not say."""
        read = getattr(self.retriever, "read_query", None)
        return read(question) if callable(read) else None

    def _retrieve(self, question: str, resolution: Resolution, doc_id: str | None) -> list[Hit]:
        hits = self.retriever.search(resolution.standalone, k=self.k, doc_id=doc_id)
        if resolution.names_topic:
            # what the follow-up names itself comes first; the conversation's topic breaks ties
            own = self.retriever.search(question, k=self.k, doc_id=doc_id)
            hits = _merge(own, hits, self.k)
        if not resolution.carry:
            return hits
        carried = set(resolution.carry)
        if resolution.exclude_previous:
            others = [h for h in hits if h.key not in carried]
            return others or hits
        front = [h for h in hits[:3] if h.key in carried]
        return front + [h for h in hits if h not in front]

    def _verified(self, draft: Draft, request: AnswerRequest, hits: list[Hit]) -> tuple[Draft, list[Dropped]]:
        """Verify a draft; a chat-model draft left with nothing verifiable is replaced by the fallback."""
        verified = self.verifier.verify(draft, hits)
        final, dropped = verified.draft, list(verified.dropped)
        if final.mode != "extractive":
            final, unsupported = self._without_unsupported_yes(final, request)
            dropped += unsupported
        if (
            (not final.citations or not final.text or not substantive(final.text))
            and self.fallback is not None
            and draft.mode != "extractive"
        ):
            # nothing verified is left, or only a bare 「可以。」: the extractive answer, with the notice
            dropped.append(Dropped("大模型回答", "核验后没有可用的引用，改用离线摘录回答"))
            fallback = self.verifier.verify(self.fallback.answer(request), hits)
            final = replace(
                fallback.draft,
                notice="大模型的回答未通过引用核验，已改用离线摘录回答。",
                fallback_reason="verification",
            )
            dropped += fallback.dropped
        return final, dropped

    def _without_unsupported_yes(self, draft: Draft, request: AnswerRequest) -> tuple[Draft, list[Dropped]]:
        """A chat model's 「可以」/「有」/"Yes" lead is removed unless a sentence of the cited articles
        grants what the question asks to that asker (the extractive answerer's own test)."""
        m = _YES_LEAD.match(draft.text)
        check = getattr(self.fallback, "supports_affirmative", None)
        if m is None or not callable(check):
            return draft, []
        if check(request, [(c.doc_id, c.article) for c in draft.citations]):
            return draft, []
        rest = draft.text[m.end() :].lstrip()
        return replace(draft, text=rest), [
            Dropped(m.group(0).strip(), "所引条款没有给予提问者所问的内容，不能回答“可以”")
        ]

    def _stream_verified(
        self, request: AnswerRequest, hits: list[Hit], shown: list[str]
    ) -> Generator[StreamEvent, None, Draft]:
        """Stream a chat model's answer sentence by sentence, showing only verified sentences.

        Returns the complete draft (verified again as a whole by the caller). When the model
        fails before anything was shown, the fallback's draft is returned instead; when it fails
        midway, what was shown stays and the fallback's answer follows under a notice.
        """
        answerer = self.answerer
        assert isinstance(answerer, StreamingAnswerer) and self.fallback is not None
        buffer = ""
        text = ""
        try:
            for delta in chain(answerer.stream_text(request), [None]):
                if delta is None:  # end of stream: what is left is the last sentence
                    sentences, buffer = [buffer], ""
                else:
                    buffer += delta
                    sentences, buffer = _complete_sentences(buffer)
                for sentence in sentences:
                    text += sentence
                    checked = self.verifier.verify(answerer.draft_from_text(sentence, request), hits).draft
                    if not shown:  # the lead: no yes the cited articles do not grant
                        checked = self._without_unsupported_yes(checked, request)[0]
                    if checked.text and checked.citations:
                        shown.append(checked.text)
                        yield StreamEvent("delta", text=checked.text)
        except Exception as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            log.warning("chat model stream failed, using fallback: %s", reason)
            draft = self.fallback.answer(request)
            notice = "大模型服务暂时不可用，已改用离线摘录回答。"
            if shown:
                partial = self.verifier.verify(answerer.draft_from_text(text, request), hits).draft
                return replace(
                    draft,
                    text=f"{partial.text}\n\n（{notice}）\n\n{draft.text}",
                    citations=partial.citations + draft.citations,
                    notice=notice,
                    fallback_reason=str(reason),
                )
            return replace(draft, notice=notice, fallback_reason=str(reason))
        return answerer.draft_from_text(text, request)

    def _draft(self, request: AnswerRequest) -> Draft:
        try:
            return self.answerer.answer(request)
        except Exception as exc:  # any failure of an external answerer falls back, the question is kept
            if self.fallback is None:
                raise
            reason = getattr(exc, "reason", None) or type(exc).__name__
            log.warning("answerer failed, using fallback: %s", reason)
            draft = self.fallback.answer(request)
            return replace(
                draft, notice="大模型服务暂时不可用，已改用离线摘录回答。", fallback_reason=str(reason)
            )

    def _finish(
        self,
        answer: Answer,
        started: float,
        timings: dict[str, float],
        conversation: Conversation | None,
        resolution: Resolution,
    ) -> Iterator[StreamEvent]:
        answer = replace(answer, timings_ms=dict(timings), latency_ms=(time.perf_counter() - started) * 1000)
        if conversation is not None:
            conversation.add(
                Turn(
                    question=answer.question,
                    standalone=resolution.standalone,
                    answer=answer.text,
                    articles=tuple(dict.fromkeys((c.doc_id, c.article) for c in answer.citations)),
                    refused=answer.refused,
                )
            )
        turn_id: int | None = None
        if self.recorder is not None:
            try:
                recorded = self.recorder.record(answer, conversation.conversation_id if conversation else "")
                turn_id = recorded if isinstance(recorded, int) else None
            except Exception:  # the answer is served even when the log is down
                log.exception("could not record the turn")
        if not answer.streamed:  # a streamed answer has shown its verified sentences already
            for piece in _pieces(answer.text):
                yield StreamEvent("delta", text=piece)
        yield StreamEvent("done", answer=answer, turn_id=turn_id)


def _merge(first: list[Hit], second: list[Hit], k: int, rrf_k: float = 10.0) -> list[Hit]:
    """Reciprocal-rank merge of two rankings of articles, ``first`` weighing a little more."""
    scores: dict[tuple[str, str], float] = {}
    by_key: dict[tuple[str, str], Hit] = {}
    for weight, ranking in ((1.0, first), (0.8, second)):
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.key] = scores.get(hit.key, 0.0) + weight / (rrf_k + rank)
            by_key.setdefault(hit.key, hit)
    order = sorted(scores, key=lambda key: -scores[key])[:k]
    return [replace(by_key[key], score=scores[key]) for key in order]


#: A yes that opens an answer (「可以，」「有。」"Yes,").
_YES_LEAD = re.compile(
    r"^\s*(?:(?:可以|能|有|会|是的|当然|肯定|对)[。，,！!：:]|(?:yes|sure|certainly)\b[,.!]?)\s*", re.I
)

_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*|\n")


def _complete_sentences(buffer: str) -> tuple[list[str], str]:
    """Split off the complete sentences of a streamed buffer; the rest waits for more text."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(buffer):
        if m.end() == len(buffer) and m.group().endswith(("。", "！", "？", "!", "?")):
            # a closing bracket or marker may still follow: wait for the next delta
            break
        out.append(buffer[start : m.end()])
        start = m.end()
    return out, buffer[start:]


def _pieces(text: str) -> Iterator[str]:
    """Verified text in paragraph-sized pieces for streaming."""
    for i, paragraph in enumerate(text.split("\n\n")):
        yield ("\n\n" if i else "") + paragraph


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = (time.perf_counter() - start) * 1000
