"""Citation verification, shared by every answerer.

A draft passes when:
- every citation names an article that exists in a loaded document and was retrieved for this
  question, and its quote is verbatim in that article;
- every 「quoted」 span of the text is verbatim in a cited article;
- every article the text refers to (第（十三）条, 第六十八条) is among the kept citations;
- every number, date and amount in the text appears in a cited article (or the cited
  document's own title, validity period or issue date).
What fails is removed — a citation, or the sentence that carries the claim — and recorded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class Verified:
    draft: Draft
    dropped: tuple[Dropped, ...]

    @property
    def ok(self) -> bool:
        return not self.dropped


def _squash(text: str) -> str:
    """Compare text ignoring whitespace and full-width/half-width differences."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class CitationVerifier:
    """Checks a draft against the loaded documents and the articles retrieved for the question."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self._documents = documents

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
        for sentence in _SENTENCE.findall(draft.text):
            if not sentence:
                continue
            problem = self._sentence_problem(sentence, sources, cited_labels, kept)
            if problem:
                dropped.append(Dropped(sentence.strip(), problem))
            else:
                sentences.append(sentence)
        text = re.sub(r"\n{3,}", "\n\n", "".join(sentences)).strip()
        return Verified(replace(draft, text=text, citations=tuple(kept)), tuple(dropped))

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
                    parts.append(f"{meta.issued.year}年{meta.issued.month}月{meta.issued.day}日")
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
