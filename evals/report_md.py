"""The readable ``report.md`` of a run: settings, metrics, per-type table, failed questions."""

from __future__ import annotations

from typing import Any

from evals.metrics import HEADLINE, METRIC_LABELS, TYPE_LABELS, format_value

TYPE_COLUMNS = tuple(key for key in HEADLINE if key != "latency_ms_p95")
MAX_FAILURES = 200


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (no pipes, no newlines, no raw HTML)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def modes_text(run: dict[str, Any]) -> str:
    """The modes the answers actually came in, e.g. ``extractive 210, llm 3``."""
    modes = run.get("answer_modes") or {}
    return ", ".join(f"{mode} {count}" for mode, count in modes.items()) or "—"


def failed_metrics(row: dict[str, Any]) -> list[str]:
    return [m for m, ok in row.get("passed", {}).items() if not ok]


def render_markdown(metrics: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    run = metrics.get("run", {})
    lines = [
        "# 评测报告",
        "",
        f"- 问答集：`{run.get('qa_file', '')}`",
        f"- 模式：{run.get('mode', '')}（实际回答模式：{modes_text(run)}）；k = {run.get('k', '')}",
        f"- 提交：`{run.get('commit') or '未知'}`；时间：{run.get('timestamp', '')}",
        f"- 全部通过率：{format_value('pass_rate', metrics.get('pass_rate'))}；出错：{metrics.get('errors', 0)}",
        "",
        "## 总体指标",
        "",
        "| 指标 | 键 | 值 |",
        "|---|---|---|",
    ]
    lines += [f"| {METRIC_LABELS.get(m, m)} | `{m}` | {format_value(m, metrics.get(m))} |" for m in HEADLINE]
    lines += ["", "## 按题型", ""]
    lines.append("| 题型 | " + " | ".join(METRIC_LABELS.get(c, c) for c in TYPE_COLUMNS) + " |")
    lines.append("|---" * (len(TYPE_COLUMNS) + 1) + "|")
    for qtype, values in metrics.get("by_type", {}).items():
        cells = " | ".join(format_value(c, values.get(c)) for c in TYPE_COLUMNS)
        lines.append(f"| {TYPE_LABELS.get(qtype, qtype)} (`{qtype}`) | {cells} |")
    failures = [r for r in rows if failed_metrics(r) or r.get("error")]
    lines += ["", f"## 未通过的问题（{len(failures)} / {len(rows)}）", ""]
    if failures:
        lines += [
            "| id | 题型 | 问题 | 未通过 | 期望条款 | 检索前 3 | 引用 | 回答 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in failures[:MAX_FAILURES]:
            top = ", ".join(x["article"] for x in r.get("retrieved", [])[:3])
            cited = ", ".join(dict.fromkeys(c["article"] for c in r.get("citations", [])))
            failed = ", ".join(failed_metrics(r)) + (f" 错误：{r['error']}" if r.get("error") else "")
            answer = ("【拒答】" if r.get("refused") else "") + _short(r.get("answer", ""))
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        r["id"],
                        r["type"],
                        _short(r["question"], 60),
                        failed,
                        ", ".join(r.get("expected_articles", [])),
                        top,
                        cited,
                        answer,
                    )
                )
                + " |"
            )
        if len(failures) > MAX_FAILURES:
            lines.append(f"\n（仅列出前 {MAX_FAILURES} 条；完整结果见 results.jsonl）")
    else:
        lines.append("全部通过。")
    skipped = run.get("skipped") or []
    if skipped:
        lines += ["", f"## 跳过的格式错误行（{len(skipped)}）", ""]
        lines += [f"- {_cell(s)}" for s in skipped]
    lines += ["", "指标定义见 `evals/METRICS.md`。", ""]
    return "\n".join(lines)
