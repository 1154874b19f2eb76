"""The self-contained ``report.html`` of a run: inline CSS and SVG, no scripts, all text escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from evals.charts import grouped_bars, histogram
from evals.metrics import HEADLINE, METRIC_LABELS, REVIEWED, TYPE_LABELS, format_value
from evals.report_md import (
    REVIEWED_ROWS,
    TYPE_COLUMNS,
    failed_metrics,
    modes_text,
    reviewed_label,
    reviewed_rows,
)

CHART_METRICS = ("hit_at_3", "citation_recall", "must_include_recall", "refusal_accuracy")

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#fff5f5}
.muted{color:#666;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:24px}
details{margin:2px 0}
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _metric_table(metrics: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(METRIC_LABELS.get(m, m))}</td><td><code>{_e(m)}</code></td>"
        f'<td class="num">{_e(format_value(m, metrics.get(m)))}</td></tr>'
        for m in HEADLINE
    )
    return f"<table><tr><th>指标</th><th>键</th><th>值</th></tr>{rows}</table>"


def _type_table(by_type: dict[str, dict[str, Any]]) -> str:
    head = "".join(f"<th>{_e(METRIC_LABELS.get(c, c))}</th>" for c in TYPE_COLUMNS)
    body = "".join(
        f"<tr><td>{_e(TYPE_LABELS.get(t, t))} <code>{_e(t)}</code></td>"
        + "".join(f'<td class="num">{_e(format_value(c, v.get(c)))}</td>' for c in TYPE_COLUMNS)
        + "</tr>"
        for t, v in by_type.items()
    )
    return f"<table><tr><th>题型</th>{head}</tr>{body}</table>"


def _reviewed_section(metrics: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The 人工审核答复 figures and items (runs with ``--reviewed`` only)."""
    if not any(m in metrics for m in REVIEWED):
        return ""
    run = metrics.get("run", {})
    figures = "".join(
        f"<tr><td>{_e(METRIC_LABELS.get(key, key))}</td><td><code>{_e(key)}</code></td>"
        f'<td class="num">{_e(format_value(key, metrics.get(key)))}</td>'
        f'<td class="num">{_e(metrics.get(base, 0))}</td><td>{_e(meaning)}</td></tr>'
        for key, base, meaning in REVIEWED_ROWS
    )
    items = ""
    for r in reviewed_rows(rows):
        ok = r.get("passed", {}).get("reviewed")
        mark = "—" if ok is None else ("✓" if ok else "✗")
        items += (
            f'<tr class="{"fail" if ok is False else "pass"}"><td>{_e(r["id"])}</td><td>{_e(r["question"])}</td>'
            f"<td>{_e(reviewed_label(r.get('reviewed_expected')))}</td>"
            f"<td>{_e(reviewed_label(r.get('reviewed_shown')))}</td><td>{_e(mark)}</td></tr>"
        )
    table = (
        "<table><tr><th>id</th><th>问题</th><th>期望的审核答复</th><th>显示的审核答复</th><th>结果</th></tr>"
        f"{items}</table>"
        if items
        else ""
    )
    return (
        f"<h2>人工审核答复</h2><p class='muted'>审核答复文件 <code>{_e(run.get('reviewed_file', ''))}</code>"
        f"（{_e(run.get('reviewed_answers', 0))} 条，载入临时数据库，检索和展示与应用相同）</p>"
        "<table><tr><th>指标</th><th>键</th><th>值</th><th>题数</th><th>含义</th></tr>"
        f"{figures}</table>{table}"
    )


def _result_rows(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        failed = failed_metrics(r)
        if r.get("error"):
            failed.append("error")
        top = ", ".join(f"{x['article']} ({x['score']:.3f})" for x in r.get("retrieved", [])[:3])
        cites = "".join(f"<li>{_e(c['article'])}：{_e(c['quote'])}</li>" for c in r.get("citations", []))
        answer = ("【拒答】" if r.get("refused") else "") + str(r.get("answer", ""))
        where = f"{r['conversation']} 第 {r['turn']} 轮" if r.get("conversation") else ""
        out.append(
            f'<tr class="{"fail" if failed else "pass"}">'
            f"<td>{_e(r['id'])}<div class='muted'>{_e(where)}</div></td>"
            f"<td>{_e(r['type'])}</td><td>{_e(r['question'])}</td>"
            f"<td>{_e(', '.join(failed) or '✓')}</td>"
            f"<td>{_e(', '.join(r.get('expected_articles', [])))}</td><td>{_e(top)}</td>"
            f"<td><details><summary>{_e(answer[:80])}</summary><p>{_e(answer)}</p>"
            f"<ul>{cites}</ul>{_e(r.get('error', ''))}</details></td>"
            f'<td class="num">{r.get("latency_ms", 0):.0f}</td></tr>'
        )
    return "".join(out)


def render_html(metrics: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    run = metrics.get("run", {})
    by_type: dict[str, dict[str, Any]] = metrics.get("by_type", {})
    types = list(by_type)
    bars = grouped_bars(
        [TYPE_LABELS.get(t, t) for t in types],
        [(METRIC_LABELS[m], [by_type[t].get(m) for t in types]) for m in CHART_METRICS],
        title="按题型的指标",
    )
    latency = histogram([float(r.get("latency_ms", 0.0)) for r in rows], title="回答延迟分布")
    skipped = run.get("skipped") or []
    skipped_html = (
        f"<h2>跳过的格式错误行（{len(skipped)}）</h2><ul>"
        + "".join(f"<li>{_e(s)}</li>" for s in skipped)
        + "</ul>"
        if skipped
        else ""
    )
    n_failed = sum(1 for r in rows if failed_metrics(r) or r.get("error"))
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>评测报告</title><style>{CSS}</style></head>
<body>
<h1>评测报告</h1>
<p class="muted">问答集 <code>{_e(run.get("qa_file", ""))}</code> · 模式 {_e(run.get("mode", ""))}
（实际：{_e(modes_text(run))}） · k = {_e(run.get("k", ""))} · 提交 <code>{_e(run.get("commit") or "未知")}</code>
· {_e(run.get("timestamp", ""))}</p>
<h2>总体指标</h2>
{_metric_table(metrics)}
<div class="charts">{bars}{latency}</div>
<h2>按题型</h2>
{_type_table(by_type)}
{_reviewed_section(metrics, rows)}
{skipped_html}
<h2>逐题结果（未通过 {n_failed} / {len(rows)}）</h2>
<table><tr><th>id</th><th>题型</th><th>问题</th><th>未通过</th><th>期望条款</th><th>检索前 3</th><th>回答与引用</th><th>延迟 ms</th></tr>
{_result_rows(rows)}
</table>
<p class="muted">指标定义见 evals/METRICS.md。</p>
</body></html>
"""
