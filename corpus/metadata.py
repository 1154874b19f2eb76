"""Document metadata from a ``<name>.meta.toml`` sidecar next to the document file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from datetime import date
from pathlib import Path

from corpus.models import CorpusError, DocumentMeta

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")
_KEYS = {f.name for f in fields(DocumentMeta)} - {"doc_id"} | {"id"}
_NOT_STRINGS = {"id", "issued", "valid_from", "valid_to"}


def sidecar_path(document: Path) -> Path:
    return document.with_name(document.stem + ".meta.toml")


def load_meta(document: Path, text: str) -> DocumentMeta:
    """Metadata from the sidecar if there is one, otherwise derived from the file name and text."""
    sidecar = sidecar_path(document)
    if not sidecar.exists():
        return DocumentMeta(doc_id=_derive_id(document), title=_derive_title(text, document))
    try:
        raw = tomllib.loads(sidecar.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(str(sidecar), f'malformed metadata ({exc}); expected TOML like: id = "…"') from exc
    unknown = set(raw) - _KEYS
    if unknown:
        raise CorpusError(
            str(sidecar), f"unknown metadata keys {sorted(unknown)}; expected some of {sorted(_KEYS)}"
        )
    wrong = sorted(k for k in _KEYS - _NOT_STRINGS if k in raw and not isinstance(raw[k], str))
    if wrong:
        key = wrong[0]
        raise CorpusError(str(sidecar), f'{key} = {raw[key]!r}; expected a quoted string like {key} = "…"')
    if "id" in raw and not isinstance(raw["id"], str):
        raise CorpusError(
            str(sidecar), f'id = {raw["id"]!r}; expected a quoted string like id = "my-policy-2024"'
        )
    doc_id = str(raw.get("id") or _derive_id(document))
    if not _ID.match(doc_id):
        raise CorpusError(
            str(sidecar), f"id {doc_id!r} is not usable; expected letters, digits, '-', '_' or '.'"
        )
    issued = raw.get("issued")
    if issued is not None and not isinstance(issued, date):
        try:
            issued = date.fromisoformat(str(issued))
        except ValueError as exc:
            raise CorpusError(str(sidecar), f"issued = {issued!r}; expected a date like 2024-11-12") from exc
    for key in ("valid_from", "valid_to"):
        value = raw.get(key)
        if value is not None and not (
            isinstance(value, int) and not isinstance(value, bool) and 1949 <= value <= 2100
        ):
            raise CorpusError(str(sidecar), f"{key} = {value!r}; expected a year like 2024")
    strings = {k: v for k, v in raw.items() if k not in _NOT_STRINGS}
    if "title" not in strings:
        strings["title"] = _derive_title(text, document)
    return DocumentMeta(
        doc_id=doc_id,
        issued=issued,
        valid_from=raw.get("valid_from"),
        valid_to=raw.get("valid_to"),
        **strings,
    )


def _derive_id(document: Path) -> str:
    stem = document.stem
    if _ID.match(stem):
        return stem
    import hashlib

    return "doc-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]


def _derive_title(text: str, document: Path) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    m = re.search(r"《(.+)》", first)
    if m:
        return m.group(1)
    return first[:80] or document.stem
