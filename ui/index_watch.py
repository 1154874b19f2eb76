"""One index for every app process: builds take turns, and each process follows the newest.

The index version is the generation named in ``index_dir/manifest.json``, which a build switches
atomically as its last step (index/builder.py): before that the previous index is whole, after it
the new one is. Every app process that shares the index folder (one machine's disk, or a shared
volume on several machines, with the vectors in one Chroma server) looks at the manifest every
``POLICY_INDEX_CHECK_SECONDS`` (a ``stat``; the file is read only when it changed). When it
names another generation than the one served, the process opens the new index completely
(corpus, keyword index, vectors, warm-up) beside the old one, which answers meanwhile, and then
switches — conversations keep their context. So a re-index done through any process (the admin
API) or by ``policy-assistant index`` reaches all of them, and a half-built index is never
served. A new index that cannot be opened is reported and the old one kept; the next change is
tried again.

Builds take an exclusive lock on ``index_dir/.build.lock`` (``flock``: between processes on one
machine, and on a shared volume that supports locks), so two re-indexes never write one index
folder at once: the second waits and then finds the index up to date.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.pipeline import Pipeline
from index.manifest import MANIFEST_FILE, read_manifest
from index.models import IndexCorrupted, IndexMissing
from ui.state import AppState

log = logging.getLogger(__name__)

BUILD_LOCK = ".build.lock"


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock (waits while another process builds)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / BUILD_LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def generation(index_dir: Path) -> str | None:
    """The generation the committed index serves; None without a readable manifest."""
    try:
        return read_manifest(index_dir).generation
    except (IndexMissing, IndexCorrupted):
        return None


def _stamp(index_dir: Path) -> tuple[int, int, int] | None:
    try:
        found = os.stat(index_dir / MANIFEST_FILE)
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


class IndexWatcher:
    """Keeps one app process on the newest committed index.

    ``open_pipeline`` opens the committed index (no build); ``build_pipeline`` updates the index
    and opens it (the admin re-index). ``serving`` is the generation the process answers from.
    """

    def __init__(
        self,
        index_dir: Path,
        open_pipeline: Callable[[], Pipeline],
        build_pipeline: Callable[[], Pipeline],
        interval: float = 5.0,
        reviewed: Callable[[], str] | None = None,
    ) -> None:
        """``reviewed``: a digest of the reviewed answers retrieval learns from
        (ui/reviewed_retrieval.py); when it changes the pipeline is reopened on the same index."""
        if interval < 0:
            raise ValueError(f"expected interval >= 0 seconds; got {interval}")
        self.index_dir = index_dir
        self.interval = interval
        self._open = open_pipeline
        self._build = build_pipeline
        self._lock = threading.Lock()  # one switch at a time in this process
        self._stop = threading.Event()
        self._state: AppState | None = None
        self._stamp = _stamp(index_dir)
        self.serving = generation(index_dir)
        self._reviewed = reviewed
        self._reviewed_stamp = reviewed() if reviewed else ""

    def start(self, state: AppState) -> None:
        """Follow the index for ``state`` in a background thread (none when the interval is 0)."""
        self._state = state
        state.index_generation = lambda: self.serving
        if self.interval > 0:
            threading.Thread(target=self._run, name="index-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check() or self.check_reviewed()
            except Exception:  # the watch must go on; the old index keeps serving
                log.exception("opening the new index failed; still serving generation %s", self.serving)

    def check(self) -> bool:
        """Switch to the committed index when it is another generation; whether it switched."""
        stamp = _stamp(self.index_dir)
        if stamp is None or stamp == self._stamp:
            return False
        with self._lock:
            found = generation(self.index_dir)
            if found is None or found == self.serving:
                self._stamp = stamp
                return False
            pipeline = self._open()  # the old index answers until this is whole
            if self._state is not None:
                self._state.swap(pipeline)
            log.warning("switched to the index another process built", extra={"generation": found})
            self.serving, self._stamp = found, stamp
            return True

    def check_reviewed(self) -> bool:
        """Reopen the pipeline when a reviewed answer was published, edited or withdrawn (by any
        process sharing the database), so its phrasings reach retrieval; whether it reopened."""
        if self._reviewed is None:
            return False
        stamp = self._reviewed()
        if not stamp or stamp == self._reviewed_stamp:
            return False
        with self._lock:
            pipeline = self._open()
            if self._state is not None:
                self._state.swap(pipeline)
            self._reviewed_stamp = stamp
            log.info("reviewed answers changed: retriever reopened")
            return True

    def rebuild(self) -> Pipeline:
        """Update the index under the build lock and open it (the caller switches to it)."""
        with self._lock, build_lock(self.index_dir):
            pipeline = self._build()
            self.serving, self._stamp = generation(self.index_dir), _stamp(self.index_dir)
        return pipeline
