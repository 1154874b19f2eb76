"""评测: upload a QA set, run it with progress, metrics, a per-type chart, a filterable table, downloads."""

from __future__ import annotations

import copy
import logging
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.pipeline import Pipeline
from evals.evaluate import evaluate
from evals.metrics import HEADLINE, METRIC_LABELS, TYPE_LABELS, format_value
from evals.qa_file import QAFileError, load_qa_file
from evals.results import QuestionResult
from evals.run_files import RunInfo, skipped_lines
from ui.state import AppState

log = logging.getLogger(__name__)

ALL = "全部"
RESULT_COLUMNS = ["编号", "题型", "问题", "通过", "命中排名", "引用", "回答", "延迟 (ms)"]
CHART_METRICS = ("hit_at_1", "hit_at_3", "citation_recall", "must_include_recall", "pass_rate")


def quiet_pipeline(pipeline: Pipeline) -> Pipeline:
    """The same pipeline without the conversation log, so evaluation questions are not logged as citizens'."""
    clone = copy.copy(pipeline)
    clone.recorder = None
    return clone


def metrics_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    by_type: dict[str, dict[str, Any]] = metrics.get("by_type", {})
    columns = ["指标", "总体", *(TYPE_LABELS.get(t, t) for t in by_type)]
    rows = [
        [
            METRIC_LABELS.get(m, m),
            format_value(m, metrics.get(m)),
            *(format_value(m, v.get(m)) for v in by_type.values()),
        ]
        for m in (*HEADLINE, "pass_rate")
    ]
    return pd.DataFrame(rows, columns=columns)


def chart_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for t, values in metrics.get("by_type", {}).items():
        for m in CHART_METRICS:
            value = values.get(m)
            if value is not None:
                rows.append(
                    {"题型": TYPE_LABELS.get(t, t), "指标": METRIC_LABELS.get(m, m), "数值": float(value)}
                )
    return pd.DataFrame(rows, columns=["题型", "指标", "数值"])


def result_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    out = []
    for r in rows:
        cited = "、".join(c["article"] for c in r.get("citations", []))
        out.append(
            [
                r["id"],
                TYPE_LABELS.get(r["type"], r["type"]),
                r["question"],
                "✓" if r.get("ok") else "✗",
                r.get("rank") if r.get("rank") is not None else "—",
                cited or "—",
                r.get("answer", "")[:200],
                round(float(r.get("latency_ms", 0.0))),
            ]
        )
    return out


def filter_rows(rows: list[dict[str, Any]], type_label: str, outcome: str, text: str) -> pd.DataFrame:
    kept = [
        r
        for r in rows or []
        if (type_label in ("", ALL) or TYPE_LABELS.get(r["type"], r["type"]) == type_label)
        and (outcome in ("", ALL) or (outcome == "通过") == bool(r.get("ok")))
        and (not text or text in r["question"] or text in r["id"])
    ]
    return pd.DataFrame(result_rows(kept), columns=RESULT_COLUMNS)


def zip_run(out_dir: Path) -> Path:
    target = out_dir / f"{out_dir.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("metrics.json", "results.jsonl", "report.md", "report.html"):
            if (out_dir / name).exists():
                archive.write(out_dir / name, arcname=name)
    return target


def build_eval_tab(state: AppState) -> None:
    gr.Markdown(
        "上传问答集（.jsonl 或 .csv，格式见 evals/dev/README.md），按当前配置运行并给出指标。"
        "评测问题不会写入咨询记录。"
    )
    with gr.Row():
        upload = gr.File(
            label="问答集文件（.jsonl / .csv）",
            file_types=[".jsonl", ".csv"],
            file_count="single",
            type="filepath",
            elem_id="pa-eval-file",
        )
        with gr.Column():
            run = gr.Button("开始评测", variant="primary", elem_id="pa-eval-run")
            status = gr.Markdown("", elem_id="pa-eval-status")
            download = gr.File(label="下载结果（zip：metrics.json、results.jsonl、报告）", interactive=False)
    metrics_table = gr.Dataframe(label="指标（总体与各题型）", interactive=False, elem_id="pa-eval-metrics")
    chart = gr.BarPlot(
        value=None,
        x="题型",
        y="数值",
        color="指标",
        title="各题型指标",
        x_title="题型",
        y_title="数值",
        y_lim=[0, 1],
        label="各题型指标",
        elem_id="pa-eval-chart",
    )
    rows_state = gr.State([])
    with gr.Row():
        type_filter = gr.Dropdown([ALL, *TYPE_LABELS.values()], value=ALL, label="题型")
        outcome_filter = gr.Dropdown([ALL, "通过", "未通过"], value=ALL, label="结果")
        text_filter = gr.Textbox(label="搜索问题或编号", placeholder="输入关键词筛选")
    table = gr.Dataframe(
        headers=RESULT_COLUMNS,
        value=[],
        interactive=False,
        wrap=True,
        label="逐题结果",
        elem_id="pa-eval-table",
    )

    def run_eval(path: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not path:
            return "请先上传问答集文件（.jsonl 或 .csv）。", None, None, None, [], gr.skip()
        try:
            qa_set = load_qa_file(Path(path))
        except QAFileError as exc:
            return f"无法读取问答集：{exc}", None, None, None, [], gr.skip()
        items = list(qa_set.items)
        if not items:
            problems = "；".join(str(p) for p in qa_set.problems[:5])
            return f"问答集中没有可运行的问题。{problems}", None, None, None, [], gr.skip()
        service = state.service
        out_dir = state.settings.data_dir / "web-evals" / f"eval-{datetime.now():%Y%m%d-%H%M%S-%f}"
        info = RunInfo(
            qa_file=Path(path).name,
            mode=service.mode,
            k=service.pipeline.k,
            embeddings=state.settings.embeddings,
            corpus_dir=str(state.settings.corpus_dir),
            skipped=skipped_lines(list(qa_set.problems)),
        )
        done = 0
        progress(0, desc="开始评测…")

        def advance(result: QuestionResult) -> None:
            nonlocal done
            done += 1
            progress((done, len(items)), desc=f"已完成 {done}/{len(items)}：{result.item.id}")

        metrics, results = evaluate(
            quiet_pipeline(service.pipeline),
            items,
            service.documents,
            info,
            out_dir=out_dir,
            on_result=advance,
        )
        rows = [r.to_json() for r in results]
        skipped = f"，跳过 {len(qa_set.problems)} 行格式错误" if qa_set.problems else ""
        passed = sum(1 for r in rows if r.get("ok"))
        summary = f"评测完成：共 {metrics['n']} 题，全部通过 {passed} 题{skipped}。"
        return (
            summary,
            metrics_frame(metrics),
            chart_frame(metrics),
            filter_rows(rows, ALL, ALL, ""),
            rows,
            str(zip_run(out_dir)),
        )

    run.click(
        run_eval,
        inputs=upload,
        outputs=[status, metrics_table, chart, table, rows_state, download],
        api_name="evaluate",
        concurrency_limit=1,
    )
    filters = [rows_state, type_filter, outcome_filter, text_filter]
    for component in (type_filter, outcome_filter):
        component.change(filter_rows, filters, table, api_visibility="private")
    text_filter.submit(filter_rows, filters, table, api_name="filter_results")
