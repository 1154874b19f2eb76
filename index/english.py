"""English questions searched with the corpus's own Chinese words, through CC-CEDICT.

The documents are Chinese; an English question shares no word with them, so BM25 found nothing
and English questions rested on the embedding model alone. CC-CEDICT (index/cedict.py) glosses
Chinese words in English.
Read backwards and kept to the words the corpus uses, it says which corpus words an English
word or short phrase stands for: subsidy → 补贴, engineer → 工程师, professional title → 职称.

Only words of two or more Chinese characters are kept, only glosses of at most three English
words, and only English words the corpus does not itself use (「AI」 in a document stays AI).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from index.cedict import Entry, cedict_entries

#: English words that carry no topic: never translated, dropped from embedded questions.
FUNCTION_WORDS = frozenset(
    """
    a an the of to in on at for from by with about into as is are was were be been being am
    do does did done can could may might will would shall should must i me my we our us you your
    he she him his her it its they them their this that these those what which who whom whose
    when where why how there here if or and but not no yes so than then too very just also any
    some all each every many much more most other such own same only get got have has had make
    made let please tell know want s t m re ve ll d
    """.split()  # noqa: SIM905 -- a word list reads better as text
)

_WORD = re.compile(r"[a-z]+")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ABBREVIATION = re.compile(r"\(([A-Z]{2,6})\)")
_PLACE_KINDS = frozenset({"municipality", "province", "city", "county", "district", "prefecture"})
_LEADING = ("to", "a", "an", "the", "sb", "sth", "one's")
#: longest English phrase looked up as one gloss
MAX_PHRASE = 3


def gloss_phrases(gloss: str) -> list[str]:
    """The short English phrases a gloss offers, lower-case.

    'to subsidize; allowance (pay)' → subsidize, allowance; an abbreviation in brackets counts
    too ('artificial intelligence (AI)' → artificial intelligence, ai), and a place name without
    its kind ('Shanghai municipality' → shanghai municipality, shanghai).
    """
    if gloss.startswith(("CL:", "see ", "variant of", "old variant", "surname ", "abbr. for")):
        return []
    phrases = [m.lower() for m in _ABBREVIATION.findall(gloss)]
    for part in re.split(r"[;,]", _PARENTHESES.sub(" ", gloss.lower())):
        words = _WORD.findall(part)
        while words and words[0] in _LEADING:
            words = words[1:]
        if 1 <= len(words) <= MAX_PHRASE and words[0] != "abbr":
            phrases.append(" ".join(words))
            if len(words) == 2 and words[1] in _PLACE_KINDS:
                phrases.append(words[0])
    return phrases


def forms(word: str) -> list[str]:
    """``word`` and the forms the dictionary may write it in, most literal first: subsidies →
    subsidy, recognised → recognized, applied → apply, issuing → issue."""
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    elif word.endswith(("sses", "xes", "ches", "shes")):
        out.append(word[:-2])
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    for british, american in (("ised", "ized"), ("ising", "izing"), ("isation", "ization"), ("ise", "ize")):
        if word.endswith(british):
            out.append(word[: -len(british)] + american)
            break
    for ending, replacements in (("ied", ("y",)), ("ed", ("", "e")), ("ing", ("", "e"))):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            out.extend(word[: -len(ending)] + r for r in replacements)
            break
    return list(dict.fromkeys(out))


#: noun and adjective endings whose word means what its stem does: annotation ~ annotate,
#: improvement ~ improve, vocational ~ vocation, apprenticeship ~ apprentice
_DERIVED = (
    ("ations", ("ate", "e")),
    ("ation", ("ate", "e")),
    ("ional", ("ion",)),
    ("ments", ("",)),
    ("ment", ("",)),
    ("ships", ("",)),
    ("ship", ("",)),
)


def stems(word: str) -> list[str]:
    """Words ``word`` is derived from by a meaning-keeping ending: certification → certificate."""
    for ending, replacements in _DERIVED:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return [word[: -len(ending)] + r for r in replacements]
    return []


@dataclass(frozen=True)
class EnglishBridge:
    """English word or phrase (as CC-CEDICT glosses it) → the corpus words it stands for."""

    table: dict[str, tuple[str, ...]]
    #: words the corpus itself uses; an English one among them is searched as itself
    vocabulary: frozenset[str] = frozenset()
    #: one-word English glosses of single characters (eight → 八, level → 级, new → 新): the parts
    #: a phrase the dictionary lacks is composed of, kept when the compound is a corpus word
    #: (high level → 高层次 through high → 高, level → 层次; new majors → 新专业)
    characters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def for_vocabulary(
        cls, vocabulary: Collection[str], entries: Iterable[Entry] | None = None
    ) -> EnglishBridge:
        """The bridge into ``vocabulary`` (the corpus's tokens); about 0.15 s over all of CC-CEDICT."""
        table: dict[str, dict[str, None]] = {}
        characters: dict[str, dict[str, None]] = {}
        for simplified, _, glosses in entries if entries is not None else cedict_entries():
            if len(simplified) == 1 and "\u4e00" <= simplified <= "\u9fff":
                for gloss in glosses:
                    for phrase in gloss_phrases(gloss):
                        if " " not in phrase and phrase not in FUNCTION_WORDS:
                            characters.setdefault(phrase, {})[simplified] = None
                continue
            if len(simplified) < 2 or simplified not in vocabulary:
                continue
            for gloss in glosses:
                for phrase in gloss_phrases(gloss):
                    table.setdefault(phrase, {})[simplified] = None
        return cls(
            {phrase: tuple(words) for phrase, words in table.items()},
            frozenset(vocabulary),
            {word: tuple(chars) for word, chars in characters.items()},
        )

    def __len__(self) -> int:
        return len(self.table)

    def pairs(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """(English phrase as written, corpus words) for ``text``, longest phrase first."""
        words = _WORD.findall(text.lower())
        out = []
        i = 0
        while i < len(words):
            size, found = self._match(words, i)
            if found:
                out.append((" ".join(words[i : i + size]), found))
            i += size
        return out

    def translate(self, text: str) -> list[str]:
        """Corpus words for the English words of ``text``."""
        return list(dict.fromkeys(w for _, words in self.pairs(text) for w in words))

    def _parts(self, word: str) -> list[str]:
        """What one English word can be in a compound: its corpus words and single characters."""
        out: dict[str, None] = {}
        for form in forms(word):
            out.update(dict.fromkeys(self.table.get(form, ())))
            out.update(dict.fromkeys(self.characters.get(form, ())))
        return list(out)

    def _composed(self, phrase: Sequence[str]) -> tuple[str, ...]:
        """Corpus words a phrase the dictionary lacks is composed of, part by part in order
        (high level → 高层次), or () when none is a word of the corpus."""
        parts = [self._parts(w) for w in phrase]
        if not all(parts) or sum(len(p) for p in parts) > 40:
            return ()
        found = ("".join(c) for c in itertools.product(*parts))
        return tuple(dict.fromkeys(w for w in found if w in self.vocabulary))

    def _match(self, words: list[str], i: int) -> tuple[int, tuple[str, ...]]:
        """The longest phrase at ``words[i]`` the table knows: (words it spans, corpus words).

        A single word also brings the words of the word it derives from (annotation → 注释, and
        through annotate → 标注); a phrase is taken as the dictionary writes it.
        """
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = words[i : i + size]
            if phrase[0] in FUNCTION_WORDS or phrase[-1] in FUNCTION_WORDS:
                continue
            if size == 1:
                break
            for key in (" ".join(variant) for variant in itertools.product(*(forms(w) for w in phrase))):
                if key in self.table:
                    return size, self.table[key]
            composed = self._composed(phrase)
            if composed:
                return size, composed
        word = words[i]
        if word in FUNCTION_WORDS or word in self.vocabulary:
            return 1, ()
        found: dict[str, None] = {}
        for candidates in (forms(word), [s for form in forms(word) for s in stems(form)]):
            key = next((c for c in candidates if c in self.table), "")
            found.update(dict.fromkeys(self.table.get(key, ())))
        return 1, tuple(found)
