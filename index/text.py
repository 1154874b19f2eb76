"""Chinese text for lexical matching: normalisation, policy terms and a jieba tokenizer.

Matching is done on a normalised form (traditional → simplified, full-width → half-width,
lower-case), so 「數字技術工程師」, 「数字技术工程师」 and 「ＡＩ」/「ai」 meet. Policy terms (article
headings, quoted titles, frequent phrases) are derived from the corpus itself and added to a
private :class:`jieba.Tokenizer`, so 「职业技能提升补贴」 stays one token as well as its parts.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import jieba
import jieba.finalseg
import opencc

from index.english import FUNCTION_WORDS

log = logging.getLogger(__name__)

#: Question words, particles and filler that say nothing about which article is meant.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 么 哦 哪 那 这 是 在 有 和 与 及 或 也 都 就 还 又 对 把 被 给 从 让
    什么 怎么 怎么办 咋办 怎样 怎么样 如何 哪些 哪个 哪里 哪儿 多少 几 为什么 为何 是否 能否 可否 可以 能 会 要
    需要 想 请问 请 问 一下 我 我们 你 你们 他 她 它 他们 有没有 有无 是不是 会不会 能不能 可不可以
    没有 不 啥 咋 个 些 这个 那个 这些 那些 这样 那样 里 上 中 下 说 讲 吗 么 呗 嗯 哈 啦 咯 诶 喔
    一 之 其 所 等 该 各 及其 以及 并 并且 而 而且 但 但是 如果 因为 所以 关于 对于 具体 主要 相关
    the a an of to in is are what how which who when does do for on and or
    """.split()  # noqa: SIM905 -- a word list reads better as text
)

_HAN = r"\u3400-\u9fff"
_QUOTED = re.compile(r"《([^《》]{2,40})》|“([^“”]{2,20})”|\"([^\"]{2,20})\"|「([^「」]{2,20})」")
_HAN_RUN = re.compile(f"[{_HAN}]+")
_TOKEN_OK = re.compile(rf"[{_HAN}0-9a-z]")
_ASCII_END = re.compile(r"[0-9a-z]$")
_ASCII_START = re.compile(r"[0-9a-z]")


def _has_content(text: str) -> bool:
    """True if ``text`` holds at least one letter or digit (not only spaces, punctuation or emoji)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


class Normalizer:
    """Traditional → simplified (OpenCC ``t2s``), NFKC (full-width → half-width), lower-case."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")

    def __call__(self, text: str) -> str:
        return str(self._t2s.convert(unicodedata.normalize("NFKC", text))).lower()


#: The kinds of policy terms :func:`derive_terms` finds (all of them by default).
TERM_KINDS = frozenset({"headings", "quoted", "compounds", "measures"})


def derive_terms(
    texts: Iterable[str],
    headings: Iterable[str] = (),
    cut: Callable[[str], Iterable[str]] | None = None,
    min_count: int = 2,
    min_len: int = 4,
    max_len: int = 12,
    kinds: frozenset[str] = TERM_KINDS,
    names: set[str] | None = None,
) -> list[str]:
    """Policy terms found in the corpus itself, for the tokenizer's dictionary.

    * quoted names: 《…》 titles, “…” / 「…」 terms (“新八级工”, “产学研用”);
    * article headings, and the same without their leading verb (实施 / 推进 / 加大 …);
    * frequent compounds: runs of 2–4 consecutive word tokens (``cut``, the base jieba
      segmentation) of ``min_len``..``max_len`` Chinese characters that occur at least
      ``min_count`` times in one text and are not just part of an equally frequent longer run
      (数字技术工程师, 数字技能提升行动 …). Counting per text keeps memory bounded;
    * named measures, even when said once: the longest run of 2–5 word tokens ending in a word
      that names a measure (补贴, 贷款, 证书, 项目, 休假 … ``HEAD_WORDS``), starting with a
      noun rather than a verb and not joining two (职业技能提升补贴, 创业担保贷款, 学术休假,
      中青年工程师创新创业大赛; not 加大补贴, not 贷款及贴息), and the same for the words
      before a bracketed qualifier (急需紧缺职业(工种)). Verbs inside stay allowed (创新, 转化):
      names are built with them; a few clause pieces come along too.

    ``texts`` and ``headings`` should already be normalised. Without ``cut`` a private base
    jieba tokenizer is created (about half a second). ``kinds``: which of ``TERM_KINDS``
    (headings, quoted, compounds, measures) to derive. ``names``, when given, is filled with the
    terms that are names (headings, quoted names, named measures), not only frequent compounds.
    """
    unknown = kinds - TERM_KINDS
    if unknown:
        raise ValueError(f"expected term kinds among {sorted(TERM_KINDS)}; got {sorted(unknown)}")
    if not kinds:
        return []
    if cut is None:
        _quiet_jieba()
        base = jieba.Tokenizer()
        cut = lambda run: base.cut(run, HMM=False)  # noqa: E731
    terms: set[str] = set()
    compounds: set[str] = set()
    for heading in headings if "headings" in kinds else ():
        heading = heading.strip("。 ")
        if 2 <= len(heading) <= 16:
            terms.add(heading)
            if len(heading) >= 6:
                terms.add(heading[2:])  # 实施数字技术工程师培育项目 → 数字技术工程师培育项目
    for text in texts:
        if "quoted" in kinds:
            for match in _QUOTED.finditer(text):
                term = next(g for g in match.groups() if g).strip()
                if len(term) <= 40 and _TOKEN_OK.search(term):
                    terms.add(term)
        if not kinds & {"compounds", "measures"}:
            continue
        runs = [
            ([w for w in cut(run.group()) if w], text.startswith("(", run.end()))
            for run in _HAN_RUN.finditer(text)
        ]
        if "compounds" in kinds:
            compounds.update(_frequent_compounds([words for words, _ in runs], min_count, min_len, max_len))
        if "measures" in kinds:
            terms.update(_named_measures(runs, min_len, max_len))
    if names is not None:
        names.update(t for t in terms if _has_content(t))
    return sorted(t for t in terms | compounds if _has_content(t))


#: Words that end the name of a policy measure: 职业技能提升「补贴」, 创业担保「贷款」, 学术「休假」.
HEAD_WORDS = frozenset(
    """
    补贴 补助 津贴 贴息 贷款 奖励 奖金 资助 基金 保险 证书 职称 资格 项目 计划 行动 清单 目录
    大赛 竞赛 休假 基地 平台 专项
    """.split()  # noqa: SIM905 -- a word list reads better as text
)
#: jieba part-of-speech tags a measure's name may start with (nouns, noun-verbs, attributives)
_NAME_START_TAGS = ("n", "vn", "b", "a", "j", "s")


def _named_measures(runs: Iterable[tuple[list[str], bool]], min_len: int, max_len: int) -> set[str]:
    """``runs``: the words of each run of Chinese characters, and whether 「(」 follows it."""
    import jieba.posseg  # its tables take a second or more to import; only a build derives terms

    tags = jieba.posseg.dt.word_tag_tab  # the base dictionary's tags; read only
    found = set()
    for words, qualified in runs:  # qualified: 急需紧缺职业(工种), a name before its qualifier
        for end, word in enumerate(words):
            if word not in HEAD_WORDS and not (qualified and end == len(words) - 1):
                continue
            for start in range(max(0, end - 4), end):
                name = "".join(words[start : end + 1])
                starts_with_a_noun = (
                    tags.get(words[start], "x").startswith(_NAME_START_TAGS)
                    and words[start] not in _SCOPE_WORDS
                )
                joined = any(w in _EDGE_WORDS for w in words[start:end])  # 需求「的」职称, 贷款「及」贴息
                if min_len <= len(name) <= max_len and starts_with_a_noun and not joined:
                    found.add(name)
                    break
    return found


def _frequent_compounds(runs: Iterable[list[str]], min_count: int, min_len: int, max_len: int) -> set[str]:
    counts: Counter[str] = Counter()
    for words in runs:
        for n in (2, 3, 4):
            for i in range(len(words) - n + 1):
                if words[i] in _EDGE_WORDS or words[i + n - 1] in _EDGE_WORDS:
                    continue
                gram = "".join(words[i : i + n])
                if min_len <= len(gram) <= max_len:
                    counts[gram] += 1
    frequent = {g: c for g, c in counts.items() if c >= min_count}
    # drop a compound contained in a longer one that occurs just as often
    covered = (
        {
            shorter
            for longer, count in frequent.items()
            for shorter in frequent
            if len(shorter) < len(longer) and shorter in longer and frequent[shorter] == count
        }
        if len(frequent) < 2000
        else set()
    )
    return {g for g in frequent if g not in covered}


#: Words a term does not start or end with (particles, conjunctions, prepositions).
_EDGE_WORDS = STOPWORDS | frozenset("为 以 由 向 将 至 于 按 按照 通过 根据 结合 加强 进一步".split())  # noqa: SIM905
#: Words that only say whose or which; a measure's name does not start with them (「本市」急需紧缺职业)
_SCOPE_WORDS = frozenset("本市 我市 全市 各级 各类 有关 相关 相应".split())  # noqa: SIM905


def _quiet_jieba() -> None:
    """jieba logs its dictionary loading at DEBUG on its own stderr handler; keep that out of the CLI."""
    jieba_log = logging.getLogger("jieba")
    if jieba_log.level < logging.WARNING:
        jieba_log.setLevel(logging.WARNING)


class PolicyTokenizer:
    """Normalised jieba search tokens without stopwords or punctuation.

    Uses its own :class:`jieba.Tokenizer` (never the global one) with the policy ``terms`` added,
    and ``cut_for_search`` so a long term yields both itself and its dictionary sub-words.

    A term that is not a word of jieba's own dictionary (a derived compound, 设立质权) also yields
    the general words the text would have been cut into without it (设立 / 质权): a derived
    compound adds a token, it never takes away the shorter word a question or an article used.
    """

    def __init__(
        self,
        terms: Sequence[str] = (),
        normalizer: Normalizer | None = None,
        freqs: Sequence[int] | None = None,
    ) -> None:
        """``freqs``: the dictionary frequency of each of ``terms`` as :meth:`term_freqs` gave
        them (an index stores them): the terms are then taken as already normalised and added
        without jieba working out a frequency for each (seconds for 100,000 terms)."""
        self.normalize = normalizer or Normalizer()
        _quiet_jieba()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.terms: tuple[str, ...] = ()
        #: the terms that are names (headings, quoted names, named measures; not frequent
        #: compounds), when known: what a typing slip is read as (index/typos.py); None: unknown
        self.names: tuple[str, ...] | None = None
        #: added terms that jieba's own dictionary does not hold (their parts are searched too);
        #: a read-only set when restored from an index (index/word_trie.py)
        self._compounds: AbstractSet[str] = set()
        self._parts: dict[str, tuple[str, ...]] = {}
        if freqs is None:
            self.add_terms(terms)
        else:
            if len(freqs) != len(terms):
                raise ValueError(f"expected a frequency per term; got {len(freqs)} for {len(terms)}")
            self._add(list(terms), freqs)

    def state(self) -> dict[str, object]:
        """Everything the tokenizer knows, as plain values (an index stores it; :meth:`restore`)."""
        return {
            "freq": self._jieba.FREQ,
            "total": self._jieba.total,
            "terms": list(self.terms),
            "compounds": sorted(self._compounds),
            "names": list(self.names) if self.names is not None else None,
        }

    @classmethod
    def restore(cls, state: dict[str, Any], normalizer: Normalizer | None = None) -> PolicyTokenizer:
        """The tokenizer :meth:`state` described, without loading jieba's dictionary or adding a
        term (a fraction of a second for 184,000 terms instead of seconds). ``state["freq"]`` may
        be any mapping of word → frequency that holds every prefix of its words, as jieba's does,
        and ``state["compounds"]`` any set: an index passes them memory-mapped (index/word_trie.py),
        read in place; terms cannot be added to such a tokenizer."""
        tokenizer = cls.__new__(cls)
        tokenizer.normalize = normalizer or Normalizer()
        _quiet_jieba()
        tokenizer._jieba = jieba.Tokenizer()
        tokenizer._jieba.FREQ = state["freq"]
        tokenizer._jieba.total = state["total"]
        tokenizer._jieba.initialized = True
        tokenizer.terms = tuple(state["terms"])
        compounds = state["compounds"]
        tokenizer._compounds = compounds if isinstance(compounds, AbstractSet) else set(compounds)
        tokenizer._parts = {}
        names = state.get("names")
        tokenizer.names = tuple(names) if names is not None else None
        return tokenizer

    @classmethod
    def from_corpus(
        cls,
        texts: Iterable[str],
        headings: Iterable[str] = (),
        normalizer: Normalizer | None = None,
        kinds: frozenset[str] = TERM_KINDS,
    ) -> PolicyTokenizer:
        """A tokenizer that knows the policy terms derived from ``texts`` and ``headings``
        (``kinds``: which kinds; see :func:`derive_terms`)."""
        tokenizer = cls(normalizer=normalizer)
        norm = tokenizer.normalize
        names: set[str] = set()
        terms = derive_terms(
            (norm(t) for t in texts),
            headings=[norm(h) for h in headings],
            cut=lambda run: tokenizer._jieba.cut(run, HMM=False),
            kinds=kinds,
            names=names,
        )
        tokenizer.add_terms(terms)
        tokenizer.names = tuple(sorted(names))
        return tokenizer

    def add_terms(self, terms: Iterable[str]) -> None:
        self._add([self.normalize(t) for t in terms], None)

    def _add(self, added: list[str], freqs: Sequence[int] | None) -> None:
        freq = self._jieba.FREQ
        compounds = self._compounds
        if not isinstance(freq, dict) or not isinstance(compounds, set):
            raise TypeError("this tokenizer's dictionary is read from an index; build the index to add terms")
        for i, term in enumerate(added):
            if len(term) > 2 and not freq.get(term):
                compounds.add(term)
            self._jieba.add_word(term, freqs[i] if freqs is not None else None)
        self._parts.clear()
        self.terms = tuple(sorted({*self.terms, *added}))
        log.debug("tokenizer terms", extra={"terms": len(self.terms)})

    def term_freqs(self) -> list[int]:
        """The dictionary frequency of each of ``terms``, for :meth:`__init__` to restore."""
        return [int(self._jieba.FREQ.get(term) or 1) for term in self.terms]

    def __call__(self, text: str) -> list[str]:
        tokens = []
        for token in self._jieba.cut_for_search(self.normalize(text)):
            token = token.strip()
            if token and token not in STOPWORDS and _TOKEN_OK.search(token):
                tokens.append(token)
                if token in self._compounds:
                    tokens.extend(self.parts(token))
        return tokens

    def parts(self, term: str) -> tuple[str, ...]:
        """The words ``term`` is cut into without ``term`` itself being a word (设立质权 → 质权),
        less those ``cut_for_search`` already gives beside it (its 2- and 3-character words) and
        less the corpus's own compounds inside it: 数字技术工程师培育项目 does not add
        数字技术工程师, which would weigh that phrase twice (measured on the notice's held-out set:
        hit@1 0.971 → 0.942 when it did)."""
        found = self._parts.get(term)
        if found is None:
            freq = self._jieba.FREQ
            grams = {term[i : i + n] for n in (2, 3) for i in range(len(term) - n + 1)}
            grams = {g for g in grams if freq.get(g)}
            found = tuple(
                w
                for w in self._cut_without(term)
                if w not in grams and w not in self._compounds and w not in STOPWORDS and _TOKEN_OK.search(w)
            )
            self._parts[term] = found
        return found

    def _cut_without(self, term: str) -> list[str]:
        """jieba's cut of ``term`` (dictionary route, HMM for unknown runs) with the edge spanning
        the whole of ``term`` left out; a part that is itself a compound brings its own parts."""
        tok = self._jieba
        dag = tok.get_DAG(term)
        dag[0] = [x for x in dag[0] if x != len(term) - 1] or [0]
        route: dict[int, tuple[float, int]] = {}
        tok.calc(term, dag, route)
        words: list[str] = []
        buf = ""
        x = 0
        while x <= len(term):
            y = route[x][1] + 1 if x < len(term) else x + 1
            if x < len(term) and y - x == 1:
                buf += term[x]
            else:
                if len(buf) > 1 and not tok.FREQ.get(buf):
                    words.extend(jieba.finalseg.cut(buf))
                else:
                    words.extend(buf)
                buf = ""
                if x < len(term):
                    word = term[x:y]
                    words.append(word)
                    if word in self._compounds:
                        words.extend(self.parts(word))
            x = y
        return words

    def words(self, text: str) -> list[str]:
        """The question's words in order, as one segmentation (not the search sub-words), without
        stopwords and punctuation: 「技能补贴怎么申请」 → 技能 / 补贴 / 申请."""
        out = []
        for word in self._jieba.cut(self.normalize(text), HMM=False):
            word = word.strip()
            if word and word not in STOPWORDS and _TOKEN_OK.search(word):
                out.append(word)
        return out

    def content_text(self, text: str) -> str:
        """``text`` as its content words only (what a question is embedded as).

        Question words, particles, English function words and punctuation are dropped:
        「数字技术工程师的培训和评价是怎么组织实施的」 → 「数字技术工程师培训评价组织实施」. They
        say nothing about which passage is meant, and each costs the embedding model time.
        Returns ``text`` itself when nothing would be left.
        """
        out = ""
        for word in self._jieba.cut(self.normalize(text)):
            word = word.strip()
            if not word or word in STOPWORDS or word in FUNCTION_WORDS or not _TOKEN_OK.search(word):
                continue
            if out and _ASCII_END.search(out) and _ASCII_START.match(word):
                out += " "
            out += word
        return out or text

    @property
    def prefixes(self) -> Container[str]:
        """Every word of the dictionary and every prefix of one (jieba keeps them together)."""
        return self._jieba.FREQ

    def known_word(self, text: str) -> bool:
        """Whether the tokenizer's dictionary (jieba's, with the policy terms) holds ``text`` as a
        word; its prefixes do not count."""
        return self._jieba.FREQ.get(text, 0) > 0

    def weight(self, term: str) -> float:
        """How telling a word is in general Chinese: log inverse frequency in jieba's dictionary.

        Single characters weigh nothing; words jieba does not know (policy terms, rare names)
        weigh the most.
        """
        if len(term) < 2:
            return 0.0
        freq = self._jieba.FREQ.get(term, 0)
        return math.log(self._jieba.total / (freq + 1))
