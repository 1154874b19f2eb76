"""The chat prompt asks for the answer's shape: each ask answered first, plainly, and no yes the
articles do not grant."""

from __future__ import annotations

from dataclasses import replace

from assistant.asks import read_asks
from assistant.llm.prompt import SYSTEM_PROMPT, user_message
from corpus.models import Document
from tests.llm.helpers import request_for


def test_the_prompt_names_what_the_question_asks(notice: Document) -> None:
    question = "职业技能提升补贴怎么申请，能补多少钱？"
    request = replace(request_for(notice, question, "（十三）"), asks=read_asks(question))
    message = user_message(request)
    assert "问题问到：怎么申请或办理；金额或标准" in message
    assert "条款没有写明的，直说文件没有写明" in message
    assert "只有条款明确给予提问者所问的东西时，才能以“可以”" in SYSTEM_PROMPT
