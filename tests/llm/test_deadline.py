"""POLICY_LLM_TIMEOUT bounds the whole attempt to get an answer from the chat endpoint (issue 18).

Requests, retries, backoff and a streamed reply to its end all fit in the timeout; a stalled
endpoint — silent from the start, silent midway, or trickling — gives the extractive answer with
the notice within the timeout + 1 s, through the pipeline, the CLI and the JSON/OpenAI APIs.
Real client stack against the fake OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.factory import make_pipeline
from assistant.llm.fake_server import FakeOpenAIServer, Reply
from assistant.pipeline import Pipeline
from tests.llm.helpers import llm_settings
from ui.cli import app as cli

pytestmark = pytest.mark.slow  # wall-clock waits of the timeout each

TIMEOUT = 2.0
BOUND = TIMEOUT + 1.5  # the target is timeout + 1 s; a little slack for a loaded machine
NOTICE = "大模型服务暂时不可用，已改用离线摘录回答。"
QUESTION = "获得数字职业技能等级证书可以享受什么补贴？"
GOOD = "对劳动者参加数字职业技能等级认定且获得相关技能等级证书的,可按规定享受职业技能提升补贴[1]。"
GOOD_2 = "获得集成电路等急需紧缺职业(工种)目录技能等级证书的,还可按规定加大补贴支持力度[1]。"


@pytest.fixture
def make(fake: FakeOpenAIServer, indexed_data_dir: Path, tmp_path: Path) -> Callable[..., Pipeline]:
    def build(**extra: object) -> Pipeline:
        values: dict[str, object] = {"llm_timeout": TIMEOUT, "llm_retries": 1, **extra}
        log_url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
        return make_pipeline(llm_settings(indexed_data_dir, fake.base_url, log_url, **values), mode="llm")

    return build


def _timed(pipeline: Pipeline, question: str = QUESTION, conversation=None):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    events = list(pipeline.stream(question, conversation))
    elapsed = time.perf_counter() - started
    done = events[-1]
    assert done.kind == "done" and done.answer is not None
    return [e.text for e in events if e.kind == "delta"], done.answer, elapsed


def test_a_silent_endpoint_falls_back_within_the_timeout(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.stall(30), Reply.stall(30))
    deltas, answer, elapsed = _timed(make())
    assert elapsed < BOUND, f"fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
    assert elapsed > TIMEOUT - 0.2  # it did wait for the model
    assert answer.mode == "extractive" and answer.notice == NOTICE
    assert "超时" in answer.fallback_reason
    assert answer.citations and "".join(deltas) == answer.text
    assert len(fake.chat_requests) == 1  # no retry once the deadline passed


def test_a_stream_stalling_midway_is_cut_at_the_deadline(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.stall_midway(GOOD + GOOD_2, after_chunks=len(GOOD) // 4 + 3, seconds=30))
    deltas, answer, elapsed = _timed(make())
    assert elapsed < BOUND, f"fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
    assert deltas and "职业技能提升补贴" in deltas[0]  # shown before the stall, and kept
    assert answer.text.startswith(deltas[0])
    assert f"（{NOTICE}）" in answer.text and answer.notice == NOTICE
    assert "超时" in answer.fallback_reason
    assert answer.mode == "extractive"


def test_a_trickling_stream_is_cut_at_the_deadline(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    # every read is quick (a character each 0.2 s), so no read timeout would ever fire
    fake.enqueue(Reply.trickle(GOOD * 10, interval=0.2, chunk_chars=2))
    _, answer, elapsed = _timed(make())
    assert elapsed < BOUND, f"fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
    assert answer.notice == NOTICE and "超时" in answer.fallback_reason


def test_fast_failures_are_retried_within_the_deadline(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.error(503), Reply.close(), Reply.answer(GOOD))
    _, answer, elapsed = _timed(make(llm_retries=2))
    assert answer.mode == "llm", answer.fallback_reason
    assert len(fake.chat_requests) == 3
    assert elapsed < BOUND


def test_retries_never_outlast_the_deadline(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.error(503), *[Reply.stall(30)] * 5)
    _, answer, elapsed = _timed(make(llm_retries=5))
    assert elapsed < BOUND, f"fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
    assert answer.mode == "extractive" and answer.notice == NOTICE
    assert len(fake.chat_requests) == 2  # the 503, then one stalled retry


def test_a_follow_up_shares_one_deadline_between_rewrite_and_answer(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    pipeline = make()
    conversation = pipeline.new_conversation()
    fake.enqueue(Reply.answer(GOOD))
    first = pipeline.ask(QUESTION, conversation)
    assert first.mode == "llm", first.fallback_reason
    fake.reset()
    fake.enqueue(*[Reply.stall(30)] * 4)  # the rewrite stalls, then the answer would too
    _, answer, elapsed = _timed(pipeline, "那需要什么条件？", conversation)
    assert elapsed < BOUND, f"fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
    assert answer.mode == "extractive" and answer.notice == NOTICE
    assert len(fake.chat_requests) == 1  # the answer was not even attempted after the deadline


def test_cli_ask_falls_back_within_the_timeout(
    fake: FakeOpenAIServer, indexed_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "POLICY_DATA_DIR": str(indexed_data_dir),
        "POLICY_EMBEDDINGS": "hash",
        "POLICY_LLM_BASE_URL": fake.base_url,
        "POLICY_LLM_API_KEY": "test",
        "POLICY_LLM_MODEL": "fake-model",
        "POLICY_LLM_TIMEOUT": str(TIMEOUT),
        "POLICY_LLM_RETRIES": "1",
        "POLICY_LOG_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def ask() -> tuple[dict, float]:  # type: ignore[type-arg]
        started = time.perf_counter()
        result = runner.invoke(cli, ["ask", QUESTION, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout), time.perf_counter() - started

    fake.enqueue(Reply.answer(GOOD))
    answered, baseline = ask()  # loading the index and answering at once: the command's own time
    assert answered["mode"] == "llm"
    fake.enqueue(Reply.stall(30), Reply.stall(30))
    answer, elapsed = ask()
    assert answer["mode"] == "extractive" and answer["notice"] == NOTICE
    assert answer["citations"]
    assert answer["latency_ms"] < BOUND * 1000, answer["latency_ms"]
    waited = elapsed - baseline
    assert waited < BOUND, f"fallback after {waited:.1f} s more than an answer with a {TIMEOUT} s timeout"


def test_json_and_openai_apis_fall_back_within_the_timeout(fake: FakeOpenAIServer, make) -> None:  # type: ignore[no-untyped-def]
    from ui.app import create_app

    pipeline = make()
    settings = llm_settings(Path("."), fake.base_url, "sqlite://")
    client = TestClient(create_app(pipeline, settings, with_ui=False))
    requests = {
        "/api/ask": {"question": QUESTION},
        "/v1/chat/completions": {"model": "policy", "messages": [{"role": "user", "content": QUESTION}]},
    }
    for path, body in requests.items():
        fake.enqueue(Reply.stall(30), Reply.stall(30))
        started = time.perf_counter()
        response = client.post(path, json=body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert elapsed < BOUND, f"{path}: fallback after {elapsed:.1f} s with a {TIMEOUT} s timeout"
        assert NOTICE in response.text, path
