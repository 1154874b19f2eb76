"""What the index knows about each chunk, and how chunk matches become article-level hits."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.models import Chunk, Document
from index.models import Hit

log = logging.getLogger(__name__)

CATALOG_FILE = "chunks.jsonl"
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


class Catalog:
    """Chunk records of one index generation, plus the documents for full article text."""

    def __init__(self, records: Iterable[ChunkRecord], documents: Sequence[Document] = ()) -> None:
        self.records = {r.id: r for r in records}
        self._articles: dict[tuple[str, str], list[ChunkRecord]] = {}
        self._with_units: set[tuple[str, str]] = set()
        for record in sorted(self.records.values(), key=lambda r: (r.doc_id, r.order, r.start)):
            if record.kind != CHUNK:
                self._with_units.add((record.doc_id, record.article))
                continue
            self._articles.setdefault((record.doc_id, record.article), []).append(record)
        self._documents = {d.doc_id: d for d in documents}

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
        with (folder / CATALOG_FILE).open("w", encoding="utf-8") as f:
            for record in self.records.values():
                f.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path, documents: Sequence[Document] = ()) -> Catalog:
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
