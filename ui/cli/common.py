"""Helpers shared by the CLI modules: settings, consoles and clean error exits."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console

from assistant.settings import Settings

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    return Settings()


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(
        f"[bold red]错误[/]：{message}", highlight=False, soft_wrap=True
    )  # a path stays whole, to copy
    sys.exit(code)
