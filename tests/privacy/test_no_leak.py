"""Personal data typed by a citizen never reaches the conversation log or the model endpoint."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.factory import build_index, load_documents, make_log, make_pipeline
from assistant.llm.fake_server import FakeOpenAIServer
from tests.llm.helpers import llm_settings
from tests.privacy.conftest import PERSONAL

QUESTIONS = [
    f"我叫{PERSONAL['name']}，身份证{PERSONAL['id_card']}，获得数字职业技能等级证书可以享受什么补贴？",
    f"我的手机{PERSONAL['mobile']}，座机{PERSONAL['landline']}，数字技术工程师培育项目怎么参加？",
    f"邮箱{PERSONAL['email']}，卡号{PERSONAL['bank_card']}，手机{PERSONAL['mobile_spaced']}，补贴发到哪里？",
    f"那需要什么条件？我是{PERSONAL['name']}，电话{PERSONAL['mobile']}",
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assistant.settings import Settings

    data = Path(tmp_path_factory.mktemp("privacy-data"))
    settings = Settings(data_dir=data, embeddings="hash", llm_base_url=None, llm_api_key=None)
    build_index(settings, load_documents(settings).documents)
    return data


def _leaks(text: str) -> list[str]:
    return [kind for kind, value in PERSONAL.items() if value in text or value.replace(" ", "") in text]


def test_nothing_personal_reaches_the_model_or_the_log(
    server: FakeOpenAIServer, data_dir: Path, tmp_path: Path
) -> None:
    server.reset()
    settings = llm_settings(data_dir, server.base_url, f"sqlite:///{tmp_path / 'log.sqlite3'}")
    pipeline = make_pipeline(settings, mode="llm")
    conversation = pipeline.new_conversation()
    answers = [pipeline.ask(q, conversation) for q in QUESTIONS]

    assert server.chat_requests, "the model endpoint was never called"
    for request in server.requests:
        assert _leaks(request.raw) == [], request.raw
    assert any("〔" in r.raw for r in server.chat_requests)  # placeholders were sent instead

    conversation_log = make_log(settings)
    assert conversation_log.count() == len(QUESTIONS)
    exported = io.StringIO()
    conversation_log.export(exported, format="jsonl")
    assert _leaks(exported.getvalue()) == []
    assert "〔身份证号〕" in exported.getvalue() and "〔手机号〕" in exported.getvalue()
    for answer in answers:
        assert _leaks(answer.question) == []


def test_the_log_masks_even_when_the_caller_did_not(tmp_path: Path) -> None:
    from assistant.log import TurnRecord

    conversation_log = make_log(
        llm_settings(tmp_path, "http://127.0.0.1:9/v1", f"sqlite:///{tmp_path / 'log.sqlite3'}")
    )
    # Bare names cannot be recognised; a self-introduced one can, everything else anywhere.
    text = " ".join(v for k, v in PERSONAL.items() if k != "name")
    question = f"我叫{PERSONAL['name']}，{text}"
    conversation_log.record(TurnRecord(question=question, answer=text, mode="extractive", rewritten=text))
    turn_id = conversation_log.recent(1)[0].id
    conversation_log.feedback(turn_id, -1, f"请打我电话{PERSONAL['mobile']}")
    out = io.StringIO()
    conversation_log.export(out, format="csv")
    assert _leaks(out.getvalue()) == []
