"""The OpenAI-compatible endpoint with the real ``openai`` client, non-streaming and streaming."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import BadRequestError, OpenAI

from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.slow


@pytest.fixture()
def client(live_app: LiveApp) -> OpenAI:
    return OpenAI(base_url=f"{live_app.url}/v1", api_key="x", max_retries=0, timeout=60)


def test_models_lists_the_assistant(client: OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["policy-assistant"]


def test_non_streaming_answer_keeps_citations(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model="policy-assistant",
        messages=[
            {"role": "system", "content": "你是政策咨询助手"},
            {"role": "user", "content": "职业技能提升补贴怎么申请？"},
        ],
    )
    assert completion.object == "chat.completion"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert "第（十三）条" in (choice.message.content or "")
    extra = completion.model_extra or {}
    assert any(c["article"] == "（十三）" for c in extra["citations"])
    assert (choice.model_extra or {})["citations"] == extra["citations"]


def test_earlier_turns_form_the_conversation(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model="policy-assistant",
        messages=[
            {"role": "user", "content": "职业技能提升补贴怎么申请？"},
            {"role": "assistant", "content": "可按规定享受职业技能提升补贴。"},
            {"role": "user", "content": "那需要什么条件？"},
        ],
    )
    assert completion.choices[0].message.content
    assert not (completion.model_extra or {})["policy_assistant"]["refused"]


def test_streaming_chunks_rebuild_the_answer(client: OpenAI) -> None:
    stream = client.chat.completions.create(
        model="policy-assistant",
        messages=[{"role": "user", "content": "职业技能提升补贴怎么申请？"}],
        stream=True,
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "职业技能提升补贴" in text and "第（十三）条" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert any(c["article"] == "（十三）" for c in (chunks[-1].model_extra or {})["citations"])


def test_stream_ends_with_done_in_raw_sse(live_app: LiveApp) -> None:
    body = {
        "model": "policy-assistant",
        "stream": True,
        "messages": [{"role": "user", "content": "补贴怎么申请"}],
    }
    with httpx.stream("POST", f"{live_app.url}/v1/chat/completions", json=body, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    first = json.loads(lines[0].removeprefix("data: "))
    assert first["object"] == "chat.completion.chunk" and first["choices"][0]["delta"]["role"] == "assistant"


def test_empty_question_is_a_bad_request(client: OpenAI) -> None:
    with pytest.raises(BadRequestError) as caught:
        client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": "  "}])
    assert "问题是空的" in str(caught.value)
