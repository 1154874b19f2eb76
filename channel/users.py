"""Managing staff accounts (the admin's work, from the staff API and the 管理 page alike): add a
user, reset a password, disable or enable — each checked, audited (names, never passwords) and
refused with a Chinese message the caller can show."""

from __future__ import annotations

from channel.passwords import check_strength, hash_password
from channel.schema import ROLES
from channel.service import ChannelError
from channel.store import ChannelStore, StaffUser, UserExists


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() or ch in ":," or ord(ch) < 32 for ch in name):
        raise ChannelError(422, "用户名不能为空、不能含空白、冒号或逗号，最长 100 个字符。")
    return name


def _checked_hash(password: str) -> str:
    try:
        check_strength(password)
    except ValueError as exc:
        raise ChannelError(422, str(exc)) from exc
    return hash_password(password)


class StaffUsers:
    def __init__(self, store: ChannelStore) -> None:
        self.store = store

    def list(self) -> list[StaffUser]:
        return self.store.users()

    def add(self, actor: str, name: str, password: str, role: str) -> str:
        name = check_name(name)
        if role not in ROLES:
            raise ChannelError(422, f"角色应为 {'、'.join(ROLES)} 之一。")
        try:
            self.store.add_user(name, _checked_hash(password), role)
        except UserExists as exc:
            raise ChannelError(409, f"用户 {name} 已存在。") from exc
        self.store.audit(actor, "user.add", f"user:{name}", {"role": role})
        return name

    def reset_password(self, actor: str, name: str, password: str) -> None:
        """A new password; the user's sessions end."""
        name = name.strip()
        hashed = _checked_hash(password)
        if not self.store.update_user(name, password_hash=hashed):
            raise ChannelError(404, f"没有用户 {name[:100]}。")
        self.store.audit(actor, "user.password", f"user:{name}")

    def set_disabled(self, actor: str, name: str, disabled: bool) -> None:
        """Disable (its sessions end at once) or enable a user; nobody disables their own account."""
        name = name.strip()
        if disabled and name == actor:
            raise ChannelError(409, "不能停用自己正在使用的账号。")
        if not self.store.update_user(name, disabled=disabled):
            raise ChannelError(404, f"没有用户 {name[:100]}。")
        self.store.audit(actor, "user.disable" if disabled else "user.enable", f"user:{name}")
