"""评测: upload a QA set, run it with progress, metrics, a per-type chart, a filterable table, downloads."""

from __future__ import annotations

import copy
import json
import logging
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio.components.plot import PlotData

from assistant.pipeline import Pipeline
from corpus.models import Document
from evals.evaluate import evaluate
from evals.metrics import HEADLINE, METRIC_LABELS, TYPE_LABELS, format_value
from evals.qa_file import QAFileError, load_qa_file
from evals.results import QuestionResult
from evals.run_files import RunInfo, skipped_lines
from ui.pages.eval_compare import build_compare
from ui.pages.phone_cards import phone_cards
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


def empty_metrics_frame() -> pd.DataFrame:
    """Before a run: the metric names under Chinese headers, no values yet."""
    rows = [[METRIC_LABELS.get(m, m), "—"] for m in (*HEADLINE, "pass_rate")]
    return pd.DataFrame(rows, columns=["指标", "总体（尚未运行）"])


def chart_plot(metrics: dict[str, Any]) -> PlotData:
    """Grouped bars: one trace (bar colour) per metric, the question types side by side on the
    x axis, every value labelled. A Plotly figure as JSON, drawn by gradio's bundled plotly.js."""
    by_type: dict[str, dict[str, Any]] = metrics.get("by_type", {})
    types = [TYPE_LABELS.get(t, t) for t in by_type]
    traces = []
    for m in CHART_METRICS:
        values = [v.get(m) for v in by_type.values()]
        traces.append(
            {
                "type": "bar",
                "name": METRIC_LABELS.get(m, m),
                "x": types,
                "y": [None if v is None else float(v) for v in values],
                "text": ["" if v is None else f"{float(v):.0%}" for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x} · " + METRIC_LABELS.get(m, m) + "：%{y:.3f}<extra></extra>",
            }
        )
    layout = {
        "barmode": "group",
        "bargap": 0.25,
        "bargroupgap": 0.05,
        "yaxis": {"range": [0, 1.15], "tickformat": ".0%", "title": {"text": "数值"}},
        "xaxis": {"title": {"text": "题型"}},
        "legend": {"orientation": "h", "y": -0.25},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "uniformtext": {"minsize": 9, "mode": "hide"},  # value labels that do not fit (phone) are left out
        "font": {"family": "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"},
    }
    return PlotData(type="plotly", plot=json.dumps({"data": traces, "layout": layout}, ensure_ascii=False))


def template_rows(documents: list[Document]) -> list[dict[str, Any]]:
    """A small QA set for the loaded documents, in the format ``policy-assistant eval`` reads: one
    question on an article (its heading as the point the answer must contain) and one to decline."""
    rows: list[dict[str, Any]] = []
    qualify = len(documents) > 1
    for document in documents:
        article = next((a for a in document.articles if a.heading and a.label != "前言"), None)
        if article is None:
            continue
        name = document.meta.short_title or document.title
        label = f"{document.doc_id}#{article.label}" if qualify else article.label
        rows.append(
            {
                "id": "t1",
                "question": f"{name}第{article.label}条「{article.heading}」是怎么规定的？",
                "expected_articles": [label],
                "must_include": [article.heading],
                "type": "fact",
            }
        )
        break
    rows.append({"id": "t2", "question": "今天天气怎么样？", "expected_articles": [], "type": "out_of_scope"})
    return rows


def write_template(documents: list[Document], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "qa-template.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in template_rows(documents)]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


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


EMPTY_STATUS = "尚未运行评测：上传问答集后点击「开始评测」。"


def build_eval_tab(state: AppState) -> None:
    gr.Markdown(
        "上传问答集（.jsonl 或 .csv，每行一题：id、question、expected_articles、must_include、type；"
        "格式见下方模板），按当前配置运行并给出指标。评测问题不会写入咨询记录。"
    )
    runs_folder = state.settings.data_dir / "web-evals"
    template = write_template(list(state.service.documents), runs_folder)
    with gr.Row():
        with gr.Column():
            upload = gr.File(
                label="问答集文件（.jsonl / .csv）",
                file_types=[".jsonl", ".csv"],
                file_count="single",
                type="filepath",
                elem_id="pa-eval-file",
            )
            gr.DownloadButton(
                "下载问答集模板（.jsonl）",
                value=str(template),
                size="sm",
                elem_id="pa-eval-template",
            )
        with gr.Column():
            run = gr.Button("开始评测", variant="primary", elem_id="pa-eval-run")
            status = gr.Markdown(EMPTY_STATUS, elem_id="pa-eval-status")
            download = gr.File(label="下载结果（zip：metrics.json、results.jsonl、报告）", interactive=False)
    metrics_table = gr.Dataframe(
        value=empty_metrics_frame(),
        label="指标（总体与各题型）",
        interactive=False,
        elem_id="pa-eval-metrics",
    )
    phone_cards(metrics_table, "指标（总体与各题型）", elem_id="pa-eval-metrics-cards")
    chart = gr.Plot(label="各题型指标", elem_id="pa-eval-chart")
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
    phone_cards(table, "逐题结果", head=2, elem_id="pa-eval-table-cards")

    def run_eval(path: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        # a message only: the last run's tables and chart stay as they were
        unchanged = (gr.skip(),) * 5
        if not path:
            return "请先上传问答集文件（.jsonl 或 .csv）。", *unchanged
        try:
            qa_set = load_qa_file(Path(path))
        except QAFileError as exc:
            return f"无法读取问答集：{exc}", *unchanged
        items = list(qa_set.items)
        if not items:
            problems = "；".join(str(p) for p in qa_set.problems[:5])
            return f"问答集中没有可运行的问题。{problems}", *unchanged
        service = state.service
        out_dir = runs_folder / f"eval-{datetime.now():%Y%m%d-%H%M%S-%f}"
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
            chart_plot(metrics),
            filter_rows(rows, ALL, ALL, ""),
            rows,
            str(zip_run(out_dir)),
        )

    run_a, run_b, pickers = build_compare(runs_folder)
    run.click(
        run_eval,
        inputs=upload,
        outputs=[status, metrics_table, chart, table, rows_state, download],
        api_name="evaluate",
        concurrency_limit=1,
    ).then(pickers, outputs=[run_a, run_b], api_visibility="private")  # the new run is B, the one before A

    def file_chosen(path: str | None) -> str:
        """A new file replaces the last message (「请先上传…」 or an earlier run's summary)."""
        return f"已选择 {Path(path).name}，点击「开始评测」。" if path else EMPTY_STATUS

    upload.change(file_chosen, inputs=upload, outputs=status, api_visibility="private")
    filters = [rows_state, type_filter, outcome_filter, text_filter]
    for component in (type_filter, outcome_filter):
        component.change(filter_rows, filters, table, api_visibility="private")
    text_filter.submit(filter_rows, filters, table, api_name="filter_results")
