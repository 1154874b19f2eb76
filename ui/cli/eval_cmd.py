"""``policy-assistant eval FILE`` (run a QA set) and ``policy-assistant eval compare RUN_A RUN_B``.

``eval`` is a command group whose default command is ``run``: ``eval FILE …`` is ``eval run FILE …``.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from evals.compare import Comparison, compare_runs
from evals.gate import Thresholds, check_gate
from evals.metrics import HEADLINE, METRIC_LABELS, REVIEWED, TYPE_LABELS, format_value
from evals.qa_file import QAFileError, load_qa_file
from evals.results import QuestionResult
from evals.run_files import RunDirError, RunInfo, git_commit, load_run, skipped_lines
from ui.cli.common import console, err_console, fail, load_settings

log = logging.getLogger(__name__)


class _DefaultRunGroup(TyperGroup):
    """A group where an unknown first argument (a QA file, or an option) means the ``run`` command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's click Context
        if args and args[0] not in self.commands and args[0] not in {"--help", "-h"}:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultRunGroup,
    help="评测：policy-assistant eval FILE [--out DIR] 运行问答集（即 eval run FILE）；eval compare A B 比较两次运行。",
    no_args_is_help=True,
)


class ModeChoice(StrEnum):
    extractive = "extractive"
    llm = "llm"


class OnError(StrEnum):
    stop = "stop"
    skip = "skip"


@app.command("run")
def run(
    files: list[Path] = typer.Argument(..., help="问答集文件（.jsonl 或 .csv；问题或多轮对话），可多个"),
    out: Path | None = typer.Option(None, "--out", help="结果目录（默认 runs/eval-时间）"),
    mode: ModeChoice | None = typer.Option(None, "--mode", help="回答模式（默认按配置：有模型则 llm）"),
    k: int | None = typer.Option(None, "--k", min=1, help="检索条款数（默认 POLICY_TOP_K）"),
    on_error: OnError = typer.Option(
        OnError.stop, "--on-error", help="格式错误行：stop 不运行并列出全部；skip 跳过"
    ),
    gate: Path | None = typer.Option(
        None, "--gate", help="阈值文件（如 evals/thresholds.json）；不达标退出码 1"
    ),
    reviewed: Path | None = typer.Option(
        None,
        "--reviewed",
        help="审核答复导入文件（.jsonl 或 .csv，与坐席导入的格式相同）：载入临时数据库，"
        "像应用一样检索和展示审核答复，并报告 reviewed_shown / reviewed_correct / reviewed_false",
    ),
) -> None:
    """运行问答集，写出 metrics.json、results.jsonl、report.md 和 report.html。"""
    with ExitStack() as stack:
        _run(files, out, mode, k, on_error, gate, reviewed, stack)


def _run(
    files: list[Path],
    out: Path | None,
    mode: ModeChoice | None,
    k: int | None,
    on_error: OnError,
    gate: Path | None,
    reviewed_file: Path | None,
    stack: ExitStack,
) -> None:
    from assistant.factory import load_documents, make_pipeline
    from evals.evaluate import combine, evaluate
    from ui.cli.eval_reviewed import ReviewedChannel, ReviewedFileError, reviewed_channel, reviewed_pipeline

    sets = []
    for path in files:
        try:
            sets.append(load_qa_file(path))
        except QAFileError as exc:
            fail(str(exc), code=2)
    items, problems = combine(sets)
    for problem in problems:
        err_console.print(f"[yellow]格式错误[/] {problem}", highlight=False)
    if problems and on_error is OnError.stop:
        fail(
            f"共 {len(problems)} 处格式错误，未运行。请修正后重试，或加 --on-error skip 跳过这些行。", code=2
        )
    if not items:
        fail("没有可运行的问题。", code=2)
    labelled = sum(i.reviewed is not None for i in items)
    if labelled and reviewed_file is None:
        console.print(f"[yellow]{labelled} 题标注了 reviewed[/]：未给 --reviewed，不评审核答复。")

    settings = load_settings()
    requested = mode.value if mode else None
    out_dir = out or Path("runs") / f"eval-{datetime.now():%Y%m%d-%H%M%S}"
    channel: ReviewedChannel | None = None
    try:
        if reviewed_file is None:
            pipeline = make_pipeline(settings, mode=requested, k=k, held_out=files)
            documents = load_documents(settings).documents
        else:
            documents = load_documents(settings).documents
            try:
                channel = stack.enter_context(reviewed_channel(reviewed_file, documents))
                unknown = channel.unknown_labels(items)
                if unknown:
                    raise ReviewedFileError("\n".join(unknown))
            except ReviewedFileError as exc:
                fail(str(exc), code=2)
            pipeline = reviewed_pipeline(settings, documents, channel, requested, k, files)
        warm_up = getattr(getattr(pipeline, "retriever", None), "warm_up", None)
        if warm_up is not None:  # latencies are reported for a warm process
            warm_up()
    except Exception as exc:
        fail(f"无法创建问答流程：{exc}")
    info = RunInfo(
        qa_file=", ".join(str(p) for p in files),
        mode=requested or ("llm" if settings.llm_configured else "extractive"),
        k=k or settings.top_k,
        commit=git_commit(),
        embeddings=settings.embeddings,
        corpus_dir=str(settings.corpus_dir),
        skipped=skipped_lines(problems),
        reviewed_file=str(reviewed_file) if channel is not None else "",
        reviewed_answers=len(channel.answers) if channel is not None else 0,
    )
    with Progress(
        TextColumn("[bold]评测[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("", total=len(items))

        def advance(result: QuestionResult) -> None:
            mark = "[green]✓[/]" if result.score.ok else "[red]✗[/]"
            progress.update(task, advance=1, description=f"{mark} {result.item.id}")

        shown = channel.shown(pipeline) if channel is not None else None
        metrics, _ = evaluate(
            pipeline, items, documents, info, out_dir=out_dir, on_result=advance, reviewed=shown
        )

    print_summary(metrics)
    if problems:
        console.print(f"[yellow]跳过了 {len(problems)} 行格式错误[/]（见 report.md）")
    console.print(f"结果已写入 [bold]{out_dir}[/]：metrics.json、results.jsonl、report.md、report.html")
    if gate is not None:
        failures = check_gate(metrics, Thresholds.load(gate))
        for failure in failures:
            err_console.print(f"[red]未达标[/] {failure}", highlight=False)
        if failures:
            raise typer.Exit(1)
        console.print("[green]全部指标达到阈值[/]")


SHORT = {
    "n": "n",
    "hit_at_1": "hit@1",
    "hit_at_3": "hit@3",
    "mrr": "MRR",
    "citation_precision": "引用P",
    "citation_recall": "引用R",
    "must_include_recall": "要点",
    "refusal_accuracy": "拒答",
    "latency_ms_p50": "p50ms",
}


def print_summary(metrics: dict[str, Any]) -> None:
    """Overall metrics as one column, then one row per question type (fits an 80-column terminal)."""
    overall = Table(title=f"评测结果（{metrics['n']} 题）")
    overall.add_column("指标")
    overall.add_column("键", style="dim")
    overall.add_column("值", justify="right")
    for m in (*HEADLINE, "pass_rate"):
        overall.add_row(METRIC_LABELS.get(m, m), m, format_value(m, metrics.get(m)))
    for m in REVIEWED if "reviewed_shown" in metrics else ():
        overall.add_row(METRIC_LABELS.get(m, m), m, format_value(m, metrics.get(m)))
    console.print(overall)
    by_type = Table(title="按题型")
    by_type.add_column("题型")
    for m in SHORT.values():
        by_type.add_column(m, justify="right")
    for qtype, values in metrics.get("by_type", {}).items():
        by_type.add_row(TYPE_LABELS.get(qtype, qtype), *(format_value(m, values.get(m)) for m in SHORT))
    console.print(by_type)


@app.command("compare")
def compare(
    run_a: Path = typer.Argument(..., help="基准运行目录（含 metrics.json、results.jsonl）"),
    run_b: Path = typer.Argument(..., help="新运行目录"),
) -> None:
    """比较两次运行：指标变化，以及由通过变为未通过（或相反）的问题。"""
    try:
        a, b = load_run(run_a), load_run(run_b)
    except RunDirError as exc:
        fail(str(exc), code=2)
    print_comparison(compare_runs(a, b), str(run_a), str(run_b))


def print_comparison(comparison: Comparison, name_a: str, name_b: str) -> None:
    table = Table(title="指标变化")
    table.add_column("指标")
    table.add_column(name_a, justify="right")
    table.add_column(name_b, justify="right")
    table.add_column("变化", justify="right")
    for d in comparison.deltas:
        delta = d.delta
        if delta is None:
            shown = "—"
        elif d.metric.startswith("latency") or (isinstance(d.a, int) and isinstance(d.b, int)):
            shown = f"{delta:+.0f}"
        else:
            shown = f"{delta:+.3f}"
        style = {True: "green", False: "red", None: ""}[d.improved]
        table.add_row(
            METRIC_LABELS.get(d.metric, d.metric),
            format_value(d.metric, d.a),
            format_value(d.metric, d.b),
            f"[{style}]{shown}[/]" if style else shown,
        )
    console.print(table)
    for title, flips, style in (
        ("通过 → 未通过", comparison.regressions, "red"),
        ("未通过 → 通过", comparison.fixes, "green"),
    ):
        if not flips:
            console.print(f"[{style}]{title}[/]：无")
            continue
        flip_table = Table(title=f"[{style}]{title}（{len(flips)}）[/]")
        for column in ("id", "题型", "问题", "变化的指标"):
            flip_table.add_column(column)
        for f in flips:
            changed = ", ".join(f"{m}: {_mark(x)}→{_mark(y)}" for m, x, y in f.changed)
            flip_table.add_row(
                f.id, f.type, f.question if len(f.question) <= 40 else f.question[:39] + "…", changed
            )
        console.print(flip_table)
    if comparison.only_in_a or comparison.only_in_b:
        console.print(
            f"[yellow]只在一次运行中出现的问题[/]：A {len(comparison.only_in_a)} 个，B {len(comparison.only_in_b)} 个"
        )


def _mark(value: bool | None) -> str:
    return "—" if value is None else ("✓" if value else "✗")
