"""Start-up at scale: a cold ``policy-assistant search``, ``serve`` until ready, warm searches.

Run (the index already built, settings from the environment)::

    POLICY_DATA_DIR=/tmp/laws-data POLICY_CORPUS_DIR=/tmp/laws POLICY_EMBEDDINGS=hash \\
        .venv/bin/python -m evals.benchmarks.coldstart [--build] [--questions FILE] [--json]

``--build`` first runs ``policy-assistant index`` in a child process and reports its time and
peak memory (the child's maximum resident set). Then, each in a fresh process:

* ``search``: ``policy-assistant search Q --json`` wall time, ``--runs`` times (each a new
  process, so imports, opening the index and the first question are all paid);
* ``serve``: ``policy-assistant serve`` until ``/api/health`` answers;
* a profile of one cold search by phase (imports, corpus, opening the index, first search);
* warm search: one process, the index opened once, every question searched (top 5);
  p50 / p95 of the search alone, and that process's peak memory.

Questions: the STARD set-aside questions (evals/stard/setaside.jsonl) by default.
Targets (issue 19, the 58,113-article STARD corpus): cold search ≤ 3 s, serve ready ≤ 30 s, warm
search p95 ≤ 15 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = REPO / "evals" / "stard" / "setaside.jsonl"
CLI = "from ui.cli import app; app()"


def _env() -> dict[str, str]:
    dropped = {"POLICY_LLM_BASE_URL", "POLICY_LLM_API_KEY", "OPENAI_API_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["POLICY_RATE_LIMIT_PER_MINUTE"] = "0"
    return env


def _child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def build(env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, "index"], env=env, check=True, stdout=subprocess.DEVNULL)
    return {
        "index_seconds": round(time.perf_counter() - started, 1),
        "index_peak_mb": round(_child_peak_mb()),
    }


def cold_search(question: str, env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", CLI, "search", question, "--json"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(round(time.perf_counter() - started, 2))
    return times


def serve_ready(env: dict[str, str], timeout: float = 600.0) -> float:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise SystemExit(f"serve exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    return round(time.perf_counter() - started, 1)
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"serve not ready after {timeout:.0f} s")
    finally:
        process.terminate()
        process.wait(timeout=30)


_PHASES = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from ui.cli.common import load_settings
from assistant.factory import load_documents, open_retriever
t1 = time.perf_counter()
settings = load_settings()
documents = load_documents(settings).documents
t2 = time.perf_counter()
retriever = open_retriever(settings, documents)
t3 = time.perf_counter()
retriever.search(sys.argv[1], k=5)
t4 = time.perf_counter()
questions = json.loads(sys.argv[2])
warm = []
for q in questions:
    s = time.perf_counter()
    retriever.search(q, k=5)
    warm.append((time.perf_counter() - s) * 1000)
print(json.dumps({
    "imports_s": round(t1 - t0, 2), "corpus_s": round(t2 - t1, 2), "open_index_s": round(t3 - t2, 2),
    "first_search_s": round(t4 - t3, 2), "warm_ms": warm,
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
"""


def phases(first: str, questions: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _PHASES, first, json.dumps(list(questions), ensure_ascii=False)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    warm = sorted(result.pop("warm_ms"))
    result["warm_searches"] = len(warm)
    result["warm_p50_ms"] = round(statistics.median(warm), 1) if warm else None
    result["warm_p95_ms"] = round(warm[min(len(warm) - 1, int(0.95 * len(warm)))], 1) if warm else None
    return result


def disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold search, serve ready and warm search at scale.")
    parser.add_argument("--build", action="store_true", help="build the index first (timed)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="JSONL with a question field")
    parser.add_argument("--runs", type=int, default=3, help="cold searches (each a new process)")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    env = _env()
    data_dir = Path(env.get("POLICY_DATA_DIR", "data"))
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line
    ]
    result: dict[str, Any] = {"data_dir": str(data_dir), "questions": len(questions)}
    if args.build:
        result.update(build(env))
    result["index_disk_mb"] = disk_mb(data_dir / "index")
    result["cold_search_s"] = cold_search(questions[0], env, args.runs)
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)  # kept if a later step is stopped
    result["phases"] = phases(questions[1], questions[2:], env)
    print(json.dumps(result["phases"], ensure_ascii=False), file=sys.stderr)
    if not args.no_serve:
        result["serve_ready_s"] = serve_ready(env)
    load = os.getloadavg()
    result["load_average"] = [round(x, 1) for x in load]
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
