"""Typing slips in policy terms: 「新八级公是啥」 is also searched as 新八级工.

Chinese is typed by pinyin, and a slip picks another character with the same sound (公 for 工,
木 for 目). A stretch of the question that differs from one of the corpus's policy terms
(``PolicyTokenizer.terms``, four to sixteen characters) in exactly one character, where the two
characters share a reading in CC-CEDICT (index/cedict.py), is taken to mean that term, and the
term is searched too. The question itself is never rewritten: the term is added, as the
everyday-word and English expansions are.

A stretch whose different character makes a word of the dictionary with its neighbours (旅行 in
「旅行过程」, 病历: jieba's words, as the index's tokenizer knows them) was typed as meant, not
slipped: it is left alone, however close a term of the corpus (履行过程, 病理) sounds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping

from index.cedict import cedict_entries

MIN_TERM = 4
MAX_TERM = 16
_HAN_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
_HAN_RUN = re.compile(rf"[\u3400-\u9fff]{{{MIN_TERM},}}")
_MASK = "\0"


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
    """Finds the policy terms a question meant where it typed a same-sounding character."""

    def __init__(
        self,
        terms: Iterable[str],
        readings: Mapping[str, frozenset[str]] | None = None,
        is_word: Callable[[str], bool] | None = None,
    ) -> None:
        """``is_word``: whether a string is a word of the dictionary (the index passes its
        tokenizer's ``known_word``); without one, every same-sounding stretch may be a slip."""
        self._readings = readings if readings is not None else char_readings()
        self._is_word = is_word if is_word is not None else (lambda text: False)
        #: a term with one character masked → (term, masked position)
        self._masked: dict[str, list[tuple[str, int]]] = {}
        for term in set(terms):
            if MIN_TERM <= len(term) <= MAX_TERM and _HAN_ONLY.match(term):
                for i in range(len(term)):
                    self._masked.setdefault(term[:i] + _MASK + term[i + 1 :], []).append((term, i))
        self._lengths = sorted({len(key) for key in self._masked})
        self._chars = frozenset(ch for key in self._masked for ch in key if ch != _MASK)

    def __len__(self) -> int:
        return len(self._masked)

    def corrections(self, text: str) -> list[tuple[str, str]]:
        """(what was typed, the term meant) for each slip in the normalised ``text``."""
        found: dict[str, str] = {}
        for run in _HAN_RUN.findall(text):
            # a window may hold at most one character that no term has (the slip itself)
            foreign = [0]
            for ch in run:
                foreign.append(foreign[-1] + (ch not in self._chars))
            for size in self._lengths:
                for start in range(len(run) - size + 1):
                    if foreign[start + size] - foreign[start] > 1:
                        continue
                    window = run[start : start + size]
                    for i in range(size):
                        for term, _ in self._masked.get(window[:i] + _MASK + window[i + 1 :], ()):
                            if (
                                window[i] != term[i]
                                and self._sound_alike(window[i], term[i])
                                and not self._typed_word(window, i)
                            ):
                                found.setdefault(window, term)
        # a slip inside a longer matched stretch is that stretch's: keep the longest
        return [
            (typed, term)
            for typed, term in found.items()
            if not any(typed in o and typed != o for o in found)
        ]

    def _typed_word(self, window: str, i: int) -> bool:
        """Whether the character at ``i`` makes a dictionary word with its neighbours (旅行)."""
        return any(
            self._is_word(window[a:b])
            for a in range(max(0, i - 3), i + 1)
            for b in range(max(i + 1, a + 2), min(len(window), i + 4) + 1)
        )

    def _sound_alike(self, typed: str, meant: str) -> bool:
        return bool(self._readings.get(typed, frozenset()) & self._readings.get(meant, frozenset()))
