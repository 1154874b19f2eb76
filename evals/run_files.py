"""The files of an eval run directory: metrics.json, results.jsonl, report.md, report.html."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.metrics import compute_metrics
from evals.qa_file import Problem
from evals.report_html import render_html
from evals.report_md import render_markdown
from evals.results import QuestionResult

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
RESULTS_FILE = "results.jsonl"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"


@dataclass(frozen=True)
class RunInfo:
    """The settings a run was made with, recorded under ``run`` in metrics.json."""

    qa_file: str
    mode: str
    k: int
    timestamp: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    commit: str | None = None
    embeddings: str = ""
    corpus_dir: str = ""
    skipped: tuple[str, ...] = ()
    answer_modes: dict[str, int] = field(default_factory=dict)
    #: the reviewed-answer import file the run served (``--reviewed``) and how many answers it held
    reviewed_file: str = ""
    reviewed_answers: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = list(self.skipped)
        if not self.reviewed_file:  # a run without reviewed answers records nothing about them
            del data["reviewed_file"], data["reviewed_answers"]
        return data


def git_commit(cwd: Path | None = None) -> str | None:
    """The current commit (with ``-dirty`` when the tree has changes), or None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def skipped_lines(problems: Sequence[Problem]) -> tuple[str, ...]:
    return tuple(str(p) for p in problems)


def write_run(out_dir: Path, results: Sequence[QuestionResult], info: RunInfo) -> dict[str, Any]:
    """Write all four files and return the metrics dict that went into metrics.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = compute_metrics(results)
    modes: dict[str, int] = {}
    for r in results:
        if r.mode:
            modes[r.mode] = modes.get(r.mode, 0) + 1
    run = info.to_json()
    run["answer_modes"] = modes
    metrics["run"] = run
    (out_dir / METRICS_FILE).write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with (out_dir / RESULTS_FILE).open("w", encoding="utf-8") as handle:
        for r in results:
            handle.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
    rows = [r.to_json() for r in results]
    (out_dir / REPORT_MD).write_text(render_markdown(metrics, rows), encoding="utf-8")
    (out_dir / REPORT_HTML).write_text(render_html(metrics, rows), encoding="utf-8")
    log.info("eval run written", extra={"out": str(out_dir), "n": len(results)})
    return metrics


@dataclass(frozen=True)
class StoredRun:
    """A run read back from its directory (for compare and the web evaluation page)."""

    path: Path
    metrics: dict[str, Any]
    results: list[dict[str, Any]]


class RunDirError(Exception):
    pass


def load_run(path: Path) -> StoredRun:
    metrics_path, results_path = path / METRICS_FILE, path / RESULTS_FILE
    if not metrics_path.is_file() or not results_path.is_file():
        raise RunDirError(
            f"{path} 不是评测结果目录：需要 {METRICS_FILE} 和 {RESULTS_FILE}（由 eval 命令生成）"
        )
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        results = [
            json.loads(line) for line in results_path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    except json.JSONDecodeError as exc:
        raise RunDirError(f"{path} 中的结果文件已损坏：{exc}") from exc
    return StoredRun(path=path, metrics=metrics, results=results)
