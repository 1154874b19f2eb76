"""What a large corpus's derived terms cost a process that opens its index, piece by piece.

Run: ``python -m evals.benchmarks.startup_terms --corpus DIR [--old-typos PATH] [--save FILE]``

Derives the policy terms of the corpus in ``DIR`` as an index build does, then times, in this one
process: a tokenizer made from the stored terms (jieba guessing each term's frequency, as before
issue 19, and with the frequencies the index now stores), the typing-slip finder's construction
and its reading of every STARD train question. ``--old-typos``: an ``index/typos.py`` of an
earlier commit (e.g. extracted with ``git show 99fcbf0:index/typos.py``) to time beside the current
one and to check that both give the same readings.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus.loader import load_corpus
from evals.benchmarks.stard import load_queries, split_file
from index.text import PolicyTokenizer
from index.typos import Homophones, char_readings


def _timed(out: dict[str, Any], key: str, make: Any) -> Any:
    started = time.perf_counter()
    value = make()
    out[key] = round(time.perf_counter() - started, 3)
    return value


def _per_question_ms(finder: Any, questions: Sequence[str]) -> tuple[list[Any], dict[str, float]]:
    found, times = [], []
    for q in questions:
        started = time.perf_counter()
        found.append(sorted(finder.corrections(q)))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    stats = {"mean": round(statistics.fmean(times), 2), "p95": round(times[int(0.95 * len(times))], 2)}
    return found, stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start-up cost of a large corpus's derived terms.")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--old-typos", type=Path, help="index/typos.py of an earlier commit")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    documents = _timed(out, "parse_corpus_s", lambda: load_corpus(args.corpus).documents)
    tok = _timed(
        out,
        "derive_terms_s",
        lambda: PolicyTokenizer.from_corpus(
            (d.text for d in documents), (a.heading for d in documents for a in d.articles)
        ),
    )
    terms, freqs = list(tok.terms), tok.term_freqs()
    out["terms"] = len(terms)
    _timed(out, "tokenizer_guessing_frequencies_s", lambda: PolicyTokenizer(terms))
    tok = _timed(out, "tokenizer_stored_frequencies_s", lambda: PolicyTokenizer(terms, freqs=freqs))
    readings = _timed(out, "cedict_readings_s", char_readings)
    questions = [tok.normalize(q.question) for q in load_queries(split_file("all"))]
    new = _timed(
        out,
        "slip_finder_build_s",
        lambda: Homophones(tok.terms, readings, is_word=tok.known_word, prefixes=tok.prefixes),
    )
    found, out["slip_finder_ms_per_question"] = _per_question_ms(new, questions)
    out["questions"] = len(questions)
    out["questions_with_a_slip_reading"] = sum(bool(f) for f in found)
    if args.old_typos:
        spec = importlib.util.spec_from_file_location("old_typos", args.old_typos)
        assert spec is not None and spec.loader is not None
        old_module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old_module)
        old = _timed(
            out,
            "old_slip_finder_build_s",
            lambda: old_module.Homophones(tok.terms, readings, is_word=tok.known_word),
        )
        old_found, out["old_slip_finder_ms_per_question"] = _per_question_ms(old, questions)
        out["same_readings_as_old"] = sum(a == b for a, b in zip(old_found, found, strict=True))
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
