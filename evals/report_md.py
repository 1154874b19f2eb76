"""The readable ``report.md`` of a run: settings, metrics, per-type table, failed questions."""

from __future__ import annotations

from typing import Any

from evals.metrics import HEADLINE, METRIC_LABELS, REVIEWED, TYPE_LABELS, format_value

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


#: the reviewed-answer figures of a run, with their denominators (what each is a share or count of)
REVIEWED_ROWS = (
    ("reviewed_shown", "n_reviewed_expected", "期望显示审核答复的题中，显示了审核答复的比例"),
    ("reviewed_correct", "n_reviewed_expected", "期望显示审核答复的题中，显示的正是期望那条的比例"),
    ("reviewed_false", "n_reviewed_none", "标注为不应显示（false）却显示了审核答复的题数"),
    ("reviewed_wrong", "n_reviewed_expected", "期望显示审核答复、却显示了别的审核答复的题数"),
    ("reviewed_shown_unlabelled", "n", "未标注 reviewed 的题中显示了审核答复的题数（不计对错）"),
)


def reviewed_label(value: Any) -> str:
    """A ``reviewed_expected`` / ``reviewed_shown`` value as shown in the reports."""
    if value is False:
        return "（不应显示）"
    if value is None:
        return "—"
    return str(value)


def reviewed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results labelled with an expected reviewed answer, or beside which one was shown."""
    return [r for r in rows if r.get("reviewed_expected") is not None or r.get("reviewed_shown") is not None]


def reviewed_markdown(metrics: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The 人工审核答复 section (runs with ``--reviewed`` only)."""
    if not any(m in metrics for m in REVIEWED):
        return []
    run = metrics.get("run", {})
    lines = [
        "",
        "## 人工审核答复",
        "",
        f"审核答复文件：`{_cell(run.get('reviewed_file', ''))}`（{run.get('reviewed_answers', 0)} 条，"
        "载入临时数据库，检索和展示与应用相同）。",
        "",
        "| 指标 | 键 | 值 | 题数 | 含义 |",
        "|---|---|---|---|---|",
    ]
    for key, base, meaning in REVIEWED_ROWS:
        label = METRIC_LABELS.get(key, key)
        value = format_value(key, metrics.get(key))
        lines.append(f"| {label} | `{key}` | {value} | {metrics.get(base, 0)} | {meaning} |")
    listed = reviewed_rows(rows)
    if listed:
        lines += ["", "| id | 问题 | 期望的审核答复 | 显示的审核答复 | 结果 |", "|---|---|---|---|---|"]
        for r in listed:
            ok = r.get("passed", {}).get("reviewed")
            mark = "—" if ok is None else ("✓" if ok else "✗")
            cells = (
                r["id"],
                _short(r["question"], 60),
                reviewed_label(r.get("reviewed_expected")),
                reviewed_label(r.get("reviewed_shown")),
                mark,
            )
            lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return lines


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
    lines += reviewed_markdown(metrics, rows)
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
