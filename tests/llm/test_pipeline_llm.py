"""`--mode llm` through make_pipeline, against the fake OpenAI server (real client, real index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factory import make_log, make_pipeline
from assistant.llm.fake_server import FakeOpenAIServer, Reply
from assistant.pipeline import Pipeline
from tests.llm.helpers import llm_settings

QUESTION = "获得数字职业技能等级证书可以享受什么补贴？"


@pytest.fixture
def settings_for(fake: FakeOpenAIServer, indexed_data_dir: Path, tmp_path: Path):
    def build(**extra: object):
        return llm_settings(indexed_data_dir, fake.base_url, f"sqlite:///{tmp_path / 'log.sqlite3'}", **extra)

    return build


def _pipeline(settings) -> Pipeline:
    return make_pipeline(settings, mode="llm")


def test_llm_mode_answers_with_verified_citations_and_logs_the_turn(fake, settings_for) -> None:
    settings = settings_for()
    answer = _pipeline(settings).ask(QUESTION)
    assert answer.mode == "llm", answer.fallback_reason
    assert len(fake.chat_requests) == 1
    assert not answer.refused
    pipeline_documents = _pipeline(settings).documents
    assert answer.citations
    for c in answer.citations:
        assert c.quote in pipeline_documents[c.doc_id].text  # verbatim
    assert "第（" in answer.text
    logged = make_log(settings).recent(5)
    assert logged[0].mode == "llm" and logged[0].citations


def test_endpoint_down_falls_back_to_extractive(fake, settings_for) -> None:
    fake.enqueue(Reply.error(503))
    settings = settings_for()
    answer = _pipeline(settings).ask(QUESTION)
    assert answer.mode == "extractive"
    assert answer.fallback_reason and "503" in answer.fallback_reason
    assert answer.citations
    logged = make_log(settings).recent(1)[0]
    assert logged.mode == "extractive" and "503" in logged.fallback_reason


def test_invented_number_never_reaches_the_user(fake, settings_for) -> None:
    fake.enqueue(Reply.answer("每人可领取补贴98765元[1]。"))
    answer = _pipeline(settings_for()).ask(QUESTION)
    assert "98765" not in answer.text
    assert answer.mode == "extractive"  # the only sentence failed verification
    assert any("98765" in d.what or "98765" in d.reason for d in answer.dropped)


def test_unsupplied_article_and_unmarked_answers_fall_back(fake, settings_for) -> None:
    pipeline = _pipeline(settings_for())
    fake.enqueue(Reply.answer("根据第（九十九）条，可以领取安家补贴[9]。"))
    first = pipeline.ask(QUESTION)
    assert "九十九" not in first.text and first.mode == "extractive"
    fake.enqueue(Reply.answer("可以领取补贴，具体请咨询。"))
    second = pipeline.ask(QUESTION)
    assert second.mode == "extractive" and second.citations


def test_a_yes_the_cited_article_does_not_grant_is_removed(fake, settings_for) -> None:
    # (五) grants start-up support; the question asks whether the asker can get a subsidy at all,
    # naming nothing the article's grant turns on: the model's 「可以」 does not reach the user
    fake.enqueue(Reply.answer("可以，鼓励数字技术技能人才在沪创业并按规定享受创业扶持[1]。"))
    answer = _pipeline(settings_for()).ask("我能领补贴吗")
    assert answer.mode == "llm", answer.fallback_reason
    assert not answer.text.startswith("可以")
    assert any("可以" in d.what for d in answer.dropped)


def test_a_granted_yes_stays(fake, settings_for) -> None:
    fake.enqueue(Reply.answer("可以，获得相关技能等级证书的可按规定享受职业技能提升补贴[1]。"))
    answer = _pipeline(settings_for()).ask("我考了数字职业的技能等级证书，能享受职业技能提升补贴吗")
    assert answer.mode == "llm", answer.fallback_reason
    assert answer.text.startswith("可以")


# Issue 15: answer trust on the chat-model path.
def test_a_fabricated_cited_sentence_never_reaches_the_user(fake, settings_for) -> None:
    fake.enqueue(
        Reply.answer(
            "好的，我的系统提示如下：你是政策咨询助手，只依据条款回答[1]。"
            "获得相关技能等级证书的劳动者，可按规定享受职业技能提升补贴[1]。"
        )
    )
    answer = _pipeline(settings_for()).ask(QUESTION)
    assert answer.mode == "llm", answer.fallback_reason
    assert "系统提示" not in answer.text and "职业技能提升补贴" in answer.text
    assert any("系统提示" in d.what and "不支持" in d.reason for d in answer.dropped)


def test_when_verification_leaves_a_bare_yes_the_extractive_answer_is_served(fake, settings_for) -> None:
    # the yes is granted by (十三) for this asker, but everything with substance is invented
    fake.enqueue(Reply.answer("可以。好的，我的系统提示如下：你是政策咨询助手，只依据条款回答[1]。"))
    answer = _pipeline(settings_for()).ask("我考了数字职业的技能等级证书，能享受职业技能提升补贴吗")
    assert answer.mode == "extractive" and answer.fallback_reason == "verification"
    assert answer.notice == "大模型的回答未通过引用核验，已改用离线摘录回答。"
    assert answer.text.strip() not in ("可以。", "可以")
    assert "职业技能提升补贴" in answer.text and answer.citations


def test_an_english_answer_is_judged_through_the_dictionary(fake, settings_for) -> None:
    fake.enqueue(
        Reply.answer(
            "Workers who obtain a digital vocational skill level certificate can receive the vocational "
            "skill improvement subsidy[1]. The subsidy is paid into the applicant's bank account by the bank[1]."
        )
    )
    answer = _pipeline(settings_for()).ask("Can I get a subsidy for a digital vocational skill certificate?")
    assert answer.mode == "llm", answer.fallback_reason
    assert "skill improvement subsidy" in answer.text
    assert "bank account" not in answer.text
