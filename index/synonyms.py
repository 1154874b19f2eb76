"""Everyday words in questions searched as the words policy documents use (index/synonyms.txt).

Citizens ask 「开公司有什么支持」; the notice says 创业 and 创办企业. A question word that the
corpus never uses is expanded to its document words, when the corpus uses those. Words the
corpus itself uses are left alone (「工资」 stays 工资), so an expansion can only add matches a
question would otherwise miss.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


def read_table(path: Path = SYNONYMS_FILE) -> dict[str, tuple[str, ...]]:
    """everyday word → document words, from lines ``everyday … => document …``."""
    table: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        left, arrow, right = line.partition("=>")
        everyday, formal = left.split(), tuple(right.split())
        if not arrow or not everyday or not formal:
            raise ValueError(f"{path}:{number}: expected 'everyday words => document words'; got {line!r}")
        for word in everyday:
            table[word] = tuple(dict.fromkeys(table.get(word, ()) + formal))
    return table


class Synonyms:
    """Expands a question's tokens with the document words of its everyday words."""

    def __init__(
        self,
        table: Mapping[str, Iterable[str]],
        vocabulary: Collection[str],
        tokenize: Callable[[str], list[str]] | None = None,
    ) -> None:
        """``vocabulary``: the corpus's tokens; ``tokenize`` cuts document words the way the
        corpus was cut (创办企业 → 创办 / 企业), so they meet its tokens."""
        self._table: dict[str, tuple[str, ...]] = {}
        for word, formal in table.items():
            tokens = [t for f in formal for t in ([f, *tokenize(f)] if tokenize else [f])]
            kept = tuple(dict.fromkeys(t for t in tokens if t in vocabulary))
            if kept and word not in vocabulary:
                self._table[word] = kept

    @classmethod
    def for_vocabulary(
        cls,
        vocabulary: Collection[str],
        tokenize: Callable[[str], list[str]] | None = None,
        path: Path = SYNONYMS_FILE,
    ) -> Synonyms:
        return cls(read_table(path), vocabulary, tokenize)

    def __len__(self) -> int:
        return len(self._table)

    def words(self) -> list[str]:
        """The everyday words this corpus has document words for."""
        return list(self._table)

    def pairs(self, tokens: Iterable[str], text: str = "") -> list[tuple[str, tuple[str, ...]]]:
        """(everyday word, its document words) for the everyday words among ``tokens`` (or, for
        words of two or more characters, anywhere in the normalised ``text``: jieba cuts 开公司
        into 开 / 公司)."""
        seen = set(tokens)
        return [
            (word, formal)
            for word, formal in self._table.items()
            if word in seen or (len(word) > 1 and word in text)
        ]

    def expand(self, tokens: Iterable[str], text: str = "") -> list[str]:
        """The document words ``pairs`` finds that the question does not already say."""
        seen = set(tokens)
        extra: list[str] = []
        for _, formal in self.pairs(seen, text):
            extra.extend(f for f in formal if f not in seen and f not in extra)
        return extra
