"""``policy-assistant users``: staff accounts (there is no default password: the first admin is
made with ``users add NAME --role admin``)."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from assistant.settings import Settings

if TYPE_CHECKING:
    from channel.store import ChannelStore

# the store, its schema (SQLAlchemy) and argon2 are imported by the commands that use them: every
# other ``policy-assistant`` command (a cold ``search``) would otherwise wait a second or more for them

app = typer.Typer(
    help="工作人员账号：添加、停用、启用、列出（角色 operator 坐席 / reviewer 审核员 / admin 管理员）。",
    no_args_is_help=True,
)


def _store() -> ChannelStore:
    from channel.store import ChannelStore

    return ChannelStore(Settings().resolved_log_url)


def _who() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in this environment
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


@app.command("add")
def add(
    name: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(
        "operator", "--role", help="operator（坐席）、reviewer（审核员）或 admin（管理员）"
    ),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行）"),
) -> None:
    """添加工作人员账号（密码以 argon2 哈希保存）。"""
    from channel.passwords import check_strength, hash_password
    from channel.schema import ROLES
    from channel.service import ChannelError
    from channel.store import StoreUnavailable, UserExists
    from channel.users import check_name

    if role not in ROLES:
        raise typer.BadParameter(f"角色应为 {'、'.join(ROLES)} 之一；收到 {role!r}。", param_hint="--role")
    try:
        name = check_name(name)
    except ChannelError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from exc
    password = _password(password_stdin)
    try:
        check_strength(password)
    except ValueError as exc:
        typer.echo(f"未添加：{exc}", err=True)
        raise typer.Exit(2) from exc
    store = _store()
    try:
        store.add_user(name, hash_password(password), role)
        store.audit(_who(), "user.add", f"user:{name}", {"role": role})
    except UserExists as exc:
        typer.echo(f"未添加：用户 {name} 已存在。", err=True)
        raise typer.Exit(1) from exc
    except StoreUnavailable as exc:
        typer.echo(f"未添加：{exc}（数据库 {store.url}）", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"已添加用户 {name}（{role}）。")


def _set_disabled(name: str, disabled: bool) -> None:
    from channel.store import StoreUnavailable

    store = _store()
    try:
        found = store.update_user(name.strip(), disabled=disabled)
        if found:
            store.audit(_who(), "user.disable" if disabled else "user.enable", f"user:{name.strip()}")
    except StoreUnavailable as exc:
        typer.echo(f"{exc}（数据库 {store.url}）", err=True)
        raise typer.Exit(1) from exc
    if not found:
        typer.echo(f"没有用户 {name}。", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"已{'停用' if disabled else '启用'}用户 {name}" + ("，其登录会话已结束。" if disabled else "。")
    )


@app.command("disable")
def disable(name: str = typer.Argument(..., help="用户名")) -> None:
    """停用账号（立即结束其所有登录会话）。"""
    _set_disabled(name, True)


@app.command("enable")
def enable(name: str = typer.Argument(..., help="用户名")) -> None:
    """重新启用账号。"""
    _set_disabled(name, False)


@app.command("list")
def list_users() -> None:
    """列出工作人员账号。"""
    table = Table("用户名", "角色", "状态", "创建时间")
    for user in _store().users():
        table.add_row(
            user.name,
            user.role,
            "已停用" if user.disabled else "正常",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    Console().print(table)
