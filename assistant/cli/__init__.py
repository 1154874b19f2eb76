"""The ``policy-assistant`` command. Each group of commands lives in its own module."""

from __future__ import annotations

import logging

import typer

from assistant.cli import corpus_cmd

app = typer.Typer(
    name="policy-assistant",
    help="政策咨询助手：回答政策文件问题并引用原文条款。",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(corpus_cmd.app, name="corpus")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="详细日志")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
