"""Write logged turns as JSON Lines or CSV (for evaluators and spreadsheets)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

CSV_COLUMNS = (
    "id",
    "conversation_id",
    "created_at",
    "question",
    "rewritten",
    "answer",
    "mode",
    "refused",
    "fallback_reason",
    "language",
    "citations",
    "latencies",
    "rating",
    "feedback_comments",
)


def write_jsonl(turns: Sequence[dict[str, Any]], out: TextIO) -> None:
    for turn in turns:
        out.write(json.dumps(turn, ensure_ascii=False) + "\n")


def write_csv(turns: Sequence[dict[str, Any]], out: TextIO) -> None:
    """One row per turn; citations as ``doc_id#article`` joined by ``|``, latencies as JSON."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for turn in turns:
        feedback = turn.get("feedback", [])
        writer.writerow(
            {
                **turn,
                "refused": "true" if turn.get("refused") else "false",
                "citations": "|".join(
                    f"{c.get('doc_id', '')}#{c.get('article', '')}" for c in turn["citations"]
                ),
                "latencies": json.dumps(turn.get("latencies", {}), ensure_ascii=False),
                "rating": sum(int(f["rating"]) for f in feedback) if feedback else "",
                "feedback_comments": " | ".join(f["comment"] for f in feedback if f.get("comment")),
            }
        )
