"""Which place a question is about: China's administrative divisions, and the role a place plays.

The gazetteer is the ``cpca`` package's ``resources/adcodes.csv`` (MIT): 3,511 provinces,
prefecture-level cities and counties with their administrative codes, read from the installed
package without importing it. A division is found by its full name (绍兴市, 柯桥区), by its
short name for provinces and prefecture-level cities (绍兴, 浙江), and for counties when jieba's
dictionary knows the short name only as a place or not at all (柯桥, not 和平 or 朝阳). English
names (Shaoxing, Inner Mongolia) come from CC-CEDICT's entries for the same places. A name
inside a longer dictionary word does not count (阿里 in 阿里巴巴, 三明 in 三明治).

The loaded documents' own region (上海: its code prefix 31) is home: a question about a place
there (浦东, 松江) is in scope. A place elsewhere counts only in the role of where the asker is or
whose policy it is (「我在成都，…」「绍兴的技能补贴」), not as where the asker comes from or
where a certificate was obtained (「我是北京来的」「在香港考的证书」).
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from index.cedict import cedict_entries

_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "林区",
    "特区",
    "省",
    "市",
    "盟",
    "县",
    "区",
    "旗",
)
#: Full names that are not names of one place.
_GENERIC = frozenset({"城区", "郊区", "矿区", "市辖区", "县", "新区", "开发区"})


#: China's 56 ethnic groups, also from cpca: their names end autonomous divisions' names
#: (黔南布依族苗族自治州 → 黔南).
def _ethnic_names() -> tuple[str, ...]:
    with (gazetteer_file().parent / "56_nations.csv").open(encoding="utf-8") as handle:
        names = {cell.strip() for row in csv.reader(handle) for cell in row if cell.strip().endswith("族")}
    return tuple(sorted(names, key=len, reverse=True))


#: Where the asker comes from, or where a credential comes from: background, not the question's place.
_ORIGIN_AFTER = re.compile(
    r"^(市|省|区|县)?(来的|过来|人(?![才社力事员])|户口|户籍|籍|老家|毕业(?!生)|的大学|的高校|的学校|大学(?!生)|考的|考过|取得|获得|颁发|发的|的证|"
    r"的学历|的文凭|的职称(?!评|政策|制度|改革|体系|申报)|读的|上的学|出生|生源)"
)
#: 「湖北大学生」「北京毕业生」: the students or graduates of a place — whose policy is asked about,
#: unless the question goes on to where they move (「…来上海」「…在沪」).
_STUDENTS_OF = re.compile(r"^(市|省|区|县)?(的)?(高校|应届)?(大学生|毕业生|学生|大中专生)")
_MOVING_ON = re.compile(r"[来到在赴留回](?!哪)(了)?[\u4e00-\u9fff]{1,4}")
_ORIGIN_BEFORE = re.compile(
    r"(户口在|户口是|户籍在|户籍是|老家在|老家是|来自|毕业于|出生在|出生于|从|原籍|籍贯)\s*$"
)
_ORIGIN_EN_BEFORE = re.compile(
    r"\b(from|born in|graduated in|graduated from|studied in|hukou (is )?in)\s*$", re.I
)


@dataclass(frozen=True)
class Place:
    """A division named in a text: the words as written, its full name and its codes (普陀区 is
    a district of Shanghai and of Zhoushan: both codes)."""

    written: str
    name: str
    codes: tuple[str, ...]
    start: int

    @property
    def level(self) -> str:
        return _level(self.codes[0])

    def within(self, prefixes: Iterable[str]) -> bool:
        """Whether any division of this name lies in a region given by code prefixes (31: 上海)."""
        return any(code.startswith(prefix) for code in self.codes for prefix in prefixes)


def _level(code: str) -> str:
    if code[2:].strip("0") == "":
        return "province"
    return "city" if code[4:].strip("0") == "" else "county"


def gazetteer_file() -> Path:
    """cpca's bundled table of divisions (located without importing the package)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the cpca package is not installed (pip install cpca): it carries the gazetteer"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def read_divisions(path: Path | None = None) -> list[tuple[str, str]]:
    """(code, full name) of every division in the gazetteer."""
    with (path or gazetteer_file()).open(encoding="utf-8") as handle:
        return [(row["adcode"], row["name"].strip()) for row in csv.DictReader(handle) if row.get("name")]


def short_name(name: str) -> str:
    """绍兴市 → 绍兴, 黔南布依族苗族自治州 → 黔南, 浦东新区 → 浦东; '' when too short to stand alone."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if "自治" in suffix:
                stem = _strip_ethnic(stem)
            return stem if len(stem) >= 2 else ""
    return ""


@cache
def _ethnic() -> tuple[str, ...]:
    return _ethnic_names()


def _strip_ethnic(stem: str) -> str:
    """黔南布依族苗族 → 黔南: the ethnic names an autonomous division's name ends with."""
    changed = True
    while changed:
        changed = False
        for ethnic in _ethnic():
            if stem.endswith(ethnic) and len(stem) > len(ethnic):
                stem, changed = stem[: -len(ethnic)], True
    return stem


class Gazetteer:
    """Finds divisions of China in Chinese and English text.

    ``is_word`` tells whether a string is a word of the general dictionary (a place name inside
    a longer word does not count); ``place_word`` whether the dictionary knows a county's short
    name only as a place or not at all (so 柯桥 counts, 和平 does not).
    """

    def __init__(
        self,
        divisions: Iterable[tuple[str, str]],
        is_word: Callable[[str], bool],
        place_word: Callable[[str], bool],
        known_place: Callable[[str], bool] = lambda name: False,
    ) -> None:
        self._known_place = known_place
        self._is_word = is_word
        self._names: dict[str, tuple[str, tuple[str, ...]]] = {}  # written form → (full name, codes)
        for code, name in divisions:
            if name in _GENERIC:
                continue
            self._add(name, name, code)
            short = short_name(name)
            if short and (_level(code) == "province" or place_word(short)):
                self._add(short, name, code)
        longest = sorted(self._names, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, longest)))

    def _add(self, written: str, name: str, code: str) -> None:
        full, codes = self._names.get(written, (name, ()))
        self._names[written] = (full, (*codes, code))

    @cached_property
    def _english(self) -> tuple[dict[str, tuple[str, tuple[str, ...]]], re.Pattern[str]]:
        """English names of divisions, from CC-CEDICT (its place entries: pinyin with a capital,
        and the name the gloss starts with). One spelling may stand for several divisions
        (Changning: 长宁区 of Shanghai and 常宁市 of Hunan): it carries all their codes, so a
        spelling shared with a home district is never declined."""
        names: dict[str, tuple[str, tuple[str, ...]]] = {}
        other_names: set[str] = set()  # spellings of proper names that are not divisions (Xinhua: 新华)
        for entry in cedict_entries():
            if not entry.pinyin[:1].isupper():
                continue
            target = self._names.get(entry.simplified)
            if target is None:
                other_names.add("".join(re.sub(r"[\d ]", "", entry.pinyin)).replace("u:", "ü").lower())
                continue
            syllables = [re.sub(r"\d", "", s).replace("u:", "ü") for s in entry.pinyin.split()]
            if entry.simplified.endswith(("区", "县", "市", "省")) and len(syllables) == len(
                entry.simplified
            ):
                syllables = syllables[:-1]  # Minhang, not Minhangqu
            for english in {"".join(syllables), *_leading_names(entry.glosses[0])}:
                if len(english) >= 4:
                    key = english.lower()
                    full, codes = names.get(key, (target[0], ()))
                    names[key] = (full, tuple(dict.fromkeys((*codes, *target[1]))))
        names.pop("china", None)
        for spelling in [n for n, (_, codes) in names.items() if n in other_names]:
            if all(_level(c) == "county" for c in names[spelling][1]):
                del names[spelling]  # a county spelled like another proper name is not found in English
        pattern = re.compile(
            r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b", re.I
        )
        return names, pattern

    def find(self, text: str) -> list[Place]:
        """Every division named in ``text``, in order (the longest name at each position)."""
        found = []
        for m in self._pattern.finditer(text):
            if self._inside_word(text, m.start(), m.end()):
                continue
            name, codes = self._names[m.group(0)]
            if self._part_of_other_name(text, m.group(0), m.end()):
                continue  # 「雄安新区」 is not 安新(县)
            if (
                m.group(0) != name
                and _level(codes[0]) == "county"
                and not self._known_place(m.group(0))
                and not _place_context(text, m.start(), m.end())
            ):
                continue  # a county's short name is also a word (互联网「大厂」): only where it reads as a place
            found.append(Place(m.group(0), name, codes, m.start()))
        if re.search(r"[A-Za-z]{4}", text):
            names, pattern = self._english
            for m in pattern.finditer(text):
                name, codes = names[m.group(0).lower()]
                if all(_level(c) == "county" for c in codes) and not m.group(0)[0].isupper():
                    continue  # a county is named with a capital (Kunshan), not as a word in lower case
                found.append(Place(m.group(0), name, codes, m.start()))
        return sorted(found, key=lambda p: p.start)

    def _part_of_other_name(self, text: str, written: str, end: int) -> bool:
        """Whether a short name runs into a division suffix that does not make its own full name:
        in 「雄安新区」 the 安新 of 安新县 is followed by 新区, so it is part of another name."""
        name = self._names[written][0]
        if written == name:
            return False
        suffix = next((s for s in _SUFFIXES if text.startswith(s, end)), "")
        return bool(suffix) and written + suffix not in self._names and suffix not in ("市", "省")

    def _inside_word(self, text: str, start: int, end: int) -> bool:
        """Whether a longer dictionary word that is not a place covers the match (阿里巴巴)."""
        for a in range(max(0, start - 3), start + 1):
            for b in range(end, min(len(text), end + 3) + 1):
                if (a, b) == (start, end) or b - a <= end - start:
                    continue
                piece = text[a:b]
                if piece not in self._names and self._is_word(piece):
                    if a == start and any(
                        self._is_word(text[end:c]) for c in range(b + 1, min(len(text), b + 2) + 1)
                    ):
                        continue  # 苏州|大学生, not 苏州大学|生: the rest reads as a longer word
                    return True
        return False


_BEFORE_PLACE = re.compile(r"(在|去|到|来|回|从|是|我们|咱们|我|老家|户口|户籍|省|市)$")
_AFTER_PLACE = re.compile(
    r"^(的|这边|那边|当地|本地|市|区|县|地区|这里|那里|人社|政府|户口|户籍|人$|人[，,。？?])"
)


def _place_context(text: str, start: int, end: int) -> bool:
    """Whether a county's short name stands where a place is said: after 在/去/来/我们…, or before
    的/这边/当地/人社… (「我们柯桥的补贴」「在萧山」), not inside a phrase (「互联网大厂」)."""
    return bool(
        _BEFORE_PLACE.search(text[max(0, start - 3) : start]) or _AFTER_PLACE.match(text[end : end + 4])
    )


def _leading_names(gloss: str) -> list[str]:
    """The proper name a CC-CEDICT gloss starts with: "Shaoxing, prefecture-level city" → Shaoxing."""
    m = re.match(r"([A-Z][\w'’ü-]*(?: [A-Z][\w'’ü-]*)*)", gloss)
    if not m:
        return []
    name = re.split(
        r" (?:Zhuang|Hui|Uighur|Uyghur|Autonomous|Special|Province|Prefecture|City|County|District|New Area)\b",
        m.group(1),
    )[0]
    return [name] if name else []


def is_origin(text: str, place: Place) -> bool:
    """Whether a place is where the asker (or a certificate) comes from, not the question's place:
    「我是北京来的」「户口在安徽」「在香港考的证书」 "I'm from Beijing"."""
    before = text[: place.start]
    after = text[place.start + len(place.written) :]
    if _ORIGIN_BEFORE.search(before) or _ORIGIN_EN_BEFORE.search(before):
        return True
    if _STUDENTS_OF.match(after):
        # 「湖北大学生创业补贴」 asks about that place's students; 「北京毕业生来沪创业」 names where they came from
        return bool(_MOVING_ON.search(after))
    return bool(_ORIGIN_AFTER.match(after)) or bool(re.match(r"^\S{0,4}(考|取得|获得)的", after))


def jieba_dictionary() -> dict[str, tuple[int, str]]:
    """jieba's bundled dictionary: word → (frequency, part-of-speech tag)."""
    import jieba

    words: dict[str, tuple[int, str]] = {}
    with jieba.get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and parts[1].isdigit():
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def make_gazetteer(dictionary: Mapping[str, tuple[int, str]] | None = None) -> Gazetteer:
    """The gazetteer over cpca's divisions. A short name (绍兴, 柯桥) counts when jieba's
    dictionary tags it as a place, does not know it, or knows it only as a rare word; 和平 and
    公安 (common words) are found only by their full names."""
    words = jieba_dictionary() if dictionary is None else dictionary

    def place_word(name: str) -> bool:
        freq, tag = words.get(name, (0, ""))
        return freq == 0 or tag == "ns" or freq < 100

    def known_place(name: str) -> bool:
        return words.get(name, (0, ""))[1] == "ns"

    return Gazetteer(read_divisions(), lambda w: words.get(w, (0, ""))[0] > 0, place_word, known_place)
