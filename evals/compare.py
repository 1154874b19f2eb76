"""Compare two stored runs: metric deltas and the questions whose outcome changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evals.metrics import HEADLINE, HIGHER_IS_BETTER, REVIEWED
from evals.run_files import StoredRun

COMPARED = (*HEADLINE, "pass_rate", "errors")


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def improved(self) -> bool | None:
        """True when B is better than A, False when worse, None when equal, not comparable or ``n``."""
        d = self.delta
        if d is None or d == 0 or self.metric == "n":
            return None
        return d > 0 if self.metric in HIGHER_IS_BETTER else d < 0


@dataclass(frozen=True)
class Flip:
    """A question that passed in one run and failed in the other, and which metrics changed."""

    id: str
    question: str
    type: str
    now_ok: bool
    changed: tuple[tuple[str, bool | None, bool | None], ...]


@dataclass(frozen=True)
class Comparison:
    deltas: tuple[MetricDelta, ...]
    flips: tuple[Flip, ...]
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]

    @property
    def regressions(self) -> tuple[Flip, ...]:
        return tuple(f for f in self.flips if not f.now_ok)

    @property
    def fixes(self) -> tuple[Flip, ...]:
        return tuple(f for f in self.flips if f.now_ok)


def _ok(row: dict[str, Any]) -> bool:
    if "ok" in row:
        return bool(row["ok"])
    return all(row.get("passed", {}).values()) and not row.get("error")


def compare_runs(a: StoredRun, b: StoredRun) -> Comparison:
    reviewed = REVIEWED if any(m in run.metrics for run in (a, b) for m in REVIEWED) else ()
    deltas = tuple(MetricDelta(m, a.metrics.get(m), b.metrics.get(m)) for m in (*COMPARED, *reviewed))
    rows_a = {r["id"]: r for r in a.results}
    rows_b = {r["id"]: r for r in b.results}
    flips = []
    for qid, rb in rows_b.items():
        ra = rows_a.get(qid)
        if ra is None or _ok(ra) == _ok(rb):
            continue
        pa, pb = ra.get("passed", {}), rb.get("passed", {})
        changed = tuple(
            (m, pa.get(m), pb.get(m)) for m in dict.fromkeys([*pa, *pb]) if pa.get(m) != pb.get(m)
        )
        flips.append(Flip(id=qid, question=rb["question"], type=rb["type"], now_ok=_ok(rb), changed=changed))
    return Comparison(
        deltas=deltas,
        flips=tuple(flips),
        only_in_a=tuple(q for q in rows_a if q not in rows_b),
        only_in_b=tuple(q for q in rows_b if q not in rows_a),
    )
