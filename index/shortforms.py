"""Short forms of the corpus's named measures: 技能补贴 → 职业技能提升补贴.

Citizens shorten a measure's name to its telling words: 「技能补贴」 for 职业技能提升补贴,
「技能证书」 for 技能等级证书, 「工程师项目」 for 数字技术工程师培育项目. A run of two or three
adjacent question words that ends in a word naming a kind of measure (补贴, 证书, 项目 … the
tokenizer's ``HEAD_WORDS``) is read as a short form of every corpus name with that ending whose
other words appear in it in the same order — when there are few such names, and when the run is
not itself a corpus word. The names are searched as equivalents of the short form (summed, like
everyday words). No list: the corpus's own names (index/text.py ``derive_terms``) are the
targets, and the question's own words decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from index.text import HEAD_WORDS


class ShortForms:
    """Finds short forms of ``names`` (corpus terms ending in a measure word) in questions."""

    def __init__(self, names: Iterable[str], vocabulary: Collection[str], max_names: int = 4) -> None:
        self._vocabulary = vocabulary
        self._max_names = max_names
        self._by_head: dict[str, list[str]] = {}
        # the longest head a name ends with, looked up by its ending (184k names at scale)
        lengths = sorted({len(h) for h in HEAD_WORDS}, reverse=True)
        heads = tuple(HEAD_WORDS)
        # the few names that end in a head word, picked out before the slower look at each
        for name in sorted({n for n in names if n.endswith(heads)}):
            head = next((name[-n:] for n in lengths if name[-n:] in HEAD_WORDS), None)
            if head is not None and len(name) > len(head) + 1:
                self._by_head.setdefault(head, []).append(name)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_head.values())

    def pairs(self, words: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """(short form as typed, the corpus names it stands for) for the runs of ``words`` (the
        question's words in order) that shorten a name."""
        found: dict[str, tuple[str, ...]] = {}
        for end, head in enumerate(words):
            if head not in self._by_head:
                continue
            for start in (end - 1, end - 2):
                if start < 0:
                    break
                modifiers = list(words[start:end])
                typed = "".join(words[start : end + 1])
                if all(len(w) < 2 for w in modifiers) or typed in self._vocabulary or typed in found:
                    continue
                names = tuple(
                    n
                    for n in self._by_head[head]
                    if n != typed and _in_order(modifiers, n[: -len(head)]) and typed not in n
                )
                if 0 < len(names) <= self._max_names:
                    found[typed] = names
                    break
        return list(found.items())


def _in_order(parts: Sequence[str], text: str) -> bool:
    """Whether every part occurs in ``text``, each after the previous one."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True
