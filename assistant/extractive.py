"""The offline answerer: the best sentences of the best articles, quoted verbatim.

Deterministic: the same question and hits always give the same answer. It leads with a direct
answer where the question allows (可以 / 有), quotes under 《title》第（十三）条「heading」 grouped
by article, says plainly when the document does not state what was asked (an amount, a
deadline, materials, where to apply) and points to the issuing authority, and mentions the
validity period where it matters.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.answerer import AnswerRequest, Draft
from assistant.asks import Asks
from assistant.models import Citation, Mode
from assistant.opening import Opener, Opening, Quoted
from corpus.models import PREAMBLE_LABEL, Article, Document, Span
from index.models import EmbeddingFailed, Hit
from index.sentences import SentenceVectors

# a question in several parts: 分别/各…, a second question introduced by 另外 or 又 (「…办法又是哪个」),
# or a question mark with more text after it (「…能认定吗？…又是哪个」)
_MULTI = re.compile(
    r"分别|以及|还有|另外|又|各(自|说|有)|同时|和.{0,8}(各|都)|哪些方面|[？?](?=.)"
    r"|both|as well as|\band\b",
    re.I,
)
# 「…分别…」: the question itself says it has parts, each answered by its own article
_RESPECTIVELY = re.compile(r"分别|各自|respectively", re.I)
_CLAUSE = re.compile(r"[，,？?。；;！!]|另外|还有|以及|分别|和|与")
_TIME_WORDS = re.compile(r"今年|明年|2025|2026|2027|有效|期限|到期|还能|还可以|截止|valid|expire|until", re.I)


@dataclass(frozen=True)
class _Pick:
    hit: Hit
    article: Article
    sentences: tuple[Span, ...]
    score: float  # how well it answers: its best sentence's score, or its heading's if higher


#: How rare in general Chinese (log inverse frequency in the tokenizer's dictionary) a word must be
#: to name something a sentence could grant (转正 12.5, 报销 12.5, 落户 12.6), not the wording
#: around it (别的 9.5, 马上 10.2, 那边 10.4, 怎么样 10.2).
TELLING_WEIGHT = 10.5


def _telling_word(terms: Callable[[str], list[str]]) -> Callable[[str], bool] | None:
    """Whether a word is a word of the general dictionary that tells what is asked (None when
    the tokenizer has no dictionary to ask)."""
    known = getattr(terms, "known_word", None)
    weight = getattr(terms, "weight", None)
    if known is None or weight is None:
        return None
    return lambda word: bool(known(word)) and weight(word) >= TELLING_WEIGHT


class ExtractiveAnswerer:
    """Builds an answer from verbatim sentences; needs no model and no network."""

    def __init__(
        self,
        documents: Mapping[str, Document],
        terms: Callable[[str], list[str]],
        max_articles: int = 3,
        max_sentences: int = 3,
        companion_ratio: float = 0.45,
        embed: SentenceVectors | None = None,
        names_place: Callable[[str], bool] | None = None,
        sentence_df: tuple[Mapping[str, int], int] | None = None,
    ) -> None:
        """``sentence_df``: (word → number of sentences it is in, number of sentences) as the
        index build counted them with ``terms`` (index/stored_tables.py); counted here without."""
        self._documents = documents
        self._terms = terms
        self._embed = embed
        self._term_cache: dict[tuple[str, int, int], frozenset[str]] = {}
        self._max_articles = max_articles
        self._max_sentences = max_sentences
        self._companion_ratio = companion_ratio
        self._idf = self._sentence_idf(sentence_df)
        self._opener = Opener(
            terms,
            weight=lambda t: self._idf.get(t, 1.0),
            distinctive=lambda t: self._idf.get(t, 0.0) >= self._distinctive_idf,
            vocabulary=frozenset(self._idf),
            names_place=names_place,
            corpus_text="\n".join(d.text for d in documents.values()),
            is_word=_telling_word(terms),
        )

    @property
    def mode(self) -> Mode:
        return "extractive"

    @property
    def opener(self) -> Opener:
        return self._opener

    @property
    def documents(self) -> Mapping[str, Document]:
        return self._documents

    def _sentence_idf(self, stored: tuple[Mapping[str, int], int] | None = None) -> dict[str, float]:
        df: Mapping[str, int]
        if stored is not None:
            df, n = stored
        else:
            counted: Counter[str] = Counter()
            n = 0
            for document in self._documents.values():
                for article in document.articles:
                    for span in article.sentences:
                        n += 1
                        counted.update(self._sentence_terms(document, span))
            df = counted
        #: a word said in at most a tenth of the sentences (at least three) tells conditions apart
        self._distinctive_idf = math.log(1 + n / max(3, n // 10))
        return {t: math.log(1 + n / c) for t, c in df.items()}

    def _sentence_terms(self, document: Document, span: Span) -> frozenset[str]:
        key = (document.doc_id, span.start, span.end)
        found = self._term_cache.get(key)
        if found is None:
            # the document's own title (in the covering notice: 「关于印发《…实施方案》的通知」) matches
            # every question about 「这个方案」 and answers none of them: its words do not count
            text = span.slice(document.text).replace(document.title, " ")
            found = self._term_cache[key] = frozenset(self._terms(text))
        return found

    def _score(self, query_terms: set[str], document: Document, span: Span) -> float:
        return self._weight(set(self._sentence_terms(document, span) & query_terms))

    def _weight(self, terms: set[str]) -> float:
        """Summed IDF of the terms, counting a compound (集成电路) once, not again for its parts."""
        return sum(self._idf.get(t, 1.0) for t in _maximal(terms))

    def pick(self, request: AnswerRequest) -> list[_Pick]:
        """The articles to quote and, in each, the sentences that answer the question.

        The best-ranked article is always quoted. Another article is added only when it answers
        a part of the question the articles already chosen do not (its matching sentences
        cover question words they leave uncovered) — 「评职称和考证补贴分别有啥政策」 needs two.
        Words of a chosen article's heading count as covered, single characters never justify an
        add-on, and an article that wins one clause of a question in parts must also answer the
        question as a whole reasonably well.
        """
        query_terms = set(self._terms(request.question))
        picks: list[_Pick] = []
        covered: set[str] = set()
        asked = request.original or request.question
        multi = bool(_MULTI.search(asked)) or len(re.findall(r"[？?]", asked)) >= 2
        winners = self._clause_winners(request, asked) if multi else set()
        for hit in request.hits[: self._max_articles + 2]:
            document = self._documents.get(hit.doc_id)
            article = document.article(hit.article) if document else None
            if document is None or article is None:
                continue
            sentences = _body_sentences(document, article)
            scored = [(self._score(query_terms, document, s), s) for s in sentences]
            if picks and request.language == "en":
                break
            if request.language == "en" or not query_terms:
                scored = self._semantic(request.question, document, sentences) or scored
            best = max((score for score, _ in scored), default=0.0)
            chosen = _choose(scored, best, self._max_sentences)
            matched = self._matched(query_terms, document, chosen)
            # The heading names what the article is about: a question word it contains is answered
            # by the article as a whole (「推进数字技能提升行动」 covers 提升), even though the bare
            # heading sentence is not quoted; it also counts towards how well the article answers.
            titled = set(self._terms(article.heading)) & query_terms if article.heading else set()
            strength = max(best, self._weight(titled))
            if picks and article.label == PREAMBLE_LABEL:
                continue  # the 前言 answers questions about the document itself, not as an add-on
            if picks and len(picks) == 1 and _RESPECTIVELY.search(asked) and chosen:
                # the second part goes to the next article that answers the question about as well
                if strength < self._companion_ratio * picks[0].score:
                    continue
            elif picks and hit.key in winners and chosen:
                # it answers a part of the question best; but it must also answer the question as a
                # whole about as well as a companion would, so that a clause won on one stray word
                # (a filler like 方面 or 这块) does not bring in an article the question is not about
                if best < self._companion_ratio * picks[0].score:
                    continue
            elif picks:
                # single Chinese characters (新, 做) are too ambiguous to justify another article
                fresh = {t for t in matched if len(t) > 1 and not any(t in c for c in covered)}
                gain = self._weight(fresh)
                needed = self._companion_ratio * (1.0 if multi else 2.0) * picks[0].score
                if not chosen or gain < needed:
                    continue
            if not chosen:
                chosen = tuple(sentences[:1]) or article.sentences[:1]
            picks.append(_Pick(hit, article, chosen, strength))
            covered |= matched | titled
            if len(picks) >= self._max_articles:
                break
        return self._wanted(request, picks, query_terms)

    def _wanted(self, request: AnswerRequest, picks: list[_Pick], query_terms: set[str]) -> list[_Pick]:
        """Add the next retrieved article whose sentence is the kind an ask wants (「培训的钱谁出」:
        who puts money in) when no chosen article has one; it must share a word with the question."""
        if not picks or len(picks) >= self._max_articles:
            return picks
        for pattern in self._opener.wanted(request.asks):
            if any(
                pattern.search(s.slice(self._documents[p.hit.doc_id].text))
                for p in picks
                for s in p.article.sentences
            ):
                continue
            for hit in request.hits[1 : self._max_articles + 2]:
                document = self._documents.get(hit.doc_id)
                article = document.article(hit.article) if document else None
                if document is None or article is None or any(p.hit.key == hit.key for p in picks):
                    continue
                found = [
                    s
                    for s in _body_sentences(document, article)
                    if pattern.search(s.slice(document.text)) and self._score(query_terms, document, s) > 0
                ]
                if found:
                    picks.append(
                        _Pick(hit, article, tuple(found[:1]), self._score(query_terms, document, found[0]))
                    )
                    break
            if len(picks) >= self._max_articles:
                break
        return picks

    def _clause_winners(self, request: AnswerRequest, asked: str) -> set[tuple[str, str]]:
        """For a question in several parts, the article that best answers each part."""
        winners: set[tuple[str, str]] = set()
        for clause in _CLAUSE.split(asked):
            terms = set(self._terms(clause))
            if not terms:
                continue
            best: tuple[float, tuple[str, str]] | None = None
            for hit in request.hits[:4]:
                document = self._documents.get(hit.doc_id)
                article = document.article(hit.article) if document else None
                if document is None or article is None:
                    continue
                score = max(
                    (self._score(terms, document, s) for s in _body_sentences(document, article)), default=0.0
                )
                if score > 0 and (best is None or score > best[0]):
                    best = (score, hit.key)
            if best is not None and best[0] >= 0.5 * self._weight(terms):
                winners.add(best[1])
        return winners

    def _matched(self, query_terms: set[str], document: Document, spans: Sequence[Span]) -> set[str]:
        found: set[str] = set()
        for span in spans:
            found |= self._sentence_terms(document, span) & query_terms
        return found

    def _semantic(
        self, question: str, document: Document, sentences: Sequence[Span]
    ) -> list[tuple[float, Span]]:
        """Sentence scores by embedding similarity, for questions with no words in common (English)."""
        if self._embed is None or not sentences:
            return []
        vectors = self._embed.sentences(document, sentences)
        query = self._embed.query(question)
        return [
            (10.0 * max(0.0, sum(a * b for a, b in zip(query, v, strict=False))), s)
            for v, s in zip(vectors, sentences, strict=True)
        ]

    def opening(self, request: AnswerRequest, picks: Sequence[_Pick]) -> Opening:
        """The plain sentences that answer each ask, from the picked articles."""
        quoted = []
        for p in picks:
            document = self._documents[p.hit.doc_id]
            closeness = self.closeness(request.question, document, p.article)
            quoted.append(Quoted(document, p.article, p.sentences, closeness))
        return self._opener.open(request.question, request.asks, quoted, request.language, request.reading)

    def closeness(self, question: str, document: Document, article: Article) -> dict[Span, float]:
        """How close each sentence of the article is in meaning to the question (cosine of their
        vectors, read from the index), so the opening can tell which sentence answers when words
        tie; empty without sentence vectors or when embedding fails (words decide alone)."""
        if self._embed is None or len(article.sentences) < 2:
            return {}
        try:
            vectors = self._embed.sentences(document, article.sentences)
            query = self._embed.query(question)
        except EmbeddingFailed:
            return {}
        return {
            span: sum(a * b for a, b in zip(query, vector, strict=False))
            for span, vector in zip(article.sentences, vectors, strict=True)
        }

    def supports_affirmative(self, request: AnswerRequest, cited: Sequence[tuple[str, str]]) -> bool:
        """Whether a sentence of the cited articles grants what the question's yes/no asks about
        (the check behind 「可以」/"Yes"; used on chat-model answers too)."""
        quoted = []
        for doc_id, label in dict.fromkeys(cited):
            document = self._documents.get(doc_id)
            article = document.article(label) if document else None
            if document is not None and article is not None:
                quoted.append(Quoted(document, article, ()))
        return self._opener.supports_yes(
            request.asks, request.question, quoted, request.reading, request.language
        )

    def answer(self, request: AnswerRequest) -> Draft:
        picks = self.pick(request)
        if not picks:
            return Draft(text="", citations=(), mode="extractive")
        opening = self.opening(request, picks)
        picks = _with_sentences(picks, opening.used)
        citations: list[Citation] = []
        blocks: list[str] = []
        by_doc: dict[str, list[_Pick]] = {}
        for p in picks:
            by_doc.setdefault(p.hit.doc_id, []).append(p)
        en = request.language == "en"
        for doc_id, doc_picks in by_doc.items():
            document = self._documents[doc_id]
            title = document.meta.display_title
            if len(by_doc) > 1:
                blocks.append(f"【{title}】" if not en else f"[{title}]")
            for n, p in enumerate(doc_picks):
                quotes = []
                for span in p.sentences:
                    quote = span.slice(document.text)
                    quotes.append(f"「{quote}」")
                    citations.append(
                        Citation(
                            doc_id=doc_id,
                            doc_title=document.title,
                            article=p.article.label,
                            quote=quote,
                            heading=p.article.heading,
                            start=span.start,
                            end=span.end,
                        )
                    )
                # the full title once per document, the article alone after that
                where = (
                    f"{title}{p.article.citation_label}"
                    if n == 0 and len(by_doc) == 1
                    else p.article.citation_label
                )
                if en:
                    blocks.append(f"According to {where}: " + "".join(quotes))
                else:
                    blocks.append(f"{where}规定：" + "".join(quotes))
        closing = _closing(request, picks, self._documents, opening)
        text = "\n\n".join(b for b in [opening.text, *blocks, *closing] if b)
        return Draft(text=text, citations=tuple(citations), mode="extractive")


def _with_sentences(picks: Sequence[_Pick], used: Sequence[tuple[str, str, Span]]) -> list[_Pick]:
    """The picks with the sentences the opening relies on quoted too (in text order)."""
    out = []
    for p in picks:
        extra = [
            span for doc_id, label, span in used if (doc_id, label) == p.hit.key and span not in p.sentences
        ]
        if extra:
            p = _Pick(p.hit, p.article, tuple(sorted({*p.sentences, *extra}, key=lambda s: s.start)), p.score)
        out.append(p)
    return out


def _maximal(terms: set[str]) -> set[str]:
    return {t for t in terms if not any(t != other and t in other for other in terms)}


def _body_sentences(document: Document, article: Article) -> list[Span]:
    """Sentences of an article, without the bare 「（十三）落实经费保障。」 heading sentence."""
    out = []
    for span in article.sentences:
        text = span.slice(document.text)
        bare = text.rstrip("。").removeprefix(article.printed).strip()
        if article.heading and bare == article.heading:
            continue
        out.append(span)
    return out or list(article.sentences)


def _choose(scored: Sequence[tuple[float, Span]], best: float, limit: int) -> tuple[Span, ...]:
    if best <= 0:
        return ()
    ranked = sorted(scored, key=lambda pair: (-pair[0], pair[1].start))
    kept = [span for score, span in ranked if score >= best * 0.5][:limit]
    return tuple(sorted(kept, key=lambda s: s.start))


def _closing(
    request: AnswerRequest, picks: Sequence[_Pick], documents: Mapping[str, Document], opening: Opening
) -> list[str]:
    """The validity period, where it matters (a benefit, a date, or something not stated)."""
    cited = [documents[d].meta for d in dict.fromkeys(p.hit.doc_id for p in picks)]
    dated = [m for m in cited if m.validity]
    if not dated or opening.validity_said:
        return []
    matters = _TIME_WORDS.search(request.question) or opening.missing or _asks_benefit(request.asks)
    if not matters:
        return []
    if len(cited) > 1:  # quotes of several documents: each period under its document's name
        if request.language == "en":
            periods = "; ".join(f"{m.short_title or m.title}: {m.validity.replace('年', '')}" for m in dated)
            return [f"Note: periods covered — {periods}."]
        return [
            "提示："
            + "；".join(f"《{m.short_title or m.title}》的实施期为{m.validity}" for m in dated)
            + "。"
        ]
    meta = dated[0]
    if request.language == "en":
        return [f"Note: the plan covers {meta.validity.replace('年', '')}."]
    return [f"提示：该{'方案' if '方案' in meta.kind else '文件'}的实施期为{meta.validity}。"]


def _asks_benefit(asks: Asks) -> bool:
    return asks.has("amount", "conditions", "procedure", "where", "materials")
