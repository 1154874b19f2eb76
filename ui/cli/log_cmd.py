"""``policy-assistant log …``: export the conversation log (masked) for review and evaluation."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import typer

from ui.cli.common import err_console, fail, load_settings

app = typer.Typer(help="对话日志：导出（已脱敏）。", no_args_is_help=True)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        fail(f"--since 的日期格式应为 YYYY-MM-DD，例如 2025-01-31；收到 {value!r}")


@app.command("export")
def export(
    since: str | None = typer.Option(
        None, "--since", help="只导出此日期（含，UTC）之后的记录，格式 YYYY-MM-DD"
    ),
    format: str = typer.Option("jsonl", "--format", "-f", help="csv 或 jsonl"),
    out: Path | None = typer.Option(None, "--out", "-o", help="输出文件；缺省输出到标准输出"),
) -> None:
    """导出对话日志为 CSV 或 JSON Lines。"""
    # SQLAlchemy and alembic take a second or more to import: only this command needs them
    from assistant.log import ConversationLog, LogUnavailable

    if format not in ("csv", "jsonl"):
        fail(f"--format 只能是 csv 或 jsonl；收到 {format!r}")
    fmt: Literal["csv", "jsonl"] = "csv" if format == "csv" else "jsonl"
    day = _parse_day(since)
    settings = load_settings()
    conversation_log = ConversationLog(settings.resolved_log_url, spool_dir=settings.data_dir / "log-spool")
    try:
        conversation_log.flush()  # turns kept on disk while the database was down go in first
        if out is None:
            count = conversation_log.export(sys.stdout, since=day, format=fmt)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = conversation_log.export(handle, since=day, format=fmt)
    except LogUnavailable as error:
        fail(f"{error}。请检查 POLICY_LOG_URL 或 POLICY_DATA_DIR。")
    finally:
        conversation_log.close()
    where = str(out) if out else "标准输出"
    err_console.print(f"已导出 {count} 条对话记录到 {where}（{conversation_log.url}）", highlight=False)
