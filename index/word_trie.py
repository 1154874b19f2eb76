"""The tokenizer's dictionary as an index stores it: a memory-mapped trie, looked up in place.

jieba keeps its dictionary as a dict: its own 350,000 words and every prefix of each, and with a
large corpus's derived terms 1.08 million entries. Building that dict took half a second of every
start and 150 MB. The build writes the words instead into a MARISA trie (``marisa-trie``) and their
frequencies into an array in the trie's key order; a process memory-maps both and looks words up
in them (a microsecond each), so opening an index builds nothing, and the pages a search touches
are read from the page cache shared by every process that opened the same index.

:class:`WordTrie` is a read-only ``Mapping`` of word → frequency, which is all jieba does with its
dictionary after loading it (``word in FREQ``, ``FREQ[word]``, ``FREQ.get(word)``); :class:`WordSet`
is the same without frequencies (which terms are compounds).
"""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from pathlib import Path
from typing import Any, Final, Literal

import marisa_trie

#: the frequency array's item type (machine order; an index is read where it was written)
_ITEM: Final = "q"
#: most words a :class:`WordTrie` remembers having looked up
_SEEN_MAX = 200_000
_UNSEEN = object()


def write_array(path: Path, values: Iterable[int]) -> None:
    """64-bit integers, as :func:`map_array` reads them."""
    path.write_bytes((values if isinstance(values, array) else array(_ITEM, values)).tobytes())


def map_array(path: Path, item: Literal["q", "B"] = _ITEM) -> Sequence[int] | None:
    """The integers :func:`write_array` wrote (``item`` "B": any file, as bytes), memory-mapped;
    None when missing or not such a file."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            if size == 0:
                return array(item)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError:
        return None
    if size % array(item).itemsize:
        return None
    return memoryview(mapped).cast(item)


def _trie(keys: Iterable[str]) -> marisa_trie.Trie:
    return marisa_trie.Trie(keys)


def _mapped_trie(path: Path) -> marisa_trie.Trie | None:
    trie = marisa_trie.Trie()
    try:
        trie.mmap(str(path))
    except (OSError, RuntimeError, ValueError):  # missing or not a trie
        return None
    return trie


class WordTrie(Mapping[str, int]):
    """Word → frequency (or any string → integer), held in a MARISA trie (key → id) and an array
    of the values by id."""

    def __init__(self, trie: marisa_trie.Trie, freqs: Any) -> None:
        """``freqs``: indexable by the trie's key ids (an ``array`` or a memoryview of one)."""
        if len(freqs) != len(trie):
            raise ValueError(f"expected a frequency per word; got {len(freqs)} for {len(trie)}")
        self._trie = trie
        self._freqs = freqs
        # words looked up so far → value (None: not a word), so the fragments jieba asks for again
        # and again (every question asks for 的, 补贴, 申请 …) cost a dict lookup, not a trie walk
        self._seen: dict[str, int | None] = {}

    @classmethod
    def build(cls, freq: Mapping[str, int]) -> WordTrie:
        trie = _trie(freq)
        freqs = array(_ITEM, bytes(len(trie) * array(_ITEM).itemsize))
        for word, i in trie.iteritems():
            freqs[i] = freq[word]
        return cls(trie, freqs)

    def save(self, stem: Path) -> None:
        """Writes ``stem``.marisa (the words) and ``stem``.values (their frequencies)."""
        self._trie.save(str(stem.with_suffix(".marisa")))
        write_array(stem.with_suffix(".values"), self._freqs)

    @classmethod
    def open(cls, stem: Path) -> WordTrie | None:
        """The table :meth:`save` wrote, memory-mapped; None when a file is missing or does not fit."""
        trie = _mapped_trie(stem.with_suffix(".marisa"))
        values = map_array(stem.with_suffix(".values"))
        if trie is None or values is None or len(values) != len(trie):
            return None
        return cls(trie, values)

    def _value(self, word: str) -> int | None:
        value = self._seen.get(word, _UNSEEN)
        if value is not _UNSEEN:
            return value  # type: ignore[return-value]
        i = self._trie.get(word) if isinstance(word, str) else None
        found = None if i is None else int(self._freqs[i])
        if len(self._seen) >= _SEEN_MAX:  # bounded: forget and start again
            self._seen.clear()
        self._seen[word] = found
        return found

    def __getitem__(self, word: str) -> int:
        value = self._value(word)
        if value is None:
            raise KeyError(word)
        return value

    def get(self, word: str, default: Any = None) -> Any:
        value = self._value(word)
        return default if value is None else value

    def __contains__(self, word: object) -> bool:
        return self._value(word) is not None  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)

    def __setitem__(self, word: str, freq: int) -> None:
        raise TypeError("a stored dictionary is read-only; build the index again to add words")


class WordSet(Set[str]):
    """A set of words held in a MARISA trie."""

    def __init__(self, trie: marisa_trie.Trie) -> None:
        self._trie = trie

    @classmethod
    def build(cls, words: Iterable[str]) -> WordSet:
        return cls(_trie(words))

    def save(self, path: Path) -> None:
        self._trie.save(str(path))

    @classmethod
    def open(cls, path: Path) -> WordSet | None:
        trie = _mapped_trie(path)
        return None if trie is None else cls(trie)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._trie

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)
