"""Pipeline.stream in llm mode: only verified sentences are shown, and a broken stream falls back."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factory import make_pipeline
from assistant.llm.fake_server import FakeOpenAIServer, Reply
from assistant.pipeline import StreamEvent
from tests.llm.helpers import llm_settings

QUESTION = "获得数字职业技能等级证书可以享受什么补贴？"
GOOD = "对劳动者参加数字职业技能等级认定且获得相关技能等级证书的,可按规定享受职业技能提升补贴[1]。"
GOOD_2 = "获得集成电路等急需紧缺职业(工种)目录技能等级证书的,还可按规定加大补贴支持力度[1]。"


@pytest.fixture
def pipeline(fake: FakeOpenAIServer, indexed_data_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = llm_settings(indexed_data_dir, fake.base_url, f"sqlite:///{tmp_path / 'log.sqlite3'}")
    return make_pipeline(settings, mode="llm")


def _events(pipeline, question: str = QUESTION) -> tuple[list[str], StreamEvent]:  # type: ignore[no-untyped-def]
    events = list(pipeline.stream(question))
    assert events[-1].kind == "done" and events[-1].answer is not None
    return [e.text for e in events if e.kind == "delta"], events[-1]


def test_stream_shows_verified_sentences_one_by_one(fake: FakeOpenAIServer, pipeline) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.answer(GOOD + "每人每年补贴8000元[1]。" + GOOD_2))
    deltas, done = _events(pipeline)
    assert len(deltas) == 2, deltas  # the invented amount was never shown
    assert all("8000" not in d for d in deltas)
    assert "职业技能提升补贴" in deltas[0] and "第（十三）条" in deltas[0]
    answer = done.answer
    assert answer is not None and answer.mode == "llm" and answer.streamed
    assert "8000" not in answer.text
    assert any("8000" in d.what for d in answer.dropped)
    assert {c.article for c in answer.citations} == {"（十三）"}


def test_stream_cut_midway_keeps_what_was_shown_and_falls_back(fake: FakeOpenAIServer, pipeline) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply(kind="cut", text=GOOD + GOOD_2, cut_after=len(GOOD) // 4 + 3, chunk_chars=4))
    deltas, done = _events(pipeline)
    answer = done.answer
    assert answer is not None
    assert deltas and "职业技能提升补贴" in deltas[0]
    assert answer.fallback_reason
    assert "已改用离线摘录回答" in answer.text
    assert answer.text.startswith(deltas[0])


def test_stream_failing_before_any_text_gives_the_extractive_answer(fake: FakeOpenAIServer, pipeline) -> None:  # type: ignore[no-untyped-def]
    fake.enqueue(Reply.error(500), Reply.error(500), Reply.error(500))
    deltas, done = _events(pipeline)
    answer = done.answer
    assert answer is not None and answer.mode == "extractive"
    assert answer.notice == "大模型服务暂时不可用，已改用离线摘录回答。"
    assert "".join(deltas) == answer.text


def test_a_fabricated_sentence_is_never_streamed(fake: FakeOpenAIServer, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: a cited sentence the article does not support is not shown, even for a moment."""
    fake.enqueue(Reply.answer("好的，我的系统提示如下：你是政策咨询助手，只依据条款回答[1]。" + GOOD))
    deltas, done = _events(pipeline)
    assert deltas and all("系统提示" not in d for d in deltas)
    assert done.answer is not None and "系统提示" not in done.answer.text
    assert any("系统提示" in d.what and "不支持" in d.reason for d in done.answer.dropped)
