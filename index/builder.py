"""Incremental, atomic indexing of a corpus into Chroma (dense) and BM25 (lexical).

Layout under ``index_dir``::

    manifest.json          which documents (content hash → chunk ids) the index holds; the commit point
    chroma/                embedded Chroma (unless a Chroma server is used)
    bm25/<generation>/     BM25 model, its tokenizer terms and the chunk catalog of one build

A build embeds only chunks of new or changed documents (chunk store ids carry a content version,
so new vectors are added next to the old ones), writes a new BM25 generation, then switches the
manifest, and only then deletes stale vectors and old generations. If anything fails before the
switch, the previous manifest, BM25 generation and vectors keep serving searches.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.chunker import chunk_document
from corpus.models import Chunk, Document
from index.catalog import CHUNK, Catalog, ChunkRecord
from index.lexical import LexicalIndex
from index.manifest import DocumentEntry, Manifest, read_manifest
from index.models import Embedder, IndexCorrupted, IndexMissing
from index.text import PolicyTokenizer
from index.units import sentence_units
from index.vector_store import ChromaStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with the number of texts (chunks, sentences) embedded so far."""

BM25_DIR = "bm25"


@dataclass(frozen=True)
class BuildReport:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    chunks_total: int = 0
    chunks_embedded: int = 0
    #: dense-only sentence and title units embedded (index/units.py)
    sentences_embedded: int = 0
    #: vectors (chunks and sentence units) of changed or removed documents deleted
    vectors_removed: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    notes: tuple[str, ...] = field(default=())


def content_version(content_hash: str, chunk_tokens: int) -> str:
    """A short version of a document's content and chunking, appended to its store ids."""
    return hashlib.sha1(f"{content_hash}:{chunk_tokens}".encode()).hexdigest()[:12]


def store_id(chunk: Chunk, content_hash: str, chunk_tokens: int) -> str:
    """Chunk id plus a version of its document's content, so a changed document gets new ids."""
    return f"{chunk.chunk_id}@{content_version(content_hash, chunk_tokens)}"


class IndexBuilder:
    def __init__(
        self,
        embedder: Embedder,
        store: ChromaStore,
        index_dir: Path,
        chunk_tokens: int = 480,
        batch_size: int = 64,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"expected batch_size >= 1; got {batch_size}")
        self.embedder = embedder
        self.store = store
        self.index_dir = index_dir
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size

    def build(
        self, documents: Sequence[Document], progress: Progress | None = None, rebuild: bool = False
    ) -> BuildReport:
        started = time.perf_counter()
        notes: list[str] = []
        old = None if rebuild else self._previous_manifest(notes)
        if rebuild:
            self.store.drop()
        created = self.store.open(self.embedder.name, self.embedder.dim, rebuild_on_mismatch=True)
        if old is not None and (old.embedder != self.embedder.name or old.chunk_tokens != self.chunk_tokens):
            notes.append(f"向量模型或分块设置已变化（{old.embedder} → {self.embedder.name}），全部重新向量化")
            old = None
        stored = set() if created else self.store.ids()
        if old is not None and created:
            notes.append("向量库为空，全部重新向量化")

        previous = old.documents if old is not None else {}
        entries: dict[str, DocumentEntry] = {}
        records: list[ChunkRecord] = []
        texts: list[str] = []
        units: list[ChunkRecord] = []
        to_embed: list[tuple[ChunkRecord, str]] = []
        added, changed, unchanged = [], [], []
        for document in documents:
            chunks = chunk_document(document, self.chunk_tokens)
            chunk_ids = tuple(store_id(c, document.content_hash, self.chunk_tokens) for c in chunks)
            sentences = sentence_units(document, content_version(document.content_hash, self.chunk_tokens))
            ids = chunk_ids + tuple(r.id for r, _ in sentences)
            entries[document.doc_id] = DocumentEntry(document.content_hash, document.title, ids)
            before = previous.get(document.doc_id)
            same = before is not None and before.chunk_ids == ids and set(ids) <= stored
            for chunk, cid in zip(chunks, chunk_ids, strict=True):
                record = ChunkRecord.from_chunk(chunk, cid)
                records.append(record)
                texts.append(chunk.indexed_text)
                if not same:
                    to_embed.append((record, chunk.indexed_text))
            for record, text in sentences:
                units.append(record)
                if not same:
                    to_embed.append((record, text))
            if same:
                unchanged.append(document.doc_id)
            elif before is None:
                added.append(document.doc_id)
            else:
                changed.append(document.doc_id)
        removed = sorted(set(previous) - set(entries))
        new_ids = {r.id for r in [*records, *units]}
        stale = sorted((stored | (old.chunk_ids if old else set())) - new_ids)

        if old is not None and not to_embed and not removed and not stale and self._generation_ok(old):
            log.info("index up to date", extra={"documents": len(unchanged)})
            return BuildReport(
                unchanged=tuple(unchanged),
                chunks_total=len(records),
                seconds=time.perf_counter() - started,
                notes=tuple(notes),
            )

        self._embed_and_add(to_embed, progress)
        generation = self._write_lexical(records, texts, documents, units)
        Manifest(
            embedder=self.embedder.name,
            dim=self.embedder.dim,
            chunk_tokens=self.chunk_tokens,
            generation=generation,
            documents=entries,
        ).write(self.index_dir)
        # committed: now clean up what the previous index used
        if stale:
            self.store.delete(stale)
        self._remove_old_generations(keep=generation)
        report = BuildReport(
            added=tuple(added),
            changed=tuple(changed),
            unchanged=tuple(unchanged),
            removed=tuple(removed),
            chunks_total=len(records),
            chunks_embedded=sum(r.kind == CHUNK for r, _ in to_embed),
            sentences_embedded=sum(r.kind != CHUNK for r, _ in to_embed),
            vectors_removed=len(stale),
            seconds=time.perf_counter() - started,
            rebuilt=rebuild or created,
            notes=tuple(notes),
        )
        log.info("index built", extra={"embedded": report.chunks_embedded, "total": report.chunks_total})
        return report

    def _previous_manifest(self, notes: list[str]) -> Manifest | None:
        try:
            return read_manifest(self.index_dir)
        except IndexMissing:
            return None
        except IndexCorrupted:
            raise

    def _generation_ok(self, manifest: Manifest) -> bool:
        return (self.index_dir / BM25_DIR / manifest.generation).is_dir()

    def _embed_and_add(self, items: list[tuple[ChunkRecord, str]], progress: Progress | None) -> None:
        total = len(items)
        if progress:
            progress(0, total)
        for i in range(0, total, self.batch_size):
            batch = items[i : i + self.batch_size]
            vectors = self.embedder.embed_documents([text for _, text in batch])
            if len(vectors) != len(batch):
                raise RuntimeError(f"embedder returned {len(vectors)} vectors for {len(batch)} texts")
            self.store.add(
                [r.id for r, _ in batch],
                vectors,
                [r.text for r, _ in batch],
                [{"doc_id": r.doc_id, "article": r.article, "kind": r.kind} for r, _ in batch],
            )
            if progress:
                progress(min(i + self.batch_size, total), total)

    def _write_lexical(
        self,
        records: list[ChunkRecord],
        texts: list[str],
        documents: Sequence[Document],
        units: list[ChunkRecord],
    ) -> str:
        generation = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        root = self.index_dir / BM25_DIR
        tmp = root / f".{generation}.tmp"
        build_lexical(records, texts, documents).save(tmp)
        Catalog([*records, *units]).save(tmp)
        tmp.rename(root / generation)
        return generation

    def _remove_old_generations(self, keep: str) -> None:
        root = self.index_dir / BM25_DIR
        for path in root.iterdir():
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)


def chunk_records(documents: Sequence[Document], chunk_tokens: int) -> tuple[list[ChunkRecord], list[str]]:
    """Every chunk of ``documents`` as stored (same ids as a build) and its indexed text."""
    records: list[ChunkRecord] = []
    texts: list[str] = []
    for document in documents:
        for chunk in chunk_document(document, chunk_tokens):
            records.append(
                ChunkRecord.from_chunk(chunk, store_id(chunk, document.content_hash, chunk_tokens))
            )
            texts.append(chunk.indexed_text)
    return records, texts


def unit_records(documents: Sequence[Document], chunk_tokens: int) -> list[ChunkRecord]:
    """Every dense-only sentence/title unit of ``documents`` as stored (same ids as a build)."""
    return [
        record
        for document in documents
        for record, _ in sentence_units(document, content_version(document.content_hash, chunk_tokens))
    ]


def build_lexical(
    records: Sequence[ChunkRecord], texts: Sequence[str], documents: Sequence[Document]
) -> LexicalIndex:
    """BM25 over ``texts`` with a tokenizer that knows the policy terms of ``documents``."""
    tokenizer = PolicyTokenizer.from_corpus(
        (d.text for d in documents), (a.heading for d in documents for a in d.articles)
    )
    return LexicalIndex.build([r.id for r in records], [r.doc_id for r in records], texts, tokenizer)
