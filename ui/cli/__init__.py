"""The ``policy-assistant`` command. Each group of commands lives in its own module."""

from __future__ import annotations

import logging

import typer

from channel.cli import app as users_app
from ui.cli import ask_cmd, corpus_cmd, eval_cmd, index_cmd, log_cmd, serve_cmd

app = typer.Typer(
    name="policy-assistant",
    help="政策咨询助手：回答政策文件问题并引用原文条款。",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(corpus_cmd.app, name="corpus")
app.command("ask")(ask_cmd.ask)
app.command("chat")(ask_cmd.chat)
app.add_typer(eval_cmd.app, name="eval")
app.command("index")(index_cmd.index)
app.command("search")(index_cmd.search)
app.command("serve")(serve_cmd.serve)
app.add_typer(log_cmd.app, name="log")
app.add_typer(users_app, name="users")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="详细日志")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # bm25s sets its own logger to DEBUG; its progress lines are noise on the console
    logging.getLogger("bm25s").setLevel(logging.INFO if verbose else logging.WARNING)
