"""``policy-assistant ask`` and ``policy-assistant chat``: answers in the terminal."""

from __future__ import annotations

import json

import typer
from rich.panel import Panel

from assistant.models import Answer
from assistant.pipeline import Pipeline
from assistant.question import QuestionError
from index.models import IndexError_
from ui.cli.common import console, err_console, fail, load_settings


def _pipeline(mode: str | None) -> Pipeline:
    from assistant.factory import make_pipeline

    try:
        return make_pipeline(load_settings(), mode=mode)
    except IndexError_ as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))


def _print(answer: Answer) -> None:
    mode = "离线摘录" if answer.mode == "extractive" else "大模型"
    style = "yellow" if answer.refused else "green"
    console.print(
        Panel(answer.text, title=f"回答（{mode}）", border_style=style), markup=False, highlight=False
    )
    if answer.notice:
        console.print(f"[dim]{answer.notice}[/]", highlight=False)
    for c in answer.citations:
        console.print(f"[cyan]引用[/] {c.marker}：「{c.quote}」", highlight=False)
    console.print(f"[dim]{answer.latency_ms:.0f} ms[/]")


def ask(
    question: str = typer.Argument(..., help="要咨询的问题"),
    as_json: bool = typer.Option(
        False, "--json", help="输出 JSON（answer、refused、mode、citations、latency_ms）"
    ),
    mode: str | None = typer.Option(None, "--mode", help="extractive 或 llm（默认按配置）"),
) -> None:
    """回答一个问题，并引用原文条款。"""
    pipeline = _pipeline(mode)
    try:
        answer = pipeline.ask(question)
    except QuestionError as exc:
        if as_json:
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
            raise typer.Exit(2) from exc
        fail(str(exc), code=2)
    finally:
        _close_log(pipeline)
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print(answer)


def chat(mode: str | None = typer.Option(None, "--mode", help="extractive 或 llm（默认按配置）")) -> None:
    """在终端里多轮对话（支持追问，如「那需要什么条件？」）。输入空行或 exit 结束。"""
    pipeline = _pipeline(mode)
    conversation = pipeline.new_conversation()
    titles = "、".join(d.meta.display_title for d in pipeline.documents.values())
    console.print(f"政策咨询助手 · 可咨询：{titles}（空行或 exit 退出）", highlight=False)
    while True:
        try:
            question = console.input("[bold]问：[/]")
        except (EOFError, KeyboardInterrupt):
            break
        except UnicodeDecodeError:
            err_console.print("无法读取这行输入：请使用 UTF-8 编码输入问题。", highlight=False)
            continue
        if question.strip().lower() in {"", "exit", "quit", "退出"}:
            break
        try:
            answer = pipeline.ask(question, conversation)
        except QuestionError as exc:
            err_console.print(str(exc), highlight=False)
            continue
        if answer.rewritten:
            console.print(f"[dim]（理解为：{answer.rewritten}）[/]", highlight=False)
        _print(answer)
    _close_log(pipeline)


def _close_log(pipeline: Pipeline) -> None:
    """Write the turn to the conversation log now (or say where it waits), not at exit."""
    close = getattr(pipeline.recorder, "close", None)
    if callable(close):
        close()
