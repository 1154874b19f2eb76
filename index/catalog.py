"""What the index knows about each chunk, and how chunk matches become article-level hits."""

from __future__ import annotations

import json
import logging
import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, cast

from corpus.models import Chunk, Document
from index import stored_tables
from index.manifest import Manifest
from index.models import Hit
from index.word_trie import WordTrie, map_array, write_array

log = logging.getLogger(__name__)

CATALOG_FILE = "chunks.jsonl"
CATALOG_COLUMNS_FILE = "catalog.marshal"
CHUNK = "chunk"
#: a dense-only unit (a sentence or a document's title; see index/units.py)
SENTENCE = "sentence"


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk (or a dense-only sentence unit) as stored; ``id`` is the store id (+ content version)."""

    id: str
    doc_id: str
    doc_title: str
    article: str
    heading: str
    part: str
    start: int
    end: int
    text: str
    order: int
    kind: str = CHUNK

    @classmethod
    def from_chunk(cls, chunk: Chunk, store_id: str) -> ChunkRecord:
        return cls(
            id=store_id,
            doc_id=chunk.doc_id,
            doc_title=chunk.doc_title,
            article=chunk.article,
            heading=chunk.heading,
            part=chunk.part,
            start=chunk.start,
            end=chunk.end,
            text=chunk.text,
            order=chunk.order,
        )


_FIELDS = tuple(f.name for f in fields(ChunkRecord))


class Catalog:
    """Chunk records of one index generation, plus the documents for full article text."""

    def __init__(
        self,
        records: Iterable[ChunkRecord] | ColumnRecords | MappedRecords,
        documents: Sequence[Document] | Mapping[str, Document] = (),
    ) -> None:
        """``documents``: the documents whose text hits are cut from (a mapping by doc_id may
        parse them lazily, corpus/loader.py ``scan_corpus``); an article of a document not among
        them is given its chunks' text."""
        self.records: Mapping[str, ChunkRecord]
        self._articles: Mapping[tuple[str, str], list[ChunkRecord]]
        self._with_units: AbstractSet[tuple[str, str]] = set()
        if isinstance(records, ColumnRecords | MappedRecords):
            self.records = records
            self._articles, self._with_units = records.articles()
        else:
            self.records = {r.id: r for r in records}
            articles: dict[tuple[str, str], list[ChunkRecord]] = {}
            for record in sorted(self.records.values(), key=lambda r: (r.doc_id, r.order, r.start)):
                if record.kind != CHUNK:
                    self._with_units.add((record.doc_id, record.article))
                    continue
                articles.setdefault((record.doc_id, record.article), []).append(record)
            self._articles = articles
        self._documents: Mapping[str, Document] = (
            documents if isinstance(documents, Mapping) else {d.doc_id: d for d in documents}
        )

    def sentence_ids(self) -> Mapping[tuple[str, int, int], str]:
        """(doc_id, start, end) → id of every dense-only sentence unit with text."""
        if isinstance(self.records, ColumnRecords | MappedRecords):
            return self.records.sentence_ids()
        return {
            (r.doc_id, r.start, r.end): r.id
            for r in self.records.values()
            if r.kind == SENTENCE and r.end > r.start
        }

    def __len__(self) -> int:
        return len(self.records)

    def has_article(self, key: tuple[str, str]) -> bool:
        """Whether the article (doc_id, label) has chunks in this index."""
        return key in self._articles

    def has_units(self, key: tuple[str, str]) -> bool:
        """Whether the article (doc_id, label) has dense-only sentence units."""
        return key in self._with_units

    def kind(self, record_id: str) -> str | None:
        record = self.records.get(record_id)
        return record.kind if record else None

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self.records

    def save(self, folder: Path) -> None:
        """JSON lines (read by processes of earlier versions) and the same records as columns
        (``catalog.marshal``, what :meth:`load` reads: a fraction of the time at 200,000 records)."""
        with (folder / CATALOG_FILE).open("w", encoding="utf-8") as f:
            for record in self.records.values():
                f.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        records = list(self.records.values())
        columns = {name: [getattr(r, name) for r in records] for name in _FIELDS}
        # a sentence unit's text is the vector's; searching needs only its place (half the file)
        columns["text"] = [r.text if r.kind == CHUNK else "" for r in records]
        MappedRecords.write(folder, columns)

    @classmethod
    def load(cls, folder: Path, documents: Sequence[Document] | Mapping[str, Document] = ()) -> Catalog:
        """The catalog as :meth:`save` stored it (memory-mapped), else as an index of an earlier
        version did (the columns in ``catalog.marshal``, else JSON lines)."""
        mapped = MappedRecords.open(folder)
        if mapped is not None:
            return cls(mapped, documents)
        columns = stored_tables.read(folder / CATALOG_COLUMNS_FILE, "catalog", format=1)
        if columns is not None and set(columns) == set(_FIELDS):
            return cls(ColumnRecords(columns), documents)
        with (folder / CATALOG_FILE).open(encoding="utf-8") as f:
            records = [ChunkRecord(**json.loads(line)) for line in f if line.strip()]
        return cls(records, documents)

    def to_hits(self, ranked: Sequence[tuple[str, float]], retriever: str) -> list[Hit]:
        """Chunk matches (best first) → article hits (best first), a split article's chunks merged."""
        order: list[tuple[str, str]] = []
        best: dict[tuple[str, str], float] = {}
        matched: dict[tuple[str, str], list[str]] = {}
        for chunk_id, score in ranked:
            record = self.records.get(chunk_id)
            if record is None:  # written by a newer, unfinished build; not ours yet
                continue
            key = (record.doc_id, record.article)
            if key not in best:
                order.append(key)
                best[key] = score
            matched.setdefault(key, []).append(chunk_id)
        return [
            self.hit(key, best[key], {retriever: rank}, {retriever: best[key]}, tuple(matched[key]))
            for rank, key in enumerate(order, start=1)
        ]

    def hit(
        self,
        key: tuple[str, str],
        score: float,
        ranks: dict[str, int],
        scores: dict[str, float],
        chunk_ids: tuple[str, ...],
    ) -> Hit:
        pieces = self._articles[key]
        first = pieces[0]
        start, end = min(p.start for p in pieces), max(p.end for p in pieces)
        document = self._documents.get(first.doc_id)
        if document is not None and end <= len(document.text):
            article = document.article(first.article)
            if article is not None:
                start, end = article.span.start, article.span.end
            text = document.text[start:end]
        else:
            text = "".join(p.text for p in pieces)
        return Hit(
            doc_id=first.doc_id,
            doc_title=first.doc_title,
            article=first.article,
            heading=first.heading,
            part=first.part,
            score=score,
            start=start,
            end=end,
            text=text,
            ranks=ranks,
            scores=scores,
            chunk_ids=chunk_ids,
        )


class CurrentDocuments(Mapping[str, Document]):
    """The documents of ``documents`` whose content is what the index holds (``indexed``: doc_id
    → content hash), without parsing any of them to find out (``hashes``: doc_id → content hash of
    every document of ``documents``)."""

    def __init__(
        self, documents: Mapping[str, Document], hashes: Mapping[str, str], indexed: Mapping[str, str]
    ) -> None:
        self._documents = documents
        self._current = {d for d, h in hashes.items() if indexed.get(d) == h}

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._current:
            raise KeyError(doc_id)
        return self._documents[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._current))

    def __len__(self) -> int:
        return len(self._current)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._current


def indexed_documents(
    documents: Sequence[Document] | Mapping[str, Document], manifest: Manifest
) -> Mapping[str, Document]:
    """The documents of ``documents`` whose content is what ``manifest`` indexed (by doc_id); a
    changed one is left out (its stored chunk text is used) with a warning to re-index. A mapping
    with ``hashes`` (corpus/loader.py ``LazyCorpus``) is checked without parsing its documents."""
    indexed = {doc_id: entry.content_hash for doc_id, entry in manifest.documents.items()}
    hashes: Mapping[str, str] | None = getattr(documents, "hashes", None)
    current: Mapping[str, Document]
    if isinstance(documents, Mapping) and hashes is not None:
        current = CurrentDocuments(documents, hashes, indexed)
        stale = set(hashes) - set(current)
    else:
        listed = list(documents.values()) if isinstance(documents, Mapping) else list(documents)
        current = {d.doc_id: d for d in listed if indexed.get(d.doc_id) == d.content_hash}
        stale = {d.doc_id for d in listed} - set(current)
    if stale:
        log.warning("documents changed since indexing; run `policy-assistant index`", extra={"docs": stale})
    return current


class ColumnRecords(Mapping[str, ChunkRecord]):
    """Catalog records kept as the columns an index of format 1 stored (``catalog.marshal``); a
    record is made when it is looked up (a search looks up a few hundred of 200,000), so opening a
    large index does not make them all. A sentence unit's ``text`` is empty here (it is stored
    with its vector)."""

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self._columns = columns
        self._rows = dict(zip(columns["id"], range(len(columns["id"])), strict=True))
        self._made: dict[int, ChunkRecord] = {}

    def _record(self, row: int) -> ChunkRecord:
        record = self._made.get(row)
        if record is None:
            record = ChunkRecord.__new__(ChunkRecord)
            # as the frozen dataclass's __init__ would set them
            record.__dict__.update({name: self._columns[name][row] for name in _FIELDS})
            self._made[row] = record
        return record

    def __getitem__(self, record_id: str) -> ChunkRecord:
        return self._record(self._rows[record_id])

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns["id"])

    def __len__(self) -> int:
        return len(self._rows)

    def articles(self) -> tuple[Mapping[tuple[str, str], list[ChunkRecord]], set[tuple[str, str]]]:
        """(article → its chunks in order, articles with sentence units), as ``Catalog`` keeps them."""
        rows, with_units = self.sort_articles()
        by_article = _ArticleRows(self._record)
        by_article.rows = rows
        return by_article, with_units

    def sort_articles(self) -> tuple[dict[tuple[str, str], list[int]], set[tuple[str, str]]]:
        """(article → the rows of its chunks in order, articles with sentence units)."""
        doc_ids, labels, kinds = self._columns["doc_id"], self._columns["article"], self._columns["kind"]
        orders, starts = self._columns["order"], self._columns["start"]
        chunks = [row for row, kind in enumerate(kinds) if kind == CHUNK]
        chunks.sort(key=lambda row: (doc_ids[row], orders[row], starts[row]))
        rows: dict[tuple[str, str], list[int]] = {}
        for row in chunks:
            rows.setdefault((doc_ids[row], labels[row]), []).append(row)
        with_units = {(doc_ids[row], labels[row]) for row, kind in enumerate(kinds) if kind != CHUNK}
        return rows, with_units

    def sentence_ids(self) -> dict[tuple[str, int, int], str]:
        c = self._columns
        return {
            (c["doc_id"][row], c["start"][row], c["end"][row]): c["id"][row]
            for row, kind in enumerate(c["kind"])
            if kind == SENTENCE and c["end"][row] > c["start"][row]
        }


class _ArticleRows(Mapping[tuple[str, str], list[ChunkRecord]]):
    """Article → its chunk records in order, kept as rows and made into records when looked up."""

    def __init__(self, record: Callable[[int], ChunkRecord]) -> None:
        self.rows: dict[tuple[str, str], list[int]] = {}
        self._record = record

    def __getitem__(self, key: tuple[str, str]) -> list[ChunkRecord]:
        return [self._record(row) for row in self.rows[key]]

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


_SEPARATOR = "\x1f"  # between doc_id and label in an article's key (in neither)


def _article_key(doc_id: str, label: str) -> str:
    return f"{doc_id}{_SEPARATOR}{label}"


def _span_key(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}{_SEPARATOR}{start}{_SEPARATOR}{end}"


class MappedRecords(Mapping[str, ChunkRecord]):
    """Catalog records in files memory-mapped from the index; opening builds nothing.

    * ``catalog-records.bin`` / ``.offsets``: each record's values (``marshal``), one after another,
      and where each starts — a record is decoded when it is looked up;
    * ``catalog-ids.marisa`` / ``.values``: record id → row (index/word_trie.py);
    * ``catalog-articles.marisa`` / ``.values``: article (doc_id, label) → its number, and
      ``catalog-articles.rows``: per article the rows of its chunks in order and whether it has
      sentence units;
    * ``catalog-sentences.marisa`` / ``.values``: a sentence unit's (doc_id, start, end) → row.

    ``catalog.marshal`` (format 2) says how many records and articles there are and which Python
    wrote the records (marshal's format may change between versions). Reading them all at start,
    as columns, took half a second at 217,812 records. A sentence unit's ``text`` is empty here.
    """

    def __init__(self, folder: Path, meta: dict[str, int]) -> None:
        records = map_array(folder / "catalog-records.offsets")
        ids = WordTrie.open(folder / "catalog-ids")
        articles = WordTrie.open(folder / "catalog-articles")
        sentences = WordTrie.open(folder / "catalog-sentences")
        rows = map_array(folder / "catalog-articles.rows")
        data = cast("memoryview | None", map_array(folder / "catalog-records.bin", item="B"))
        n, m = meta["records"], meta["articles"]
        if (
            records is None
            or ids is None
            or articles is None
            or sentences is None
            or len(sentences) != meta["sentences"]
            or rows is None
            or data is None
            or len(records) != n + 1
            or len(ids) != n
            or len(articles) != m
            or len(rows) < 2 * m + 1
            or len(data) != records[n]
        ):
            raise ValueError(f"catalog files in {folder} missing or of other sizes")
        self._offsets, self._ids, self._data = records, ids, data
        self._article_numbers, self._article_rows, self._articles = articles, rows, m
        self._with_chunks = meta["with_chunks"]
        self._sentences = sentences
        self._made: dict[int, ChunkRecord] = {}

    @classmethod
    def write(cls, folder: Path, columns: dict[str, list[Any]]) -> None:
        """Store the catalog's ``columns`` (one list per field of :class:`ChunkRecord`)."""
        n = len(columns["id"])
        offsets = [0]
        with (folder / "catalog-records.bin").open("wb") as f:
            for values in zip(*(columns[name] for name in _FIELDS), strict=True):
                offsets.append(offsets[-1] + f.write(marshal.dumps(values)))
        write_array(folder / "catalog-records.offsets", offsets)
        WordTrie.build(dict(zip(columns["id"], range(n), strict=True))).save(folder / "catalog-ids")
        chunk_rows, with_units = ColumnRecords(columns).sort_articles()
        keys = sorted(set(chunk_rows) | with_units)
        WordTrie.build({_article_key(*key): j for j, key in enumerate(keys)}).save(
            folder / "catalog-articles"
        )
        # per article j: its chunks are rows[starts[j]:starts[j + 1]] of the flat list after
        starts, flat = [0], list[int]()
        for key in keys:
            flat.extend(chunk_rows.get(key, ()))
            starts.append(len(flat))
        units = [int(key in with_units) for key in keys]
        write_array(folder / "catalog-articles.rows", [*starts, *units, *flat])
        # (doc_id, start, end) → row of a sentence unit with text, as ``Catalog.sentence_ids``
        c = columns
        spans = {
            _span_key(c["doc_id"][row], c["start"][row], c["end"][row]): row
            for row in range(n)
            if c["kind"][row] == SENTENCE and c["end"][row] > c["start"][row]
        }
        WordTrie.build(spans).save(folder / "catalog-sentences")
        meta = {"records": n, "articles": len(keys), "with_chunks": len(chunk_rows), "sentences": len(spans)}
        stored_tables.write(folder / CATALOG_COLUMNS_FILE, "catalog", meta)

    @classmethod
    def open(cls, folder: Path) -> MappedRecords | None:
        """The records :meth:`write` stored; None when they are not there (an index of an earlier
        format) or do not fit."""
        meta = stored_tables.read(folder / CATALOG_COLUMNS_FILE, "catalog")
        if not isinstance(meta, dict):
            return None
        try:
            return cls(folder, meta)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("stored catalog not used", extra={"folder": str(folder), "problem": str(exc)})
            return None

    def _values(self, row: int) -> tuple[Any, ...]:
        values: tuple[Any, ...] = marshal.loads(self._data[self._offsets[row] : self._offsets[row + 1]])
        return values

    def _record(self, row: int) -> ChunkRecord:
        record = self._made.get(row)
        if record is None:
            record = ChunkRecord.__new__(ChunkRecord)
            # as the frozen dataclass's __init__ would set them
            record.__dict__.update(zip(_FIELDS, self._values(row), strict=True))
            self._made[row] = record
        return record

    def __getitem__(self, record_id: str) -> ChunkRecord:
        return self._record(self._ids[record_id])

    def get(self, record_id: str, default: Any = None) -> Any:
        row = self._ids.get(record_id)
        return default if row is None else self._record(row)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._ids

    def __iter__(self) -> Iterator[str]:
        """Ids in the order they were stored (each record decoded, not kept)."""
        at = _FIELDS.index("id")
        return (self._values(row)[at] for row in range(len(self)))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def articles(self) -> tuple[Mapping[tuple[str, str], list[ChunkRecord]], AbstractSet[tuple[str, str]]]:
        return _MappedArticles(self), _MappedUnits(self)

    def _article(self, key: object) -> int | None:
        """The number of article ``key`` ((doc_id, label)), or None."""
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            return None
        number: int | None = self._article_numbers.get(_article_key(*key))
        return number

    def _chunk_rows(self, j: int) -> Sequence[int]:
        rows, m = self._article_rows, self._articles
        return rows[2 * m + 1 + rows[j] : 2 * m + 1 + rows[j + 1]]

    def _has_units(self, j: int) -> bool:
        return bool(self._article_rows[self._articles + 1 + j])

    def _keys(self) -> Iterator[tuple[int, tuple[str, str]]]:
        for key, j in self._article_numbers.items():
            doc_id, _, label = key.partition(_SEPARATOR)
            yield j, (doc_id, label)

    def sentence_ids(self) -> Mapping[tuple[str, int, int], str]:
        return _MappedSentences(self)


class _MappedArticles(Mapping[tuple[str, str], list[ChunkRecord]]):
    """Article → its chunk records in order, from :class:`MappedRecords`."""

    def __init__(self, records: MappedRecords) -> None:
        self._records = records

    def __getitem__(self, key: tuple[str, str]) -> list[ChunkRecord]:
        j = self._records._article(key)
        rows = self._records._chunk_rows(j) if j is not None else ()
        if not rows:
            raise KeyError(key)
        return [self._records._record(row) for row in rows]

    def __contains__(self, key: object) -> bool:
        j = self._records._article(key)
        return j is not None and len(self._records._chunk_rows(j)) > 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return (key for j, key in self._records._keys() if len(self._records._chunk_rows(j)) > 0)

    def __len__(self) -> int:
        return self._records._with_chunks


class _MappedUnits(AbstractSet[tuple[str, str]]):
    """The articles with sentence units, from :class:`MappedRecords`."""

    def __init__(self, records: MappedRecords) -> None:
        self._records = records

    def __contains__(self, key: object) -> bool:
        j = self._records._article(key)
        return j is not None and self._records._has_units(j)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return (key for j, key in self._records._keys() if self._records._has_units(j))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _MappedSentences(Mapping[tuple[str, int, int], str]):
    """(doc_id, start, end) → id of a sentence unit, from :class:`MappedRecords`."""

    def __init__(self, records: MappedRecords) -> None:
        self._records = records
        self._rows = records._sentences

    def _row(self, key: object) -> int | None:
        if not (isinstance(key, tuple) and len(key) == 3):
            return None
        doc_id, start, end = key
        if not (isinstance(doc_id, str) and isinstance(start, int) and isinstance(end, int)):
            return None
        row: int | None = self._rows.get(_span_key(doc_id, start, end))
        return row

    def __getitem__(self, key: tuple[str, int, int]) -> str:
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        return self._records._record(row).id

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        for key in self._rows:
            doc_id, start, end = key.split(_SEPARATOR)
            yield doc_id, int(start), int(end)

    def __len__(self) -> int:
        return len(self._rows)
