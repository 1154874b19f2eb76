"""Score a saved run's answers with today's answering metrics (evals/answering.py).

A run made before an evaluator knew a metric (``asks_answered`` …) keeps its answers in
``results.jsonl``; this scores them against the QA files' labels without asking again, so a
"before" run of an older commit gets the same figures as an "after" run::

    python -m evals.rescore evals/real/runs/before evals/real/qa.jsonl evals/real/conversations.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from evals.answering import aggregate, score_answering
from evals.qa_file import QAItem, load_qa_file


def rescore(run_dir: Path, qa_files: Sequence[Path]) -> dict[str, float | int | None]:
    """The answering aggregates of the answers in ``run_dir/results.jsonl``."""
    items: dict[str, QAItem] = {}
    for path in qa_files:
        items.update((item.id, item) for item in load_qa_file(path).items)
    scores = []
    with (run_dir / "results.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            item = items.get(row["id"])
            if item is None:
                raise SystemExit(f"{run_dir}: item {row['id']} is in none of the QA files given")
            scores.append(score_answering(item, row.get("answer", ""), bool(row.get("refused"))))
    return aggregate(scores)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder holding results.jsonl")
    parser.add_argument("qa_files", type=Path, nargs="+", help="the QA files the run answered")
    args = parser.parse_args(argv)
    print(json.dumps(rescore(args.run_dir, args.qa_files), ensure_ascii=False))


if __name__ == "__main__":
    main()
