"""``index_dir/manifest.json``: what the current index holds; switching it commits a build."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.models import IndexCorrupted, IndexMissing

MANIFEST_FILE = "manifest.json"
VERSION = 1


@dataclass(frozen=True)
class DocumentEntry:
    content_hash: str
    title: str
    chunk_ids: tuple[str, ...]
    #: digest of the article label of every unit, in order: the parser may label the same text
    #: anew (a repeated 附件 became 「附件（二）」), which needs a new catalog but no new vectors
    labels: str = ""
    #: digest of the parsed document's article labels and spans (index/builder.py
    #: ``articles_digest``): with the content hash, what lets a start-up see the document is
    #: indexed as it parses now without chunking it ("" in manifests written before)
    articles: str = ""
    #: how many of ``chunk_ids`` are chunks (the rest are sentence units)
    chunks: int = 0


@dataclass(frozen=True)
class Manifest:
    embedder: str
    dim: int
    chunk_tokens: int
    generation: str
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    version: int = VERSION
    #: the vector collection this build wrote ("" in manifests written before builds went beside
    #: the live collection: the store's configured name)
    collection: str = ""
    #: the kinds of derived policy terms its keyword side knows (index/text.py TERM_KINDS, joined)
    terms: str = "compounds,headings,measures,quoted"
    #: how its keyword side was written (index/builder.py LEXICAL_VERSION); 1 for older manifests
    lexical: int = 1

    @property
    def chunk_ids(self) -> set[str]:
        return {c for entry in self.documents.values() for c in entry.chunk_ids}

    def write(self, index_dir: Path) -> None:
        """Atomically replace the manifest (write a temp file, then rename)."""
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp = index_dir / f".{MANIFEST_FILE}.tmp"
        data = asdict(self)
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, index_dir / MANIFEST_FILE)


def live_collection(index_dir: Path | None, default: str) -> str:
    """The vector collection the committed index uses; ``default`` when no manifest names one
    (none yet, an older one, or one that cannot be read — the reader reports that itself)."""
    if index_dir is None:
        return default
    try:
        return read_manifest(index_dir).collection or default
    except (IndexMissing, IndexCorrupted):
        return default


def read_manifest(index_dir: Path) -> Manifest:
    """The current manifest; :class:`IndexMissing` if none, :class:`IndexCorrupted` if unreadable."""
    path = index_dir / MANIFEST_FILE
    if not path.exists():
        raise IndexMissing(str(index_dir))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"unknown manifest version {data.get('version')!r}")
        documents = {
            doc_id: DocumentEntry(
                e["content_hash"],
                e["title"],
                tuple(e["chunk_ids"]),
                str(e.get("labels", "")),
                str(e.get("articles", "")),
                int(e.get("chunks", 0)),
            )
            for doc_id, e in data["documents"].items()
        }
        return Manifest(
            embedder=str(data["embedder"]),
            dim=int(data["dim"]),
            chunk_tokens=int(data["chunk_tokens"]),
            generation=str(data["generation"]),
            documents=documents,
            collection=str(data.get("collection", "")),
            terms=str(data.get("terms", Manifest.terms)),
            lexical=int(data.get("lexical", 1)),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IndexCorrupted(str(path), f"清单文件无法读取（{exc}）") from exc
