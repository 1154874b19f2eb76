"""The regression gate: metrics of a run against the bounds in evals/thresholds.json.

thresholds.json::

    {"min": {"hit_at_3": 0.9, …}, "max": {"unverified_citations": 0}}

A metric that is missing or null in the run fails its bound (a gate must not pass by omission).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


@dataclass(frozen=True)
class Thresholds:
    minimum: dict[str, float]
    maximum: dict[str, float]

    @classmethod
    def load(cls, path: Path = DEFAULT_THRESHOLDS) -> Thresholds:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read thresholds {path}: {exc}") from exc
        unknown = set(data) - {"min", "max", "comment"}
        if unknown:
            raise ValueError(f"{path}: expected keys min, max (and comment); got {sorted(unknown)}")
        return cls(minimum=dict(data.get("min", {})), maximum=dict(data.get("max", {})))


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float | None
    bound: float
    kind: str  # "min" | "max"

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:g}"
        relation = "below minimum" if self.kind == "min" else "above maximum"
        return f"{self.metric} = {shown} is {relation} {self.bound:g}"


def check_gate(metrics: dict[str, Any], thresholds: Thresholds) -> list[GateFailure]:
    failures = []
    for metric, bound in thresholds.minimum.items():
        value = metrics.get(metric)
        if value is None or value < bound:
            failures.append(GateFailure(metric, value, bound, "min"))
    for metric, bound in thresholds.maximum.items():
        value = metrics.get(metric)
        if value is None or value > bound:
            failures.append(GateFailure(metric, value, bound, "max"))
    return failures
