"""Staff passwords, hashed with argon2id (``argon2-cffi``'s maintained defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

_hasher = PasswordHasher()
#: compared against when a name is unknown, so a refusal takes as long either way
_DUMMY = _hasher.hash("not-a-password-of-anyone")


def check_strength(password: str) -> None:
    """Raises ValueError (Chinese) for a password too weak to accept."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"密码至少需要 {MIN_LENGTH} 个字符。")
    if len(set(password)) < 4:
        raise ValueError("密码过于简单：请混合使用不同的字母、数字或符号。")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (None: an unknown user, still costs a hash)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
