"""Does the answer answer what was asked? Scores the opening of an answer against labelled asks.

Independent of the assistant's own reading of questions (``assistant.asks``): the asks come
from the QA item's labels, and the opening is judged by its words alone. Definitions:
evals/METRICS.md ("Answering what was asked").

- The **opening** is the answer's first paragraph (up to the first blank line).
- An ask the document does **not** state is answered when a sentence of the opening says so
  (没有写明 / 未规定 / does not state …) and names that kind of thing (流程, 金额, 条件 …).
- A **stated** yes/no is answered by an opening that says yes (可以, 可按规定, 有, Yes …) when the
  document grants it, or says no (不, 没有, 无需, 打破 … 限制) when it does not.
- Any other stated ask is answered when the opening contains one of its ``answer_terms``; without
  terms, when the opening is not empty and does not claim that kind is missing.
- A **false affirmative** is an opening that starts with a yes (可以, 能, 有, 是的, Yes …) where no
  labelled yes/no is granted by the document.
- **Yes when granted** is the other side: of the questions whose labelled yes/no asks are all
  granted by the document, the share whose opening starts with a yes. ``asks_answered`` counts a
  granted yes/no as answered by any grant word in the opening (a quoted 「可…」 too), so a rule that
  withholds correct yeses shows here, not there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from evals.qa_file import GoldAsk, QAItem

_AFFIRMATIVE_START = re.compile(
    r"^\s*(可以|(能|会|给|要|算|行|需要)[。，,！!]|能的|有[。，,！!：:]|有的|是的|是[。，,！!]|对[。，,！!]|当然|肯定|符合|"
    r"yes\b|you can\b|sure\b|certainly\b)",
    re.I,
)
_AFFIRMATIVE = re.compile(
    r"可以|可按规定|可直接|可优先|可由|还可|可纳入|可打破|可自主|享受|能|会[。，,]|有[。，,：:]|支持|鼓励|给予|yes\b|\bcan\b",
    re.I,
)
_NEGATIVE = re.compile(r"不|没有|无需|无须|未|打破|no\b|not\b|cannot|n't", re.I)
_NOT_STATED = re.compile(
    r"没有(写明|规定|明确|提到|说明|载明|具体)|未(写明|规定|明确|提及|载明|作具体规定|作规定)|并未|无具体规定|不涉及|"
    r"does not (state|say|specify|mention|set out)|doesn't (state|say|specify|mention)|not (stated|specified)",
    re.I,
)
#: How an opening names each kind of thing when it says the document does not state it.
_KIND_WORDS: dict[str, re.Pattern[str]] = {
    "yes_no": re.compile(r"是否|能否|可否|适用|条件|规定|这一点|whether|applies|allowed|provision", re.I),
    "amount": re.compile(r"金额|标准|多少|数额|额度|比例|amount|how much|rate", re.I),
    "procedure": re.compile(
        r"流程|程序|办法|步骤|方式|手续|怎么|如何|申请|办理|procedure|how to|steps|apply", re.I
    ),
    "where": re.compile(r"地点|渠道|窗口|地址|网址|网站|平台|哪里|部门|where|office|channel|website", re.I),
    "time": re.compile(
        r"时间|日期|期限|截止|时限|何时|多久|次数|频率|when|deadline|date|period|how long|how often", re.I
    ),
    "conditions": re.compile(r"条件|资格|对象|要求|范围|who|eligib|condition|requirement", re.I),
    "materials": re.compile(r"材料|证明|表格|申请表|documents|materials|forms", re.I),
    "definition": re.compile(r"定义|含义|解释|是什么|definition|meaning", re.I),
    "contact": re.compile(r"电话|联系|咨询|contact|phone|hotline", re.I),
    "comparison": re.compile(r"区别|差别|差异|不同|比较|differ|compar", re.I),
    # a difference is content too: comparison questions were labelled ``content`` before the
    # assistant's grammar had a comparison kind
    "content": re.compile(r"内容|措施|政策|规定|支持|区别|差别|比较|provision|measure|support|differ", re.I),
}
_SENTENCES = re.compile(r"[^。！？!?；;\n]+")


_DASHES = str.maketrans({c: "-" for c in "–—―‐‑‒−"})


def _norm(text: str) -> str:
    """NFKC, case folded, every dash a hyphen (2024–2026年 says 2024-2026年)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)


def opening(answer: str) -> str:
    """The answer's first paragraph."""
    return answer.strip().split("\n\n", 1)[0].strip()


def says_not_stated(text: str, kind: str | None = None) -> bool:
    """Whether a sentence of ``text`` says the document does not state something (of ``kind``)."""
    for sentence in _SENTENCES.findall(text):
        if _NOT_STATED.search(sentence) and (kind is None or _KIND_WORDS[kind].search(sentence)):
            return True
    return False


def ask_answered(ask: GoldAsk, first: str) -> bool:
    """Whether the opening ``first`` responds to one labelled ask."""
    if not first:
        return False
    if not ask.stated:
        return says_not_stated(first, ask.kind)
    if ask.kind == "yes_no":
        if ask.answer_terms and any(_norm(t) in _norm(first) for t in ask.answer_terms):
            return True
        return bool((_AFFIRMATIVE if ask.grants is not False else _NEGATIVE).search(first))
    if ask.answer_terms:
        return any(_norm(t) in _norm(first) for t in ask.answer_terms)
    return not says_not_stated(first, ask.kind)


@dataclass(frozen=True)
class AnsweringScore:
    """How one answer responds to its question's labelled asks. ``None``: does not apply."""

    asks_total: int
    asks_answered: int
    false_affirmative: bool
    not_stated_said: bool | None  # not_in_doc questions: the answer says what is missing
    place_declined: bool | None  # questions about another place: declined
    #: questions whose only labelled yes/no asks are granted by the document: opened with a yes
    yes_given: bool | None = None


def score_answering(item: QAItem, text: str, refused: bool) -> AnsweringScore:
    first = "" if refused else opening(text)
    answered = sum(ask_answered(a, first) for a in item.asks) if not refused else 0
    affirmative = bool(first) and bool(_AFFIRMATIVE_START.search(first))
    false_affirmative = affirmative and not _yes_allowed(item)
    not_stated: bool | None = None
    if item.type == "not_in_doc":
        missing = [a for a in item.asks if not a.stated]
        if refused:
            not_stated = False
        elif missing:
            not_stated = all(says_not_stated(text, a.kind) for a in missing)
        else:
            not_stated = says_not_stated(text)
    yes_no = [a for a in item.asks if a.kind == "yes_no"]
    granted = bool(yes_no) and all(a.stated and a.grants for a in yes_no) and not item.must_refuse
    return AnsweringScore(
        asks_total=len(item.asks),
        asks_answered=answered,
        false_affirmative=false_affirmative,
        not_stated_said=not_stated,
        place_declined=refused if item.place else None,
        yes_given=affirmative if granted else None,
    )


def _yes_allowed(item: QAItem) -> bool:
    """A yes may open an answer only when a labelled yes/no is granted by the document; without
    labels, for questions the document answers (not not_in_doc, not out_of_scope)."""
    if item.must_refuse:
        return False
    if item.asks:
        return any(a.kind == "yes_no" and a.stated and a.grants for a in item.asks)
    return item.type != "not_in_doc"


def aggregate(scores: Sequence[AnsweringScore]) -> dict[str, float | int | None]:
    """``asks_answered``, ``false_affirmatives``, ``yes_when_granted``, ``not_stated_recall``,
    ``other_places_declined``."""
    total = sum(s.asks_total for s in scores)
    granted = [s.yes_given for s in scores if s.yes_given is not None]
    said = [s.not_stated_said for s in scores if s.not_stated_said is not None]
    places = [s.place_declined for s in scores if s.place_declined is not None]
    return {
        "asks_answered": round(sum(s.asks_answered for s in scores) / total, 4) if total else None,
        "false_affirmatives": sum(s.false_affirmative for s in scores),
        "yes_when_granted": round(sum(granted) / len(granted), 4) if granted else None,
        "not_stated_recall": round(sum(said) / len(said), 4) if said else None,
        "other_places_declined": round(sum(places) / len(places), 4) if places else None,
        "n_asks": total,
    }
