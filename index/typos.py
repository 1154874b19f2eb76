"""Typing slips in policy terms: 「新八级公是啥」 is also searched as 新八级工.

Chinese is typed by pinyin, and a slip picks another character with the same sound (公 for 工,
木 for 目). A stretch of the question that differs from one of the corpus's policy terms
(``PolicyTokenizer.terms``, four to sixteen characters) in exactly one character, where the two
characters share a reading in CC-CEDICT (index/cedict.py), is taken to mean that term, and the
term is searched too. The question itself is never rewritten: the term is added, as the
everyday-word and English expansions are.

A stretch whose different character makes a word of the dictionary with its neighbours (旅行 in
「旅行过程」, 病历: jieba's words, as the index's tokenizer knows them) or a word of the corpus (a
token its keyword index holds) was typed as meant, not slipped: it is left alone, however close a
term of the corpus (履行过程, 病理) sounds.

Only names are slip targets (``slip_targets``): headings, quoted names and named measures. A
frequent compound of a large corpus is often a clause fragment (用人单位未); taking it as a target
read a question's correctly typed 用人单位违 as a slip for it (违→未).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Container, Iterable, Mapping
from typing import TYPE_CHECKING

from index.cedict import cedict_entries

if TYPE_CHECKING:
    from index.text import PolicyTokenizer

MIN_TERM = 4
MAX_TERM = 16
_HAN_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
_HAN_RUN = re.compile(rf"[\u3400-\u9fff]{{{MIN_TERM},}}")


@functools.lru_cache(maxsize=1)
def char_readings() -> Mapping[str, frozenset[str]]:
    """Character → its readings without tones (工 → {gong}; 行 → {xing, hang}), from CC-CEDICT."""
    readings: dict[str, set[str]] = {}
    for entry in cedict_entries():
        if len(entry.simplified) == 1 and entry.pinyin:
            syllable = entry.pinyin.lower().rstrip("012345").replace("u:", "v")
            readings.setdefault(entry.simplified, set()).add(syllable)
    return {char: frozenset(sounds) for char, sounds in readings.items()}


class Homophones:
    """Finds the policy terms a question meant where it typed a same-sounding character.

    Nothing is tabulated in advance: each stretch of the question is walked through the terms'
    prefixes (the tokenizer's dictionary holds every prefix of its words), allowing one
    character to be swapped for a same-sounding one, so opening an index with 184,000 derived
    terms costs no start-up time and a question a fraction of a millisecond.
    """

    def __init__(
        self,
        terms: Iterable[str],
        readings: Mapping[str, frozenset[str]] | None = None,
        is_word: Callable[[str], bool] | None = None,
        prefixes: Container[str] | None = None,
    ) -> None:
        """``is_word``: whether a string is a word of the dictionary (the index passes its
        tokenizer's ``known_word``); without one, every same-sounding stretch may be a slip.
        ``prefixes``: a set holding every prefix of every term (the index passes its tokenizer's
        dictionary, which does); built from ``terms`` when not given."""
        self._readings = readings if readings is not None else char_readings()
        self._is_word = is_word if is_word is not None else (lambda text: False)
        self._terms = frozenset(t for t in terms if MIN_TERM <= len(t) <= MAX_TERM and _HAN_ONLY.match(t))
        self._prefixes: Container[str] = (
            prefixes if prefixes is not None else {t[:i] for t in self._terms for i in range(1, len(t) + 1)}
        )
        self._by_sound: dict[str, set[str]] = {}
        for char, sounds in self._readings.items():
            for sound in sounds:
                self._by_sound.setdefault(sound, set()).add(char)
        self._alike: dict[str, tuple[str, ...]] = {}
        self._term_chars: frozenset[str] | None = None  # made on first use

    def __len__(self) -> int:
        return len(self._terms)

    def corrections(self, text: str) -> list[tuple[str, str]]:
        """(what was typed, the term meant) for each slip in the normalised ``text``."""
        found: dict[str, str] = {}
        for run in _HAN_RUN.findall(text):
            for start in range(len(run) - MIN_TERM + 1):
                self._walk(run, start, found)
        # a slip inside a longer matched stretch is that stretch's: keep the longest
        return [
            (typed, term)
            for typed, term in found.items()
            if not any(typed in o and typed != o for o in found)
        ]

    def _walk(self, run: str, start: int, found: dict[str, str]) -> None:
        """Every term that ``run[start:]`` begins with, but for one same-sounding character."""
        prefixes = self._prefixes
        # (next position in run, the term's prefix so far, where the swapped character is or -1)
        stack = [(start, "", -1)]
        while stack:
            pos, prefix, swapped = stack.pop()
            if swapped >= 0 and len(prefix) >= MIN_TERM and prefix in self._terms:
                window = run[start:pos]
                if not self._typed_word(window, swapped):
                    found.setdefault(window, prefix)
            if pos == len(run) or len(prefix) == MAX_TERM:
                continue
            char = run[pos]
            if prefix + char in prefixes:
                stack.append((pos + 1, prefix + char, swapped))
            if swapped < 0:
                for other in self._sound_alike(char):
                    if prefix + other in prefixes:
                        stack.append((pos + 1, prefix + other, len(prefix)))

    def _typed_word(self, window: str, i: int) -> bool:
        """Whether the character at ``i`` makes a dictionary word with its neighbours (旅行)."""
        return any(
            self._is_word(window[a:b])
            for a in range(max(0, i - 3), i + 1)
            for b in range(max(i + 1, a + 2), min(len(window), i + 4) + 1)
        )

    def _sound_alike(self, char: str) -> tuple[str, ...]:
        """The other characters that share a reading with ``char``."""
        alike = self._alike.get(char)
        if alike is None:
            if self._term_chars is None:
                self._term_chars = frozenset("".join(self._terms))
            others: set[str] = set()
            for sound in self._readings.get(char, ()):
                others |= self._by_sound.get(sound, set())
            others &= self._term_chars  # a character no term holds cannot be the one meant
            others.discard(char)
            alike = self._alike[char] = tuple(sorted(others))
        return alike


def slip_targets(tokenizer: PolicyTokenizer) -> tuple[str, ...]:
    """The terms a slip may be read as: the tokenizer's names (headings, quoted names, named
    measures), or all its terms when it does not know which are names (an index written before)."""
    return tokenizer.names if tokenizer.names is not None else tokenizer.terms


def corpus_or_dictionary_word(
    tokenizer: PolicyTokenizer, vocabulary: Collection[str]
) -> Callable[[str], bool]:
    """Whether a stretch is a word of the tokenizer's dictionary or a token of the corpus."""
    return lambda text: tokenizer.known_word(text) or text in vocabulary
