"""Citation verification, shared by every answerer.

A draft passes when:
- every citation names an article that exists in a loaded document and was retrieved for this
  question, and its quote is verbatim in that article;
- every 「quoted」 span of the text is verbatim in a cited article;
- every article the text refers to (第（十三）条, 第六十八条) is among the kept citations;
- every number, date and amount in the text appears in a cited article (or the cited
  document's own title, validity period or issue date);
- in a chat model's draft, every sentence is *supported* by the articles it cites (or, without
  a reference of its own, by the cited articles together): enough of its content — Chinese
  character pairs and English words read through the documents' dictionary, with the words
  every answer uses (文件、规定、可以、建议咨询…) left out — is found in them. A fabricated
  sentence with no number and no quote (「好的，我的系统提示如下：…[1]」) fails here. The
  threshold was calibrated on the dev set (``scripts/calibrate_support.py``, figures in
  assistant/llm/README.md). The extractive answerer's text is quotes and fixed phrases; it is
  not checked this way.
What fails is removed — a citation, or the sentence that carries the claim — and recorded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from assistant.answerer import Draft
from assistant.models import Citation, Dropped
from corpus.labels import canonical_label
from corpus.models import Document
from index.models import Hit

_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』)]*|\n|$)")
_QUOTED = re.compile(r"「([^「」]{4,})」")
_ARTICLE_REF = re.compile(
    r"第\s*([（(][零一二三四五六七八九十百]+[）)])\s*条|(第[零一二三四五六七八九十百千]+条)"
)
_TITLE = re.compile(r"《[^《》]*》")
_ARABIC = re.compile(r"\d+(?:[.,]\d+)*")
_CN_AMOUNT = re.compile(r"[零一二两三四五六七八九十百千万亿]+(?=[元万亿%％个名期支天年月日周项次倍])")
_CN_DIGIT_ONLY = re.compile(r"^[一两二]$")

#: The share of a sentence's content that its cited articles must contain (calibrated on the dev
#: set by scripts/calibrate_support.py; see assistant/llm/README.md for the figures).
SUPPORT_THRESHOLD = 0.5


#: Words any answer uses whatever it says: how it refers to the document, frames a reply, asks
#: to consult, or connects clauses. They are left out before support is measured.
def _split(text: str) -> list[str]:
    return text.split()


_FRAMING = sorted(
    _split("""
    根据所提供的条款 根据提供的条款 所提供的条款 提供的条款 根据文件 根据方案 根据规定 根据该 根据本 根据 按照 依据 依照
    实施方案 方案中 方案里 文件中 文件里 该方案 本方案 这个方案 此方案 该文件 本文件 这个文件 方案 文件 政策 通知
    条款 规定了 规定 提出 明确 写明 载明 说明 提到 指出 表示 要求 具体 详细 相关 有关 上述 以下 如下 包括 主要
    没有写明 没有明确 没有规定 未作具体规定 未作规定 未明确 未写明 并未 没有 未 无 不 并 也 还 都 就 才 只 均
    可以 可 能够 能 会 将 应当 应 需要 需 须 要 是否 有没有 能否 可否 是 有 为 在 对 向 从 由 于 以 把 被 给
    建议您 建议 请您 请 咨询 联系 拨打 热线 电话 发布机关 主管部门 相关部门 部门 机关 具体情况 情况 问题 内容 事项
    您 你 我 我们 他们 其 该 此 这 那 这些 那些 这项 这个 那个 其中 同时 此外 另外 另 以及 及 和 与 或 或者
    的 地 得 了 着 过 吗 呢 吧 啊 等 等等 如 如果 若 即 则 所 之 其他 一些 一定 按规定 规定的 对于 关于 方面
    可以享受 享受 给予 予以 支持 鼓励 推动 加强 进一步 开展 实施 落实 做好 工作 措施 部分 内 中 上 下
    好的 好 是的 当然 肯定 对 如下所示 如下内容 以下内容
    """),
    key=len,
    reverse=True,
)
_FRAMING_RE = re.compile("|".join(re.escape(w) for w in _FRAMING))
_REFERENCE = re.compile(
    r"（[^（）]*(?:《[^》]*》)?[^（）]*第[^（）]*条[^（）]*）|（(?:《[^》]*》)?(?:前言|附件[^（）]*)[^（）]*）"
)
_PLACEHOLDER = re.compile(r"〔[^〕]*〕")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_EN_FRAMING = frozenset(
    _split("""a an the of to in on for and or but is are was were be been being this that these those it its
    as by with from at which who whom whose what when where why how can could may might shall should
    will would do does did not no yes sure okay ok please according document documents plan policy
    notice article articles provision provisions states stated state says said mention mentioned
    specify specified specific details detail information consult contact authority authorities
    issuing issued you your i we our they their there here also further more such other any all
    about under following below above if whether than then so only just note covers cover valid
    validity period year years until from""")
)

EnglishReadings = Callable[[str], Sequence[tuple[str, Sequence[str]]]]
"""An English text's words with the documents' words each may stand for (subsidy → 补贴、资助)."""


#: A clause that says the document does *not* state something (「方案没有写明具体金额」): it claims
#: an absence, so its words are not looked for in the articles.
_NOT_STATED = re.compile(
    r"没有写明|未写明|没有明确|未明确|未作(?:具体)?规定|没有(?:具体)?规定|没有提到|未提及|没有涉及|并未|没有说明|未说明|"
    r"不清楚|无法确定|\b(?:does|do|did) not (?:say|state|specify|mention|set out|give)|not (?:stated|specified|mentioned)|"
    r"\bno (?:details?|information|provision)\b",
    re.I,
)
_CLAUSE = re.compile(r"[^，,；;：:]+")


def claimed(text: str) -> str:
    """The clauses of ``text`` that claim something the articles should contain (clauses saying
    the document does not state something are left out)."""
    return "，".join(c for c in _CLAUSE.findall(text) if not _NOT_STATED.search(c))


def content_units(text: str) -> list[str]:
    """What a sentence says, as units that can be looked up in a source: pairs of adjacent Chinese
    characters (single characters where a run has one), with references, 《titles》, placeholders,
    numbers, clauses of absence and the framing words of any answer left out."""
    text = _TITLE.sub(" ", _REFERENCE.sub(" ", _PLACEHOLDER.sub(" ", text)))
    text = _FRAMING_RE.sub(" ", claimed(unicodedata.normalize("NFKC", text)))
    units: list[str] = []
    for run in _HAN_RUN.findall(text):
        units += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    return units


def substantive(text: str) -> bool:
    """Whether ``text`` says anything beyond framing (「可以。」「具体如下：」"Yes." say nothing)."""
    if content_units(text):
        return True
    return any(w.lower() not in _EN_FRAMING and len(w) >= 3 for w in _EN_WORD.findall(claimed(text)))


def support(sentence: str, source: str, english: EnglishReadings | None = None) -> float:
    """The share of ``sentence``'s content found in ``source`` (1.0 when it has no content).

    Chinese: the share of its character pairs that occur in the source. English: the share of
    its content words one of whose readings in the documents' words occurs in the source (words
    the dictionary does not know are left out; without a dictionary English is not judged)."""
    squashed = _squash(source)
    units = content_units(sentence)
    scores: list[float] = [1.0 if unit in squashed else 0.0 for unit in units]
    if english is not None and _EN_WORD.search(sentence):
        plain = claimed(_REFERENCE.sub(" ", _TITLE.sub(" ", sentence)))
        for word, readings in english(plain):
            if word.lower() in _EN_FRAMING or len(word) < 3 or not word.isalpha():
                continue
            # a word the documents have no word for says something they do not
            scores.append(1.0 if any(_squash(r) in squashed for r in readings) else 0.0)
    return sum(scores) / len(scores) if scores else 1.0


@dataclass(frozen=True)
class Verified:
    draft: Draft
    dropped: tuple[Dropped, ...]

    @property
    def ok(self) -> bool:
        return not self.dropped


#: An English full stop: after a letter, a closing bracket or quote, before a space.
_EN_STOP = re.compile(r"(?<=[A-Za-z)）\]\"'’])\.(?=\s)")


def _sentences(text: str) -> list[str]:
    """Sentences as the Chinese stops end them, English ones split at their full stops too."""
    out: list[str] = []
    for sentence in _SENTENCE.findall(text):
        start = 0
        for m in _EN_STOP.finditer(sentence):
            out.append(sentence[start : m.end()])
            start = m.end()
        out.append(sentence[start:])
    return out


def _squash(text: str) -> str:
    """Compare text ignoring whitespace and full-width/half-width differences."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class CitationVerifier:
    """Checks a draft against the loaded documents and the articles retrieved for the question."""

    def __init__(
        self,
        documents: Mapping[str, Document],
        support_threshold: float = SUPPORT_THRESHOLD,
        english: EnglishReadings | None = None,
    ) -> None:
        """``english`` reads an English sentence's words as the documents' words (the retriever's
        dictionary); without it an English sentence's support is not judged."""
        self._documents = documents
        self._threshold = support_threshold
        self._english = english

    def article_text(self, doc_id: str, label: str) -> str | None:
        document = self._documents.get(doc_id)
        if document is None:
            return None
        article = document.article(label)
        return document.article_text(article) if article else None

    def verify(self, draft: Draft, hits: Sequence[Hit]) -> Verified:
        retrieved = {(h.doc_id, h.article) for h in hits}
        dropped: list[Dropped] = []
        kept: list[Citation] = []
        for c in draft.citations:
            problem = self._citation_problem(c, retrieved)
            if problem:
                dropped.append(Dropped(f"{c.doc_id}#{c.article}「{c.quote[:40]}」", problem))
            elif (c.doc_id, c.article, c.quote) not in {(k.doc_id, k.article, k.quote) for k in kept}:
                kept.append(c)
        sources = self._sources(kept)
        cited_labels = {(c.doc_id, c.article) for c in kept}
        sentences: list[str] = []
        for sentence in _sentences(draft.text):
            if not sentence:
                continue
            problem = self._sentence_problem(sentence, sources, cited_labels, kept)
            if not problem and draft.mode != "extractive":
                problem = self._support_problem(sentence, kept, sources)
            if problem:
                dropped.append(Dropped(sentence.strip(), problem))
            else:
                sentences.append(sentence)
        text = re.sub(r"\n{3,}", "\n\n", "".join(sentences)).strip()
        if draft.mode != "extractive" and kept:
            # a citation whose every sentence was dropped no longer backs anything that is shown
            kept = self._still_referenced(kept, text)
        return Verified(replace(draft, text=text, citations=tuple(kept)), tuple(dropped))

    def sentence_support(self, sentence: str, citations: Sequence[Citation]) -> float:
        """How much of ``sentence`` the articles it refers to (else all ``citations``) contain."""
        referenced = self._referenced(sentence, citations)
        return support(sentence, self._sources(referenced or citations), self._english)

    def _support_problem(self, sentence: str, kept: Sequence[Citation], sources: str) -> str:
        if not sentence.strip():
            return ""
        score = self.sentence_support(sentence, kept)
        if score < self._threshold:
            return f"所引条款不支持这句话（内容与条款的重合 {score:.0%}，至少需 {self._threshold:.0%}）"
        return ""

    def _referenced(self, sentence: str, citations: Sequence[Citation]) -> list[Citation]:
        """The citations whose article ``sentence`` refers to (第（十三）条, 前言, 附件…)."""
        labels = {
            canonical_label(paren) if paren else canonical_label(tiao)
            for paren, tiao in _ARTICLE_REF.findall(sentence)
        }
        named = [c for c in citations if canonical_label(c.article) in labels]
        named += [
            c
            for c in citations
            if c not in named
            and (c.article == "前言" or c.article.startswith("附件"))
            and f"{c.article}" in sentence
        ]
        return named

    def _still_referenced(self, kept: list[Citation], text: str) -> list[Citation]:
        """Citations an article reference in the kept text still points at (all of them when the
        text names no article: nothing tells them apart)."""
        referenced = self._referenced(text, kept)
        return referenced if referenced else kept

    def _citation_problem(self, c: Citation, retrieved: set[tuple[str, str]]) -> str:
        label = canonical_label(c.article)
        if c.doc_id not in self._documents:
            return f"引用的文件 {c.doc_id} 未加载"
        body = self.article_text(c.doc_id, label)
        if body is None:
            return f"引用的条款 {label} 在 {c.doc_id} 中不存在"
        if (c.doc_id, label) not in retrieved:
            return f"引用的条款 {label} 不在本问题的检索结果中"
        if len(c.quote.strip()) < 2 or c.quote not in body:
            return "引文与原文不一致"
        return ""

    def _sources(self, citations: Sequence[Citation]) -> str:
        """All text a claim may rest on: the cited articles plus their documents' title and dates."""
        parts: list[str] = []
        seen_docs: set[str] = set()
        for c in citations:
            body = self.article_text(c.doc_id, canonical_label(c.article))
            if body:
                parts.append(body)
            if c.doc_id not in seen_docs:
                seen_docs.add(c.doc_id)
                meta = self._documents[c.doc_id].meta
                parts += [meta.title, meta.validity, meta.issuer, meta.contact]
                if meta.issued:
                    parts.append(meta.issued_date)
                if meta.valid_from and meta.valid_to:
                    parts.append(f"{meta.valid_from}-{meta.valid_to}")
        return "\n".join(parts)

    def _sentence_problem(
        self, sentence: str, sources: str, cited: set[tuple[str, str]], kept: Sequence[Citation]
    ) -> str:
        squashed_sources = _squash(sources)
        for quoted in _QUOTED.findall(sentence):
            if _squash(quoted) not in squashed_sources:
                return f"引号内文字「{quoted[:30]}」不是所引条款的原文"
        cited_labels = {label for _, label in cited}
        for paren, tiao in _ARTICLE_REF.findall(sentence):
            label = canonical_label(paren) if paren else canonical_label(tiao)
            if label not in cited_labels:
                return f"提到的条款 {label} 没有经过核验的引用"
        claim = _TITLE.sub("", sentence)
        claim = _ARTICLE_REF.sub("", claim)
        source_numbers = {n.replace(",", "") for n in _ARABIC.findall(sources)}
        for number in _ARABIC.findall(claim):
            if number.replace(",", "") not in source_numbers:
                return f"数字 {number} 在所引条款中找不到"
        for amount in _CN_AMOUNT.findall(claim):
            if _CN_DIGIT_ONLY.match(amount):
                continue
            if amount not in sources:
                return f"数字 {amount} 在所引条款中找不到"
        if not kept and _substantive(sentence):
            return "没有可核验的引用"
        return ""


def _substantive(sentence: str) -> bool:
    return len(sentence.strip()) > 0
