"""How often same-sounding typing-slip readings (index/typos.py) fire on real questions.

Run: ``.venv/bin/python -m evals.benchmarks.slips --data-dir DIR [--split all|learn|setaside] [--json]``

``DIR`` holds an index built by ``policy-assistant index`` (e.g. of the 1,338 STARD laws): its
keyword side's tokenizer, with the policy terms derived from that corpus, reads each question
exactly as a search would (``LexicalIndex.read``). Prints how many questions got a slip reading
and every (typed → read as) pair, so each can be judged by eye: STARD's questions are typed by
people, so a reading is a false one unless the question really misspelt a term.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus.loader import load_corpus
from evals.benchmarks.stard import SPLITS, StardMissing, load_queries, split_file
from index.builder import BM25_DIR
from index.lexical import LexicalIndex
from index.manifest import read_manifest
from index.text import PolicyTokenizer
from index.typos import slip_targets


def slip_readings(lexical: LexicalIndex, questions: Sequence[str]) -> list[tuple[int, str, str]]:
    """(question number, typed, read as) for every slip reading of ``questions``."""
    out = []
    for i, question in enumerate(questions):
        for typed, meant in lexical.homophones.corrections(lexical.tokenizer.normalize(question)):
            out.append((i, typed, meant))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Typing-slip readings on the STARD questions.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", type=Path, help="POLICY_DATA_DIR of a built index")
    source.add_argument(
        "--corpus", type=Path, help="or a corpus folder: its policy terms are derived as an index build would"
    )
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        queries = load_queries(split_file(args.split))
    except StardMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.data_dir:
        index_dir = args.data_dir / "index"
        lexical = LexicalIndex.load(index_dir / BM25_DIR / read_manifest(index_dir).generation)
    else:
        documents = load_corpus(args.corpus).documents
        tokenizer = PolicyTokenizer.from_corpus(
            (d.text for d in documents), (a.heading for d in documents for a in d.articles)
        )
        lexical = LexicalIndex.build([], [], [], tokenizer)
    started = time.perf_counter()
    lexical.homophones  # noqa: B018 -- built on first use
    built = time.perf_counter() - started
    questions = [q.question for q in queries]
    started = time.perf_counter()
    found = slip_readings(lexical, questions)
    per_question = (time.perf_counter() - started) / max(1, len(questions))
    fired = sorted({i for i, _, _ in found})
    readings = [{"id": queries[i].id, "typed": typed, "read_as": meant} for i, typed, meant in found]
    result: dict[str, Any] = {
        "questions": len(questions),
        "questions_with_a_slip_reading": len(fired),
        "share": round(len(fired) / len(questions), 4) if questions else 0.0,
        "policy_terms": len(lexical.tokenizer.terms),
        "slip_targets": len(slip_targets(lexical.tokenizer)),  # the names among them (index/typos.py)
        "table_build_seconds": round(built, 2),
        "ms_per_question": round(per_question * 1000, 2),
        "readings": readings,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(
        f"{result['questions_with_a_slip_reading']} of {result['questions']} questions "
        f"({result['share']:.1%}) got a slip reading; {result['policy_terms']:,} policy terms"
    )
    for row in readings:
        print(f"  {row['id']}: {row['typed']} → {row['read_as']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
