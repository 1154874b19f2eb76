"""BM25 over jieba tokens (``bm25s``), persisted as files beside the vector store."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import bm25s
import numpy as np

from index import stored_tables
from index.english import EnglishBridge
from index.models import QueryReading
from index.shortforms import ShortForms
from index.synonyms import Synonyms
from index.text import PolicyTokenizer
from index.typos import Homophones, char_readings, corpus_or_dictionary_word, slip_targets
from index.word_trie import WordTrie

log = logging.getLogger(__name__)

#: BM25 parameters, chosen on the dev set with 26,196 law articles beside the notice (grid
#: k1 ∈ {0.3 … 1.5}, b ∈ {0.2 … 0.75}; evals/benchmarks/RESULTS.md). A low k1 saturates a
#: repeated word quickly and a low b barely penalises long articles: the notice's articles are
#: long and the law articles short, and with the textbook 1.2 / 0.75 a short law article that
#: repeats one common word (补贴) outranked the notice article naming the question's rare one.
#: Notice alone, the choice changes nothing.
K1 = 0.6
B = 0.3

_ENGLISH = re.compile(r"[a-z]{2,}")

_META = "lexical.json"
_MODEL = "bm25s"
#: the BM25 vocabulary (token → id) as a memory-mapped trie (index/word_trie.py)
_VOCABULARY = "bm25s-vocabulary"
#: the tokenizer's terms and their frequencies (in lexical.json before version 4)
_TERMS = "terms.json"
#: character → its readings (CC-CEDICT), kept with the index: parsing the dictionary takes seconds
_READINGS = "readings.json"


class LexicalIndex:
    """BM25 scores of chunks for a tokenised query; ``ids``/``doc_ids`` align with bm25s rows."""

    def __init__(
        self,
        model: bm25s.BM25,
        ids: Sequence[str],
        doc_ids: Sequence[str],
        tokenizer: PolicyTokenizer,
        readings: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        """``readings``: character → readings for typing slips (default: read from CC-CEDICT)."""
        if len(ids) != len(doc_ids):
            raise ValueError(f"expected as many doc_ids as ids; got {len(doc_ids)} and {len(ids)}")
        self._model = model
        self.ids = list(ids)
        self.doc_ids = np.asarray(doc_ids)
        self.tokenizer = tokenizer
        vocabulary = getattr(model, "vocab_dict", None) or {}
        #: everyday question words searched as the corpus's own words (index/synonyms.py)
        self.synonyms = Synonyms.for_vocabulary(vocabulary.keys(), tokenizer)
        #: short forms of the corpus's named measures (技能补贴 → 职业技能提升补贴; index/shortforms.py)
        self.shortforms = ShortForms(tokenizer.terms, vocabulary.keys())
        self._vocabulary = vocabulary.keys()
        self._english: EnglishBridge | None = None
        self._homophones: Homophones | None = None
        self._readings = readings
        self._lazy_lock = threading.Lock()

    @property
    def english(self) -> EnglishBridge:
        """English words → corpus words (index/english.py); built on the first English question."""
        with self._lazy_lock:
            if self._english is None:
                self._english = EnglishBridge.for_vocabulary(self._vocabulary)
                log.info("english bridge built", extra={"phrases": len(self._english)})
            return self._english

    @property
    def homophones(self) -> Homophones:
        """Same-sounding slips in the corpus's policy terms (index/typos.py); built on first use."""
        with self._lazy_lock:
            if self._homophones is None:
                self._homophones = Homophones(
                    slip_targets(self.tokenizer),
                    self._readings if self._readings is not None else char_readings(),
                    is_word=corpus_or_dictionary_word(self.tokenizer, self._vocabulary),
                    prefixes=self.tokenizer.prefixes,
                )
            return self._homophones

    def read(self, query: str) -> QueryReading:
        """The question's tokens and the corpus words its everyday and English words stand for."""
        tokens = self.tokenizer(query)
        text = self.tokenizer.normalize(query)
        english = self.english.pairs(text) if _ENGLISH.search(text) else []
        slips = self.homophones.corrections(text)
        everyday = [*self.synonyms.pairs(tokens, text), *self.shortforms.pairs(self.tokenizer.words(query))]
        return QueryReading(tuple(tokens), tuple(everyday), tuple(english), tuple(slips))

    def query_tokens(self, query: str) -> list[str]:
        """What BM25 searches for a question: ``read(query).searched``."""
        return list(self.read(query).searched)

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        doc_ids: Sequence[str],
        texts: Sequence[str],
        tokenizer: PolicyTokenizer,
        k1: float = K1,
        b: float = B,
    ) -> LexicalIndex:
        model = bm25s.BM25(k1=k1, b=b)
        tokens = [tokenizer(t) for t in texts]
        if tokens:
            model.index(tokens, show_progress=False)
        return cls(model, ids, doc_ids, tokenizer)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self._model.save(str(folder / _MODEL))
            # the vocabulary again, memory-mapped (what ``load`` reads; 175,000 tokens at scale)
            WordTrie.build(self._model.vocab_dict).save(folder / _VOCABULARY)
        meta = {"ids": self.ids, "doc_ids": self.doc_ids.tolist()}
        (folder / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # the terms and their frequencies: the tokenizer made again should its stored one be lost
        terms = {"terms": list(self.tokenizer.terms), "term_freqs": self.tokenizer.term_freqs()}
        (folder / _TERMS).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        readings = {char: sorted(sounds) for char, sounds in char_readings().items()}
        (folder / _READINGS).write_text(json.dumps(readings, ensure_ascii=False), encoding="utf-8")
        stored_tables.save_tokenizer(folder, self.tokenizer)

    @classmethod
    def load(cls, folder: Path, tokenizer: PolicyTokenizer | None = None) -> LexicalIndex:
        """Load a saved index; raises ``FileNotFoundError``/``ValueError`` when files are missing or bad."""
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        model = cls._load_model(folder) if meta["ids"] else bm25s.BM25()
        if tokenizer is None:  # the dictionary as the build left it, else made again from the terms
            state = stored_tables.tokenizer_state(folder)
            if state is not None:
                tokenizer = PolicyTokenizer.restore(state)
            else:  # in lexical.json before version 4 of the keyword side
                terms = meta if "terms" in meta else json.loads((folder / _TERMS).read_text(encoding="utf-8"))
                tokenizer = PolicyTokenizer(terms["terms"], freqs=terms.get("term_freqs"))
        readings = None
        if (folder / _READINGS).is_file():  # an index written before readings were kept has none
            stored = json.loads((folder / _READINGS).read_text(encoding="utf-8"))
            readings = {char: frozenset(sounds) for char, sounds in stored.items()}
        return cls(model, meta["ids"], meta["doc_ids"], tokenizer, readings)

    @staticmethod
    def _load_model(folder: Path) -> bm25s.BM25:
        """The BM25 model, its score matrix memory-mapped (paged in as questions need it, not read
        at start) and its vocabulary too when the index stored it so (else read from JSON)."""
        vocabulary = WordTrie.open(folder / _VOCABULARY)
        model = bm25s.BM25.load(str(folder / _MODEL), mmap=True, load_vocab=vocabulary is None)
        if vocabulary is not None:
            # all this index asks of it is token → id (``get_tokens_ids``); bm25s's set of the ids,
            # used only when it is handed token ids to retrieve, stays empty
            model.vocab_dict = vocabulary
        return model

    def search(self, query: str, k: int, doc_id: str | None = None) -> list[tuple[str, float]]:
        """Best ``k`` chunk ids with BM25 score > 0, best first."""
        if not self.ids:
            return []
        scores = self.scores(self.read(query))
        if scores is None:
            return []
        if doc_id is not None:
            scores = np.where(self.doc_ids == doc_id, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def scores(self, reading: QueryReading) -> np.ndarray | None:
        """BM25 score of every chunk for ``reading``; None when no word of it is in the corpus.

        The question's own words count as often as it says them, and the words its everyday
        words stand for add up with them (``reading.summed``). The dictionary's readings of one
        English word are alternatives (a structured query, as in cross-language retrieval): a
        chunk scores the best of them, not their sum, so "plan", read as 方案、规划、计划, does not
        make an article that says all three outrank one that says 上海 and 方案.
        """
        model = self._model
        own = model.get_tokens_ids(list(reading.summed))
        total = model.get_scores_from_ids(own) if own else None
        for group in reading.alternatives:
            ids = model.get_tokens_ids(list(group))
            if not ids:
                continue
            best = model.get_scores_from_ids(ids[:1])
            for token_id in ids[1:]:
                best = np.maximum(best, model.get_scores_from_ids([token_id]))
            total = best if total is None else total + best
        return total
