"""Incremental, atomic indexing of a corpus into Chroma (dense) and BM25 (lexical).

Layout under ``index_dir``::

    manifest.json             which documents (content hash → chunk ids) the index holds; the commit point
    chroma/                   embedded Chroma (unless a Chroma server is used)
    bm25/<generation>/        BM25 model, its tokenizer terms and the chunk catalog of one build, and
                              what start-up reads instead of computing (index/stored_tables.py)
    embedding-cache.sqlite3   every passage vector computed so far, by (embedder, text hash)

An unchanged corpus (every document's content hash and article digest as the manifest has
them, and as many vectors in the store as it names) is seen from the manifest alone: nothing is
chunked or compared vector by vector, so ``serve`` starts without that work.

A build writes vectors only for chunks of new or changed documents (chunk store ids carry a
content version, so new vectors are added next to the old ones), writes a new BM25 generation,
then switches the manifest, and only then deletes stale vectors and old generations. If anything
fails before the switch, the previous manifest, BM25 generation and vectors keep serving searches.

A full build (``--rebuild``, another embedder, a missing or foreign collection) never empties
the live collection: it fills a new one beside it (``<collection>-<generation>``), the manifest
switch names the new one, and only then are older collections dropped (the one just replaced is
kept until the next full build, for processes still reading it). A build killed at any moment —
``kill -9`` included — leaves the previous index whole for the CLI and for a new server; the
collections of killed builds are dropped by the next build.

The vectors it writes come from the embedding cache (index/embedding_cache.py) where the same
text was embedded before by the same model — by an earlier build, a ``--rebuild``, or another
index sharing the cache — so the model embeds only text it has never seen.

Every unit's store id is made from its document and its position (article order, piece,
sentence), never from a label: a document may hold two articles with the same label (two 附件).
A document whose ids would still collide is skipped with a note naming it; the rest is indexed.
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
from index.embedding_cache import CACHE_FILE, EmbeddingCache
from index.lexical import LexicalIndex
from index.manifest import DocumentEntry, Manifest, read_manifest
from index.models import Embedder, IndexCorrupted, IndexMissing
from index.stored_tables import ArticleTerms
from index.text import TERM_KINDS, PolicyTokenizer
from index.units import sentence_units
from index.vector_store import ChromaStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with the number of texts (chunks, sentences) embedded so far."""

BM25_DIR = "bm25"
#: how the keyword side is written: 2 = a derived compound's parts are tokens too, readings and
#: term frequencies stored with it; 3 = the tokenizer's dictionary, the catalog and the articles'
#: words stored for start-up (index/stored_tables.py); 4 = the tokenizer's dictionary as memory-mapped
#: tries and the catalog's articles sorted out (index/word_trie.py). An index of another version gets a new
#: keyword side (no new vectors). Bump it too when chunking or sentence units change for the same
#: parsed text: an unchanged corpus is then checked chunk by chunk again (see ``_up_to_date``).
LEXICAL_VERSION = 4
#: items whose cached vectors are looked up (and written to the store) at a time
_CACHE_WINDOW = 1000


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
    #: of the vectors written, those taken from the embedding cache instead of the model
    vectors_cached: int = 0
    #: documents left out because their unit ids collide (named in ``notes``)
    skipped: tuple[str, ...] = ()
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
        cache: EmbeddingCache | None = None,
        term_kinds: frozenset[str] = TERM_KINDS,
    ) -> None:
        """``cache``: where computed vectors are kept and looked up (default: a file in ``index_dir``);
        ``term_kinds``: the kinds of policy terms the keyword side derives (index/text.py)."""
        if batch_size < 1:
            raise ValueError(f"expected batch_size >= 1; got {batch_size}")
        self.embedder = embedder
        self.store = store
        self.index_dir = index_dir
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size
        self.cache = cache or EmbeddingCache(index_dir / CACHE_FILE)
        self.term_kinds = term_kinds

    def build(
        self, documents: Sequence[Document], progress: Progress | None = None, rebuild: bool = False
    ) -> BuildReport:
        started = time.perf_counter()
        notes: list[str] = []
        if self.store.index_dir is None:  # a server store: the manifest that names its collection is here
            self.store.index_dir = self.index_dir
        generation = _generation_name()
        live = self.store.live()  # what the committed index (if any) searches, kept until we commit
        old = None if rebuild else self._previous_manifest(notes)
        if old is not None and (old.embedder != self.embedder.name or old.chunk_tokens != self.chunk_tokens):
            notes.append(f"向量模型或分块设置已变化（{old.embedder} → {self.embedder.name}），全部重新向量化")
            old = None
        fresh = old is None
        if old is not None:
            self.store.use(live)
            if not self.store.matches(self.embedder.name, self.embedder.dim):
                notes.append("向量库中缺少索引集合，全部重新向量化")
                old, fresh = None, True
        if fresh:
            # a new collection beside the live one: the live one serves until the manifest switches
            self.store.use(f"{self.store.base_name}-{generation}")
            self.store.open(self.embedder.name, self.embedder.dim, rebuild_on_mismatch=True)
            stored: set[str] = set()
        else:
            self.store.open(self.embedder.name, self.embedder.dim, rebuild_on_mismatch=False)
            if old is not None and self._up_to_date(old, documents):  # nothing to chunk or compare
                log.info("index up to date", extra={"documents": len(documents)})
                return BuildReport(
                    unchanged=tuple(d.doc_id for d in documents),
                    chunks_total=sum(e.chunks for e in old.documents.values()),
                    seconds=time.perf_counter() - started,
                    notes=tuple(notes),
                )
            stored = self.store.ids()
            if not stored and old is not None and old.chunk_ids:
                notes.append("向量库为空，全部重新向量化")

        previous = old.documents if old is not None else {}
        entries: dict[str, DocumentEntry] = {}
        records: list[ChunkRecord] = []
        texts: list[str] = []
        units: list[ChunkRecord] = []
        to_embed: list[tuple[ChunkRecord, str]] = []
        added, changed, unchanged = [], [], []
        skipped: list[str] = []
        taken: set[str] = set()
        indexed: list[Document] = []
        for document in documents:
            chunks = chunk_document(document, self.chunk_tokens)
            chunk_ids = tuple(store_id(c, document.content_hash, self.chunk_tokens) for c in chunks)
            sentences = sentence_units(document, content_version(document.content_hash, self.chunk_tokens))
            ids = chunk_ids + tuple(r.id for r, _ in sentences)
            clash = _first_clash(ids, taken)
            if clash is not None:
                skipped.append(document.doc_id)
                notes.append(
                    f"跳过 {document.path}（{document.doc_id}）：索引单元编号重复（{clash}），无法建立索引"
                )
                log.warning(
                    "document skipped: duplicate unit ids", extra={"doc_id": document.doc_id, "id": clash}
                )
                continue
            taken.update(ids)
            indexed.append(document)
            labels = _labels_digest([c.article for c in chunks] + [r.article for r, _ in sentences])
            entries[document.doc_id] = DocumentEntry(
                document.content_hash, document.title, ids, labels, articles_digest(document), len(chunk_ids)
            )
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
        stale = [] if fresh else sorted((stored | (old.chunk_ids if old else set())) - new_ids)

        relabelled = any(
            previous[d].labels != e.labels or previous[d].articles != e.articles
            for d, e in entries.items()
            if d in previous
        )
        if (
            old is not None
            and not to_embed
            and not removed
            and not stale
            and not relabelled
            and old.terms == _kinds_name(self.term_kinds)
            and old.lexical == LEXICAL_VERSION
            and self._generation_ok(old)
        ):
            log.info("index up to date", extra={"documents": len(unchanged)})
            return BuildReport(
                unchanged=tuple(unchanged),
                chunks_total=len(records),
                skipped=tuple(skipped),
                seconds=time.perf_counter() - started,
                notes=tuple(notes),
            )

        cached = self._embed_and_add(to_embed, progress)
        if cached:
            notes.append(f"{cached} 个向量取自向量缓存（同一模型算过的相同文本，未重新计算）")
        self._write_lexical(records, texts, indexed, units, generation)
        Manifest(
            embedder=self.embedder.name,
            dim=self.embedder.dim,
            chunk_tokens=self.chunk_tokens,
            generation=generation,
            documents=entries,
            collection=self.store.collection_name,
            terms=_kinds_name(self.term_kinds),
            lexical=LEXICAL_VERSION,
        ).write(self.index_dir)
        # committed: now clean up what the previous index used
        if stale:
            self.store.delete(stale)
        if fresh:
            dropped = self.store.drop_others(keep={self.store.collection_name, live})
            if dropped:
                log.info("old vector collections dropped", extra={"collections": dropped})
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
            vectors_cached=cached,
            skipped=tuple(skipped),
            seconds=time.perf_counter() - started,
            rebuilt=rebuild or fresh,
            notes=tuple(notes),
        )
        log.info("index built", extra={"embedded": report.chunks_embedded, "total": report.chunks_total})
        return report

    def _up_to_date(self, old: Manifest, documents: Sequence[Document]) -> bool:
        """Whether the committed index holds exactly ``documents`` as they parse now, so nothing
        needs chunking: the same documents with the same content hashes and article digests,
        the keyword side of this version with these term kinds, and as many vectors in the store
        as the manifest names (a store missing vectors, or holding stale ones, gets the full check)."""
        entries = old.documents
        if (
            len(entries) != len(documents)
            or old.terms != _kinds_name(self.term_kinds)
            or old.lexical != LEXICAL_VERSION
            or not self._generation_ok(old)
        ):
            return False
        for document in documents:
            entry = entries.get(document.doc_id)
            if (
                entry is None
                or entry.content_hash != document.content_hash
                or not entry.articles
                or entry.articles != articles_digest(document)
            ):
                return False
        return self.store.count() == sum(len(e.chunk_ids) for e in entries.values())

    def _previous_manifest(self, notes: list[str]) -> Manifest | None:
        try:
            return read_manifest(self.index_dir)
        except IndexMissing:
            return None
        except IndexCorrupted:
            raise

    def _generation_ok(self, manifest: Manifest) -> bool:
        return (self.index_dir / BM25_DIR / manifest.generation).is_dir()

    def _embed_and_add(self, items: list[tuple[ChunkRecord, str]], progress: Progress | None) -> int:
        """Write a vector for every item: from the cache where this model embedded the same text
        before, else from the model (in batches; ``progress`` counts those). Returns how many
        came from the cache."""
        name = self.embedder.name
        missing: list[tuple[ChunkRecord, str]] = []
        cached = 0
        for i in range(0, len(items), _CACHE_WINDOW):
            window = items[i : i + _CACHE_WINDOW]
            found = self.cache.get_many(name, [text for _, text in window])
            hits = [(item, vector) for item, vector in zip(window, found, strict=True) if vector is not None]
            missing += [item for item, vector in zip(window, found, strict=True) if vector is None]
            if hits:
                self._add([item for item, _ in hits], [vector.tolist() for _, vector in hits])
                cached += len(hits)
        total = len(missing)
        if progress:
            progress(0, total)
        for i in range(0, total, self.batch_size):
            batch = missing[i : i + self.batch_size]
            texts = [text for _, text in batch]
            vectors = self.embedder.embed_documents(texts)
            if len(vectors) != len(batch):
                raise RuntimeError(f"embedder returned {len(vectors)} vectors for {len(batch)} texts")
            self.cache.put_many(name, texts, vectors)
            self._add(batch, vectors)
            if progress:
                progress(min(i + self.batch_size, total), total)
        return cached

    def _add(self, batch: Sequence[tuple[ChunkRecord, str]], vectors: Sequence[Sequence[float]]) -> None:
        self.store.add(
            [r.id for r, _ in batch],
            vectors,
            [r.text for r, _ in batch],
            [{"doc_id": r.doc_id, "article": r.article, "kind": r.kind} for r, _ in batch],
        )

    def _write_lexical(
        self,
        records: list[ChunkRecord],
        texts: list[str],
        documents: Sequence[Document],
        units: list[ChunkRecord],
        generation: str,
    ) -> str:
        root = self.index_dir / BM25_DIR
        tmp = root / f".{generation}.tmp"
        lexical = build_lexical(records, texts, documents, self.term_kinds)
        lexical.save(tmp)
        Catalog([*records, *units]).save(tmp)
        ArticleTerms.count(documents, lexical.tokenizer).save(tmp)
        tmp.rename(root / generation)
        return generation

    def _remove_old_generations(self, keep: str) -> None:
        root = self.index_dir / BM25_DIR
        for path in root.iterdir():
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)


def _generation_name() -> str:
    """A build's name: its BM25 folder, and the suffix of the collection a full build writes."""
    return f"{time.strftime('%Y%m%dT%H%M%S').lower()}-{uuid.uuid4().hex[:8]}"


def _kinds_name(kinds: frozenset[str]) -> str:
    return ",".join(sorted(kinds)) or "none"


def articles_digest(document: Document) -> str:
    """A digest of how ``document`` parses: every article's label, order and span, and its sentences."""
    digest = hashlib.sha1()
    for a in document.articles:
        sentences = ",".join(f"{s.start}-{s.end}" for s in a.sentences)
        digest.update(f"{a.order}|{a.label}|{a.span.start}-{a.span.end}|{sentences}\n".encode())
    return digest.hexdigest()[:12]


def _labels_digest(labels: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(labels).encode()).hexdigest()[:12]


def _first_clash(ids: Sequence[str], taken: set[str]) -> str | None:
    """The first id of ``ids`` that repeats inside them or is in ``taken``; None when all are new."""
    seen: set[str] = set()
    for unit_id in ids:
        if unit_id in seen or unit_id in taken:
            return unit_id
        seen.add(unit_id)
    return None


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
    records: Sequence[ChunkRecord],
    texts: Sequence[str],
    documents: Sequence[Document],
    term_kinds: frozenset[str] = TERM_KINDS,
) -> LexicalIndex:
    """BM25 over ``texts`` with a tokenizer that knows the policy terms of ``documents``."""
    tokenizer = PolicyTokenizer.from_corpus(
        (d.text for d in documents), (a.heading for d in documents for a in d.articles), kinds=term_kinds
    )
    return LexicalIndex.build([r.id for r in records], [r.doc_id for r in records], texts, tokenizer)
