"""The LLM answerer through the real openai/langchain client stack against the fake server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from assistant.answerer import AnswererUnavailable
from assistant.factory import make_answerer
from assistant.llm.answerer import LLMAnswerer
from assistant.llm.fake_server import FakeOpenAIServer, Reply
from corpus.models import Document
from tests.llm.helpers import llm_settings, request_for


def _answerer(fake: FakeOpenAIServer, tmp_path: Path, **extra: object) -> LLMAnswerer:
    settings = llm_settings(tmp_path, fake.base_url, f"sqlite:///{tmp_path / 'log.sqlite3'}", **extra)
    return make_answerer(settings)


def test_models_endpoint_and_chat_completion_shape(fake: FakeOpenAIServer) -> None:
    models = httpx.get(f"{fake.base_url}/models").json()
    assert models["data"][0]["id"] == "fake-model"
    fake.enqueue(Reply.answer("你好[1]。"))
    body = httpx.post(f"{fake.base_url}/chat/completions", json={"model": "m", "messages": []}).json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "你好[1]。"
    assert body["choices"][0]["finish_reason"] == "stop"


def test_answer_through_the_real_client(fake: FakeOpenAIServer, notice: Document, tmp_path: Path) -> None:
    answerer = _answerer(fake, tmp_path)
    fake.enqueue(Reply.answer("对获得相关技能等级证书的，可按规定享受职业技能提升补贴[1]。"))
    draft = answerer.answer(request_for(notice, "考证有补贴吗？", "（十三）"))
    assert [c.article for c in draft.citations] == ["（十三）"]
    sent = fake.chat_requests[-1]
    assert sent.authorized
    assert sent.body is not None and sent.body["model"] == "fake-model"
    assert sent.messages[0]["role"] == "system"
    assert "[1] 《" in sent.messages[-1]["content"]


def test_streaming_through_the_real_client(fake: FakeOpenAIServer, notice: Document, tmp_path: Path) -> None:
    text = "可按规定享受职业技能提升补贴[1]。还可按规定加大补贴支持力度[1]。"
    fake.enqueue(Reply.answer(text))
    answerer = _answerer(fake, tmp_path)
    deltas = list(answerer.stream_text(request_for(notice, "补贴？", "（十三）")))
    assert len(deltas) > 3
    assert "".join(deltas) == text
    assert fake.chat_requests[-1].body["stream"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    "reply",
    [
        Reply.error(429),
        Reply.error(500),
        Reply.error(503),
        Reply.close(),
        Reply.not_json(),
        Reply.empty_choices(),
    ],
    ids=["429", "500", "503", "closed", "not-json", "empty-choices"],
)
def test_failures_raise_answerer_unavailable_quickly(
    fake: FakeOpenAIServer,
    notice: Document,
    tmp_path,
    reply: Reply,
) -> None:
    answerer = _answerer(fake, tmp_path, llm_retries=1)
    fake.enqueue(reply, reply)
    started = time.perf_counter()
    with pytest.raises(AnswererUnavailable) as caught:
        answerer.answer(request_for(notice, "补贴？", "（十三）"))
    assert time.perf_counter() - started < 5
    assert caught.value.reason
    assert "test" not in caught.value.reason  # never the key


def test_retry_recovers_from_one_503(fake: FakeOpenAIServer, notice: Document, tmp_path: Path) -> None:
    answerer = _answerer(fake, tmp_path, llm_retries=1)
    fake.enqueue(Reply.error(503), Reply.answer("可按规定享受职业技能提升补贴[1]。"))
    draft = answerer.answer(request_for(notice, "补贴？", "（十三）"))
    assert draft.citations
    assert len(fake.chat_requests) == 2


def test_stall_times_out_within_the_configured_bound(
    fake: FakeOpenAIServer, notice: Document, tmp_path
) -> None:
    answerer = _answerer(fake, tmp_path, llm_timeout=0.5, llm_retries=0)
    fake.enqueue(Reply.stall(5))
    started = time.perf_counter()
    with pytest.raises(AnswererUnavailable, match="超时"):
        answerer.answer(request_for(notice, "补贴？", "（十三）"))
    assert time.perf_counter() - started < 2.0


def test_stream_cut_midway_is_unavailable(fake: FakeOpenAIServer, notice: Document, tmp_path: Path) -> None:
    answerer = _answerer(fake, tmp_path)
    fake.enqueue(
        Reply.cut("可按规定享受职业技能提升补贴[1]。还可按规定加大补贴支持力度[1]。", after_chunks=3)
    )
    received: list[str] = []
    with pytest.raises(AnswererUnavailable, match="中断|连接"):
        for delta in answerer.stream_text(request_for(notice, "补贴？", "（十三）")):
            received.append(delta)
    assert received  # some text arrived before the cut


def test_stream_stall_and_error_are_unavailable(
    fake: FakeOpenAIServer, notice: Document, tmp_path: Path
) -> None:
    answerer = _answerer(fake, tmp_path, llm_timeout=0.5)
    for reply in (Reply.stall(5), Reply.error(500)):
        fake.enqueue(reply)
        with pytest.raises(AnswererUnavailable):
            list(answerer.stream_text(request_for(notice, "补贴？", "（十三）")))


def test_refused_connection_is_unavailable(notice: Document, tmp_path: Path) -> None:
    with FakeOpenAIServer() as gone:
        url = gone.base_url
    settings = llm_settings(tmp_path, url, f"sqlite:///{tmp_path / 'log.sqlite3'}")
    started = time.perf_counter()
    with pytest.raises(AnswererUnavailable, match="无法连接"):
        make_answerer(settings).answer(request_for(notice, "补贴？", "（十三）"))
    assert time.perf_counter() - started < 3


def test_missing_key_with_a_configured_endpoint(
    fake: FakeOpenAIServer, notice: Document, tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("POLICY_LLM_API_KEY", raising=False)
    answerer = _answerer(fake, tmp_path, llm_api_key=None)
    with pytest.raises(AnswererUnavailable, match="POLICY_LLM_API_KEY"):
        answerer.answer(request_for(notice, "补贴？", "（十三）"))
    assert fake.chat_requests == []
