"""评测 · 比较两次运行: pick two stored runs of the page, see the metric differences (table and
chart) and the questions whose outcome changed — ``evals.compare``, as ``policy-assistant eval
compare`` prints them."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio.components.plot import PlotData

from evals.compare import Comparison, MetricDelta, compare_runs
from evals.metrics import HIGHER_IS_BETTER, METRIC_LABELS, TYPE_LABELS, format_value
from evals.run_files import METRICS_FILE, RunDirError, load_run
from ui.pages.phone_cards import phone_cards

log = logging.getLogger(__name__)

DELTA_COLUMNS = ["指标", "A", "B", "变化", "B 相比 A"]
FLIP_COLUMNS = ["编号", "题型", "问题", "A", "B", "变化的指标"]
#: the rates drawn in the chart (0–1); counts and latencies are in the table only
CHART_METRICS = tuple(m for m in METRIC_LABELS if m in HIGHER_IS_BETTER)
NO_RUNS = "至少需要两次评测运行：在上方运行问答集后，这里可以选择两次运行进行比较。"


def stored_runs(folder: Path) -> list[tuple[str, str]]:
    """(label, directory name) of the runs under ``folder``, newest first."""
    runs = []
    for path in sorted(folder.glob("eval-*"), reverse=True):
        try:
            metrics = json.loads((path / METRICS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        run = metrics.get("run", {}) if isinstance(metrics, dict) else {}
        when = str(run.get("timestamp", ""))[:19].replace("T", " ")
        label = f"{when or path.name} · {run.get('qa_file', '?')} · {metrics.get('n', '?')} 题"
        runs.append((label, path.name))
    return runs


def run_pickers(folder: Path) -> tuple[Any, Any]:
    """Both dropdowns with the runs there are: B the newest, A the one before it."""
    runs = stored_runs(folder)
    names = [name for _, name in runs]
    b = names[0] if names else None
    a = names[1] if len(names) > 1 else None
    return gr.Dropdown(choices=runs, value=a), gr.Dropdown(choices=runs, value=b)


def _delta_text(d: MetricDelta) -> str:
    if d.delta is None:
        return "—"
    if d.metric.startswith("latency") or (isinstance(d.a, int) and isinstance(d.b, int)):
        return f"{d.delta:+.0f}"
    return f"{d.delta:+.3f}"


def delta_frame(comparison: Comparison) -> pd.DataFrame:
    verdict = {True: "更好", False: "更差", None: "—"}
    rows = [
        [
            METRIC_LABELS.get(d.metric, d.metric),
            format_value(d.metric, d.a),
            format_value(d.metric, d.b),
            _delta_text(d),
            verdict[d.improved],
        ]
        for d in comparison.deltas
    ]
    return pd.DataFrame(rows, columns=DELTA_COLUMNS)


def flips_frame(comparison: Comparison) -> pd.DataFrame:
    def outcome(ok: bool) -> str:
        return "✓ 通过" if ok else "✗ 未通过"

    def mark(value: bool | None) -> str:
        return "—" if value is None else ("✓" if value else "✗")

    rows = [
        [
            f.id,
            TYPE_LABELS.get(f.type, f.type),
            f.question,
            outcome(not f.now_ok),
            outcome(f.now_ok),
            "；".join(f"{METRIC_LABELS.get(m, m)} {mark(x)}→{mark(y)}" for m, x, y in f.changed),
        ]
        for f in (*comparison.regressions, *comparison.fixes)
    ]
    return pd.DataFrame(rows, columns=FLIP_COLUMNS)


def compare_plot(comparison: Comparison) -> PlotData:
    """Grouped bars: every rate metric on the x axis, run A and run B side by side."""
    deltas = {d.metric: d for d in comparison.deltas}
    shown = [m for m in CHART_METRICS if m in deltas]
    labels = [METRIC_LABELS.get(m, m) for m in shown]
    traces = []
    for name, colour, pick in (("A", "#94a3b8", "a"), ("B", "#1d4ed8", "b")):
        values = [getattr(deltas[m], pick) for m in shown]
        traces.append(
            {
                "type": "bar",
                "name": f"运行 {name}",
                "x": labels,
                "y": [None if v is None else float(v) for v in values],
                "marker": {"color": colour},
                "text": ["" if v is None else f"{float(v):.0%}" for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x} · 运行 " + name + "：%{y:.3f}<extra></extra>",
            }
        )
    layout = {
        "barmode": "group",
        "yaxis": {"range": [0, 1.15], "tickformat": ".0%"},
        "xaxis": {"tickangle": -30, "automargin": True},
        "legend": {"orientation": "h", "y": 1.12},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "uniformtext": {"minsize": 8, "mode": "hide"},
        "font": {"family": "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"},
    }
    return PlotData(type="plotly", plot=json.dumps({"data": traces, "layout": layout}, ensure_ascii=False))


def compare_named(folder: Path, name_a: str | None, name_b: str | None) -> tuple[Any, ...]:
    """Status, metric table, chart and changed questions for two runs picked by directory name."""
    unchanged = (gr.skip(),) * 3
    known = {name for _, name in stored_runs(folder)}
    if len(known) < 2:
        return NO_RUNS, *unchanged
    if not name_a or not name_b:
        return "请选择两次运行：A（基准）和 B（新）。", *unchanged
    if name_a not in known or name_b not in known:
        return "所选运行已不存在，请刷新运行列表后重新选择。", *unchanged
    if name_a == name_b:
        return "请选择两次不同的运行。", *unchanged
    try:
        comparison = compare_runs(load_run(folder / name_a), load_run(folder / name_b))
    except RunDirError as exc:
        return f"无法读取运行结果：{exc}", *unchanged
    summary = f"B 相比 A：{len(comparison.fixes)} 题由未通过变为通过，{len(comparison.regressions)} 题由通过变为未通过"
    if comparison.only_in_a or comparison.only_in_b:
        summary += (
            f"；只在 A 中的问题 {len(comparison.only_in_a)} 个，只在 B 中的 {len(comparison.only_in_b)} 个"
        )
    return summary + "。", delta_frame(comparison), compare_plot(comparison), flips_frame(comparison)


def build_compare(folder: Path) -> tuple[Any, Any, Any]:
    """The comparison section; returns the two run pickers and the refresh step (for after a run)."""
    gr.Markdown("### 比较两次运行", elem_id="pa-compare-title")
    runs = stored_runs(folder)
    with gr.Row():
        run_a = gr.Dropdown(runs, value=None, label="运行 A（基准）", elem_id="pa-compare-a")
        run_b = gr.Dropdown(runs, value=None, label="运行 B（新）", elem_id="pa-compare-b")
    with gr.Row():
        refresh = gr.Button("刷新运行列表", size="sm", elem_id="pa-compare-refresh")
        go = gr.Button("比较", variant="primary", size="sm", elem_id="pa-compare-run")
    status = gr.Markdown(
        "选择两次运行后点击「比较」。" if len(runs) > 1 else NO_RUNS, elem_id="pa-compare-status"
    )
    deltas = gr.Dataframe(
        headers=DELTA_COLUMNS, value=[], interactive=False, label="指标变化", elem_id="pa-compare-metrics"
    )
    phone_cards(deltas, "指标变化", elem_id="pa-compare-metrics-cards")
    chart = gr.Plot(label="各指标：运行 A 与运行 B", elem_id="pa-compare-chart")
    flips = gr.Dataframe(
        headers=FLIP_COLUMNS,
        value=[],
        interactive=False,
        wrap=True,
        label="结果改变的问题（通过 ↔ 未通过）",
        elem_id="pa-compare-flips",
    )
    phone_cards(flips, "结果改变的问题（通过 ↔ 未通过）", head=2, elem_id="pa-compare-flips-cards")

    def pickers() -> tuple[Any, Any]:
        return run_pickers(folder)

    def compare(name_a: str | None, name_b: str | None) -> tuple[Any, ...]:
        return compare_named(folder, name_a, name_b)

    refresh.click(pickers, outputs=[run_a, run_b], api_visibility="private")
    go.click(compare, [run_a, run_b], [status, deltas, chart, flips], api_name="compare_runs")
    return run_a, run_b, pickers
