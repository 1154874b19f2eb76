"""LLMAnswerer and LLMCondenser over langchain's fake chat models (fast, no network)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answerer import AnswererUnavailable
from assistant.conversation import Conversation, RuleCondenser, Turn
from assistant.llm.answerer import LLMAnswerer
from assistant.llm.chat_model import ChatMessage, Endpoint
from assistant.llm.condense import LLMCondenser
from assistant.llm.langchain_chat import LangChainChatModel, openai_chat_model
from assistant.llm.prompt import SYSTEM_PROMPT, build_messages
from corpus.models import Document
from tests.llm.helpers import request_for


def _generic(text: str) -> LangChainChatModel:
    return LangChainChatModel.wrap(GenericFakeChatModel(messages=iter([AIMessage(content=text)])))


def test_answer_maps_markers_to_citations(notice: Document) -> None:
    answerer = LLMAnswerer(_generic("对获得相关技能等级证书的，可按规定享受职业技能提升补贴[1]。"))
    draft = answerer.answer(request_for(notice, "有补贴吗？", "（十三）"))
    assert answerer.mode == "llm"
    assert draft.mode == "llm"
    assert [c.article for c in draft.citations] == ["（十三）"]
    assert "第（十三）条「落实经费保障」" in draft.text


def test_stream_text_yields_deltas_that_add_up(notice: Document) -> None:
    text = "可按规定享受职业技能提升补贴[1]。 还可加大补贴支持力度[1]。"
    answerer = LLMAnswerer(_generic(text))
    request = request_for(notice, "有补贴吗？", "（十三）")
    deltas = list(answerer.stream_text(request))
    assert len(deltas) > 1
    assert "".join(deltas) == text
    assert answerer.draft_from_text("".join(deltas), request).citations


def test_prompt_numbers_articles_and_carries_the_rules(notice: Document) -> None:
    request = request_for(notice, "What subsidies exist?", "（十三）", "（一）", language="en")
    messages = build_messages(request)
    assert messages[0] == ChatMessage("system", SYSTEM_PROMPT)
    user = messages[-1].content
    assert "[1] 《" in user and "第（十三）条「落实经费保障」" in user
    assert "[2] 《" in user and "第（一）条" in user
    assert "有效期：2024–2026年" in user
    assert "上海市人力资源和社会保障局" in user
    assert "回答语言：English" in user
    for rule in ("只依据", "[1]", "不要写出条款中没有的数字", "发布机关", "有效期", "一律不执行"):
        assert rule in SYSTEM_PROMPT


def test_history_goes_before_the_question(notice: Document) -> None:
    request = request_for(notice, "那需要什么条件？", "（十三）")
    request = type(request)(**{**request.__dict__, "history": (("有补贴吗？", "有。"),)})
    roles = [m.role for m in build_messages(request)]
    assert roles == ["system", "user", "assistant", "user"]


class _Broken:
    name = "broken"

    def invoke(self, messages: Sequence[ChatMessage]) -> str:
        raise RuntimeError("boom")

    def stream(self, messages: Sequence[ChatMessage]) -> Iterator[str]:
        raise RuntimeError("boom")


def test_model_failure_becomes_answerer_unavailable(notice: Document) -> None:
    chat = LangChainChatModel(lambda: _raise(), name="x")
    with pytest.raises(AnswererUnavailable):
        LLMAnswerer(chat).answer(request_for(notice, "补贴？", "（十三）"))


def _raise() -> GenericFakeChatModel:
    raise ConnectionError("refused")


def test_empty_reply_is_unavailable(notice: Document) -> None:
    chat = LangChainChatModel.wrap(FakeListChatModel(responses=["   "]))
    with pytest.raises(AnswererUnavailable, match="空回答"):
        LLMAnswerer(chat).answer(request_for(notice, "补贴？", "（十三）"))


def test_no_hits_is_unavailable_without_calling_the_model(notice: Document) -> None:
    answerer = LLMAnswerer(_Broken())
    request = request_for(notice, "补贴？")
    with pytest.raises(AnswererUnavailable, match="没有检索到"):
        answerer.answer(request)


def test_missing_key_is_reported_at_use_naming_the_variable(notice: Document) -> None:
    chat = openai_chat_model(Endpoint(model="m", base_url="http://127.0.0.1:9/v1", api_key=None))
    answerer = LLMAnswerer(chat)  # building needs no key
    with pytest.raises(AnswererUnavailable, match="POLICY_LLM_API_KEY"):
        answerer.answer(request_for(notice, "补贴？", "（十三）"))
    with pytest.raises(AnswererUnavailable, match="OPENAI_API_KEY"):
        list(answerer.stream_text(request_for(notice, "补贴？", "（十三）")))


def test_endpoint_repr_hides_the_key() -> None:
    endpoint = Endpoint(model="m", api_key="sk-secret-123")
    assert "sk-secret" not in repr(endpoint)
    with pytest.raises(ValueError, match="timeout"):
        Endpoint(model="m", timeout=0)


def _conversation() -> Conversation:
    conversation = Conversation()
    conversation.add(Turn("职业技能提升补贴怎么申请？", "职业技能提升补贴怎么申请？", "可按规定享受补贴。"))
    return conversation


def _rule() -> RuleCondenser:
    return RuleCondenser(lambda text: [w for w in ("补贴", "条件", "证书", "申请") if w in text])


def test_condenser_rewrites_follow_ups_with_the_model() -> None:
    chat = LangChainChatModel.wrap(FakeListChatModel(responses=["申请职业技能提升补贴需要什么条件？"]))
    condenser = LLMCondenser(chat, _rule())
    resolution = condenser.resolve("那需要什么条件？", _conversation())
    assert resolution.follow_up
    assert resolution.standalone == "申请职业技能提升补贴需要什么条件？"
    history = [("职业技能提升补贴怎么申请？", "可按规定享受补贴。")]
    assert condenser.condense("那需要什么条件？", history) == "申请职业技能提升补贴需要什么条件？"


def test_condenser_falls_back_to_the_rule_when_the_model_fails() -> None:
    condenser = LLMCondenser(_Broken(), _rule())
    history = [("职业技能提升补贴怎么申请？", "可按规定享受补贴。")]
    rule_answer = _rule().condense("那需要什么条件？", history)
    assert condenser.condense("那需要什么条件？", history) == rule_answer
    assert "职业技能提升补贴" in rule_answer


def test_condenser_leaves_standalone_questions_and_rejects_rambling_rewrites() -> None:
    rambling = "好的，" + "这是一个很长的回答。" * 40
    chat = LangChainChatModel.wrap(FakeListChatModel(responses=[rambling]))
    condenser = LLMCondenser(chat, _rule())
    first = condenser.resolve("数字技术工程师培育项目是什么？", None)
    assert first.standalone == "数字技术工程师培育项目是什么？" and not first.follow_up
    resolution = condenser.resolve("那需要什么条件？", _conversation())
    assert resolution.standalone == _rule().resolve("那需要什么条件？", _conversation()).standalone
