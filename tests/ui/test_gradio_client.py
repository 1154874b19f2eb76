"""The gradio pages' endpoints through ``gradio_client`` (what the browser calls): the citizens'
page at / for anyone, the staff pages at /staff/ only after signing in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from gradio_client import Client

from tests.ui.conftest import STAFF_PASSWORD, STAFF_USER, LiveApp

pytestmark = pytest.mark.slow

NOTICE = "sh-digital-talent-2024"
STAFF_ENDPOINTS = (
    "/search",
    "/search_click",
    "/draft",
    "/article",
    "/recent",
    "/evaluate",
    "/filter_results",
    "/compare_runs",
    "/messages",
    "/open_message",
    "/reply_message",
    "/close_message",
    "/publish_reviewed",
)


@pytest.fixture(scope="module")
def gradio(live_app: LiveApp) -> Iterator[Client]:
    client = Client(live_app.url + "/", verbose=False, download_files=False)
    yield client
    client.close()


@pytest.fixture(scope="module")
def staff(live_app: LiveApp) -> Iterator[Client]:
    client = Client(
        live_app.url + "/staff/", auth=(STAFF_USER, STAFF_PASSWORD), verbose=False, download_files=False
    )
    yield client
    client.close()


def test_chat_endpoint_answers_with_citation_chips(gradio: Client) -> None:
    job = gradio.submit("职业技能提升补贴怎么申请？", NOTICE, [], api_name="/ask")
    textbox, history, chips, status = job.result()
    # no update writes the box: the page empties it in the browser as the question is sent, and
    # what the user types after that is theirs (tests/ui/test_browser_usability.py)
    assert all(update[0] == {"__type__": "update"} for update in job.outputs())
    assert textbox == {"__type__": "update"}
    assert history[0]["role"] == "user" and history[-1]["role"] == "assistant"
    answer = history[-1]["content"]
    text = answer if isinstance(answer, str) else str(answer)
    assert "职业技能提升补贴" in text
    assert "pa-chip" in chips and "（十三）" in chips and "落实经费保障" in chips
    assert status == ""


def test_chat_endpoint_shows_question_errors(gradio: Client) -> None:
    _, history, _, _ = gradio.predict("   ", "", [], api_name="/ask")
    assert "问题是空的" in str(history[-1]["content"])


def test_console_search_highlights_terms(staff: Client) -> None:
    html = staff.predict("职业技能提升补贴", 5, "", api_name="/search")
    assert "<mark>" in html and "（十三）" in html


def test_console_draft_lists_the_articles(staff: Client, live_app: LiveApp) -> None:
    before = len(live_app.pipeline.recorder.recent(1000))  # type: ignore[attr-defined]
    draft = staff.predict("职业技能提升补贴怎么申请？", NOTICE, api_name="/draft")
    assert "依据：" in draft and "第（十三）条" in draft
    after = len(live_app.pipeline.recorder.recent(1000))  # type: ignore[attr-defined]
    assert after == before, "an operator's draft is not a citizen's turn"


def test_channel_endpoints_of_the_pages(gradio: Client, staff: Client) -> None:
    shown, _ = gradio.predict(NOTICE, "数字技术工程师培育项目有经费资助吗？", "", api_name="/leave_message")
    assert "查询码" in shown
    code = shown.split("pa-leave-code' class='pa-code'>")[1].split("<")[0]
    assert "待处理" in gradio.predict(code, api_name="/read_reply")
    assert "没有找到这个查询码" in gradio.predict("ABCD-EFGH-JKMN-PQRS", api_name="/read_reply")
    counts, table = staff.predict("new", "", api_name="/messages")
    assert "待处理" in counts and any("数字技术工程师培育项目" in str(row) for row in table["data"])


def test_console_recent_turns_are_masked_with_feedback(gradio: Client, staff: Client) -> None:
    gradio.predict("我的电话13912345678，职业技能提升补贴怎么申请？", NOTICE, [], api_name="/ask")
    status, _ = gradio.predict("", api_name="/feedback_down")
    assert "感谢反馈" in status
    recent = staff.predict(api_name="/recent")  # cards that wrap at any width
    assert "class='pa-turn'" in recent and "问：" in recent
    assert "13912345678" not in recent and "〔" in recent and "👎" in recent
    assert "《上海市加快数字技术技能人才培育支撑数字经济发展实施方案" not in recent  # no title in every row


# Issue 15: the latest turns and feedback comments are staff data.
def test_the_citizens_page_has_no_staff_endpoints(gradio: Client) -> None:
    named = set(gradio.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/feedback_up", "/feedback_down", "/clear"} <= named
    assert not named & set(STAFF_ENDPOINTS), named
    for name in STAFF_ENDPOINTS:
        with pytest.raises(ValueError):
            gradio.predict(api_name=name)


def test_every_staff_endpoint_needs_sign_in(live_app: LiveApp) -> None:
    with pytest.raises(ValueError):  # gradio_client cannot even read the staff page's API
        Client(live_app.url + "/staff/", verbose=False, download_files=False)
    with pytest.raises(Exception, match="(?i)invalid credentials|login"):
        Client(live_app.url + "/staff/", auth=(STAFF_USER, "wrong"), verbose=False, download_files=False)
    with httpx.Client(base_url=live_app.url, timeout=30) as http:
        for method, path in (
            ("GET", "/staff/config"),
            ("GET", "/staff/gradio_api/info"),
            ("POST", "/staff/gradio_api/queue/join"),
            ("POST", "/staff/gradio_api/run/recent"),
            ("POST", "/staff/gradio_api/call/recent"),
            ("POST", "/staff/gradio_api/api/recent"),
            ("GET", "/staff/gradio_api/queue/data?session_hash=x"),
            ("POST", "/staff/gradio_api/upload"),
        ):
            r = http.request(method, path, json={"data": [], "fn_index": 0, "session_hash": "x"})
            assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
            assert "登录" in r.json()["detail"]
        page = http.get("/staff/", headers={"accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].endswith("/staff/login")
        form = http.get("/staff/login")
        assert form.status_code == 200 and "工作人员登录" in form.text
        wrong = http.post("/staff/login", data={"username": STAFF_USER, "password": "x"})
        assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
        ok = http.post("/staff/login", data={"username": STAFF_USER, "password": STAFF_PASSWORD})
        assert ok.status_code == 200 and http.cookies.get("pa_staff")
        assert http.get("/staff/config").status_code == 200
        token = http.cookies["pa_staff"]
        http.get("/staff/logout")
        http.cookies.clear()
        # signing out ends the session on the server: the old cookie opens nothing
        assert http.get("/staff/config", headers={"cookie": f"pa_staff={token}"}).status_code == 401
