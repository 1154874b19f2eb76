"""Start-up at scale: a cold ``policy-assistant search``, ``serve`` until ready, warm searches.

Run (the index already built, settings from the environment)::

    POLICY_DATA_DIR=/tmp/laws-data POLICY_CORPUS_DIR=/tmp/laws POLICY_EMBEDDINGS=hash \\
        .venv/bin/python -m evals.benchmarks.coldstart [--build] [--questions FILE] [--json]

Side by side, two checkouts (e.g. the commit before a change, extracted with ``git archive``, and
this one), each with its own data folder, in one run::

    POLICY_CORPUS_DIR=/tmp/laws POLICY_EMBEDDINGS=hash .venv/bin/python -m evals.benchmarks.coldstart \\
        --variant before=/tmp/old:/tmp/data-old --variant after=.:/tmp/data-new

Every measure is taken for each variant in turn (cold searches alternate between them), so a
busy machine slows them alike and their ratio stays telling.

``--build`` first runs ``policy-assistant index`` in a child process and reports its time and
peak memory. Then, each in a fresh process:

* ``search``: ``policy-assistant search Q --json`` wall time and peak memory (maximum resident
  set of that process), ``--runs`` times (each a new process, so imports, opening the index and
  the first question are all paid);
* ``serve``: ``policy-assistant serve`` until ``/api/health`` answers, and its peak memory then;
* a profile of one cold search by phase (imports, corpus, opening the index, first search);
* warm search: one process, the index opened once and every document parsed (as in a server;
  ``search`` parses only the documents it finds), every question searched (top 5) twice: the
  first pass also pages in what the questions touch (the memory-mapped BM25 matrix, Chroma's
  graph), the second is the steady state reported as warm; p50 / p95 of the search alone, and
  that process's peak memory.

Questions: the STARD set-aside questions (evals/stard/setaside.jsonl) by default.
Targets (issue 19, the 58,113-article STARD corpus): cold search ≤ 3 s, serve ready ≤ 30 s, warm
search p95 ≤ 15 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = REPO / "evals" / "stard" / "setaside.jsonl"
CLI = "from ui.cli import app; app()"


@dataclass(frozen=True)
class Variant:
    """A checkout of the code (``source``, put first on PYTHONPATH) and the data folder it uses."""

    name: str
    source: Path
    data_dir: Path

    @classmethod
    def parse(cls, spec: str) -> Variant:
        name, _, rest = spec.partition("=")
        source, _, data = rest.partition(":")
        if not (name and source and data):
            raise argparse.ArgumentTypeError(f"expected NAME=SOURCE:DATA_DIR; got {spec!r}")
        return cls(name, Path(source).resolve(), Path(data).resolve())

    def env(self) -> dict[str, str]:
        dropped = {"POLICY_LLM_BASE_URL", "POLICY_LLM_API_KEY", "OPENAI_API_KEY"}
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env["POLICY_RATE_LIMIT_PER_MINUTE"] = "0"
        env["POLICY_DATA_DIR"] = str(self.data_dir)
        env["PYTHONPATH"] = os.pathsep.join([str(self.source), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        return env


def _run(args: Sequence[str], variant: Variant) -> tuple[float, float]:
    """Run a child to its end: (wall seconds, its own peak resident memory in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(args), env=variant.env(), cwd=variant.source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
        raise SystemExit(f"{variant.name}: {' '.join(args[3:])} exited with {process.returncode}\n{error}")
    return wall, usage.ru_maxrss / 1024


def build(variant: Variant) -> dict[str, float]:
    wall, peak = _run([sys.executable, "-c", CLI, "index"], variant)
    return {"index_s": round(wall, 1), "index_peak_mb": round(peak)}


def cold_search(question: str, variant: Variant) -> tuple[float, float]:
    wall, peak = _run([sys.executable, "-c", CLI, "search", question, "--json"], variant)
    return round(wall, 2), round(peak)


def _peak_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_ready(variant: Variant, timeout: float = 600.0) -> dict[str, float]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=variant.env(),
        cwd=variant.source,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise SystemExit(f"{variant.name}: serve exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    return {
                        "serve_ready_s": round(time.perf_counter() - started, 1),
                        "serve_peak_mb": round(_peak_mb(process.pid)),
                    }
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return {"serve_ready_s": float("inf"), "serve_peak_mb": round(_peak_mb(process.pid))}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_PHASES = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from ui.cli.common import load_settings
from assistant.factory import open_retriever
try:  # as `search` reads the corpus: parsed as hits need it (scan), or all parsed (earlier versions)
    from assistant.factory import scan_documents as read_corpus
except ImportError:
    from assistant.factory import load_documents
    read_corpus = lambda settings: load_documents(settings).documents
t1 = time.perf_counter()
settings = load_settings()
documents = read_corpus(settings)
t2 = time.perf_counter()
retriever = open_retriever(settings, documents)
t3 = time.perf_counter()
retriever.search(sys.argv[1], k=5)
t4 = time.perf_counter()
# a server has every document parsed; parse the rest (if the corpus was read lazily) before timing
for doc_id in documents if hasattr(documents, "hashes") else ():
    documents.get(doc_id)
t5 = time.perf_counter()
questions = json.loads(sys.argv[2])
passes = []
for _ in range(2):  # the first pass also pages in what the questions touch; the second is steady
    warm = []
    for q in questions:
        s = time.perf_counter()
        retriever.search(q, k=5)
        warm.append((time.perf_counter() - s) * 1000)
    passes.append(warm)
first_pass, warm = passes
print(json.dumps({
    "imports_s": round(t1 - t0, 2), "corpus_s": round(t2 - t1, 2), "open_index_s": round(t3 - t2, 2),
    "first_search_s": round(t4 - t3, 2), "parse_rest_s": round(t5 - t4, 2), "warm_ms": warm,
    "first_pass_ms": first_pass,
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
"""


def phases(first: str, questions: Sequence[str], variant: Variant) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _PHASES, first, json.dumps(list(questions), ensure_ascii=False)],
        env=variant.env(),
        cwd=variant.source,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    for key, name in (("first_pass_ms", "first_pass"), ("warm_ms", "warm")):
        times = sorted(result.pop(key))
        result[f"{name}_p50_ms"] = round(statistics.median(times), 1) if times else None
        result[f"{name}_p95_ms"] = (
            round(times[min(len(times) - 1, int(0.95 * len(times)))], 1) if times else None
        )
    result["warm_searches"] = len(questions)
    return result


def disk_mb(folder: Path, skip: tuple[str, ...] = ()) -> float:
    files = (p for p in folder.rglob("*") if p.is_file() and p.name not in skip)
    return round(sum(p.stat().st_size for p in files) / 2**20, 1)


def measure(
    variants: Sequence[Variant],
    questions: Sequence[str],
    runs: int,
    build_first: bool,
    with_serve: bool,
    serve_timeout: float = 600.0,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {v.name: {} for v in variants}
    for v in variants:
        if build_first:
            results[v.name].update(build(v))
            print(v.name, json.dumps(results[v.name]), file=sys.stderr)
        index_dir = v.data_dir / "index"
        results[v.name]["index_disk_mb"] = disk_mb(index_dir, skip=("embedding-cache.sqlite3",))
        cache = index_dir / "embedding-cache.sqlite3"
        results[v.name]["embedding_cache_mb"] = (
            round(cache.stat().st_size / 2**20, 1) if cache.is_file() else 0
        )
    cold: dict[str, list[tuple[float, float]]] = {v.name: [] for v in variants}
    for _ in range(runs):  # alternate, so load on the machine weighs on every variant alike
        for v in variants:
            cold[v.name].append(cold_search(questions[0], v))
    for v in variants:
        walls = sorted(w for w, _ in cold[v.name])
        results[v.name]["cold_search_s"] = walls
        results[v.name]["cold_search_median_s"] = statistics.median(walls)
        results[v.name]["cold_search_peak_mb"] = max(p for _, p in cold[v.name])
        print(v.name, json.dumps(results[v.name]), file=sys.stderr)  # kept if a later step is stopped
    for v in variants:
        results[v.name]["phases"] = phases(questions[1], questions[2:], v)
        print(v.name, json.dumps(results[v.name]["phases"]), file=sys.stderr)
    if with_serve:
        for v in variants:
            results[v.name].update(serve_ready(v, serve_timeout))
            print(v.name, json.dumps(results[v.name]), file=sys.stderr)
    return results


_ROWS = (
    ("index time", "index_s", "s"),
    ("index peak memory", "index_peak_mb", "MB"),
    ("index on disk (without the embedding cache)", "index_disk_mb", "MB"),
    ("embedding cache", "embedding_cache_mb", "MB"),
    ("cold search, median wall", "cold_search_median_s", "s"),
    ("cold search, peak memory", "cold_search_peak_mb", "MB"),
    ("  imports", "phases.imports_s", "s"),
    ("  corpus", "phases.corpus_s", "s"),
    ("  opening the index", "phases.open_index_s", "s"),
    ("  first search", "phases.first_search_s", "s"),
    ("  parsing the rest of the corpus (warm process)", "phases.parse_rest_s", "s"),
    ("first pass over the questions, p50", "phases.first_pass_p50_ms", "ms"),
    ("first pass over the questions, p95", "phases.first_pass_p95_ms", "ms"),
    ("warm search p50", "phases.warm_p50_ms", "ms"),
    ("warm search p95", "phases.warm_p95_ms", "ms"),
    ("warm process peak memory", "phases.peak_mb", "MB"),
    ("serve ready", "serve_ready_s", "s"),
    ("serve peak memory when ready", "serve_peak_mb", "MB"),
)


def _get(result: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(result, dict) or part not in result:
            return None
        result = result[part]
    return result


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table, one column per variant (and their ratio when there are two)."""
    names = list(results)
    head = ["measure", *names, "unit"] + (["ratio"] if len(names) == 2 else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, key, unit in _ROWS:
        values = [_get(results[n], key) for n in names]
        if all(v is None for v in values):
            continue
        row = [label, *("—" if v is None else f"{v:,}" for v in values), unit]
        if len(names) == 2:
            a, b = values
            row.append(
                f"{b / a:.2f}" if isinstance(a, int | float) and isinstance(b, int | float) and a else ""
            )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold search, serve ready and warm search at scale.")
    parser.add_argument("--build", action="store_true", help="build the index first (timed)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="JSONL with a question field")
    parser.add_argument("--runs", type=int, default=3, help="cold searches per variant (each a new process)")
    parser.add_argument(
        "--variant",
        type=Variant.parse,
        action="append",
        help="NAME=SOURCE:DATA_DIR (repeatable); default: this checkout with POLICY_DATA_DIR",
    )
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument(
        "--serve-timeout", type=float, default=600.0, help="seconds to wait for serve (then reported as inf)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    variants = args.variant or [
        Variant("current", REPO, Path(os.environ.get("POLICY_DATA_DIR", "data")).resolve())
    ]
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line
    ]
    results = measure(variants, questions, args.runs, args.build, not args.no_serve, args.serve_timeout)
    load = [round(x, 1) for x in os.getloadavg()]
    if args.json:
        print(
            json.dumps(
                {"results": results, "load_average": load, "cores": os.cpu_count()}, ensure_ascii=False
            )
        )
    else:
        print(table(results))
        print(f"\n{len(questions)} questions; load average at the end {load} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
