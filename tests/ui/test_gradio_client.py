"""The gradio page's endpoints through ``gradio_client`` (what the browser calls)."""

from __future__ import annotations

import pytest
from gradio_client import Client

from tests.ui.conftest import LiveApp

pytestmark = pytest.mark.slow

NOTICE = "sh-digital-talent-2024"


@pytest.fixture(scope="module")
def gradio(live_app: LiveApp) -> Client:
    return Client(live_app.url + "/", verbose=False, download_files=False)


def test_chat_endpoint_answers_with_citation_chips(gradio: Client) -> None:
    textbox, history, chips, status = gradio.predict(
        "职业技能提升补贴怎么申请？", NOTICE, [], api_name="/ask"
    )
    assert textbox == ""
    assert history[0]["role"] == "user" and history[-1]["role"] == "assistant"
    answer = history[-1]["content"]
    text = answer if isinstance(answer, str) else str(answer)
    assert "职业技能提升补贴" in text
    assert "pa-chip" in chips and "（十三）" in chips and "落实经费保障" in chips
    assert status == ""


def test_chat_endpoint_shows_question_errors(gradio: Client) -> None:
    _, history, _, _ = gradio.predict("   ", "", [], api_name="/ask")
    assert "问题是空的" in str(history[-1]["content"])


def test_console_search_highlights_terms(gradio: Client) -> None:
    html = gradio.predict("职业技能提升补贴", 5, "", api_name="/search")
    assert "<mark>" in html and "（十三）" in html


def test_console_draft_lists_the_articles(gradio: Client) -> None:
    draft = gradio.predict("职业技能提升补贴怎么申请？", NOTICE, api_name="/draft")
    assert "依据：" in draft and "第（十三）条" in draft


def test_console_recent_turns_are_masked_with_feedback(gradio: Client, live_app: LiveApp) -> None:
    gradio.predict("我的电话13912345678，职业技能提升补贴怎么申请？", NOTICE, [], api_name="/ask")
    status, _ = gradio.predict("", api_name="/feedback_down")
    assert "感谢反馈" in status
    table = gradio.predict(api_name="/recent")
    assert table["headers"][:3] == ["编号", "时间", "问题（已脱敏）"]
    flat = " ".join(str(cell) for row in table["data"] for cell in row)
    assert "13912345678" not in flat and "〔" in flat and "👎" in flat
