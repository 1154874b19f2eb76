"""Isolation against the real server: no one reads another's turns or rates another's answers,
and the staff data is behind staff sign-in — for the JSON API, the OpenAI API and gradio alike."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client

from tests.probe.conftest import STAFF, Served

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_conversations_and_feedback_are_the_askers_own(http: httpx.Client) -> None:
    mine = http.post(
        "/api/ask",
        json={"question": "我叫张三丰，职业技能提升补贴怎么申请？", "conversation_id": "guessable"},
    ).json()
    assert mine["conversation_id"] != "guessable" and len(mine["conversation_id"]) == 32
    theirs = http.post(
        "/api/ask", json={"question": "那需要什么条件？", "conversation_id": "guessable"}
    ).json()
    assert theirs["rewritten_question"] == "" and "张三" not in str(theirs)
    for turn_id in range(1, mine["turn_id"] + 1):  # walking the sequential ids rates nothing
        r = http.post(
            "/api/feedback",
            json={"turn_id": turn_id, "rating": -1, "conversation_id": theirs["conversation_id"]},
        )
        assert r.status_code in (200, 404)
        assert r.status_code == 404 or turn_id == theirs["turn_id"]
    done = http.post(
        "/v1/chat/completions", json={"messages": [{"role": "user", "content": "数字技术工程师是什么？"}]}
    ).json()
    ids = done["policy_assistant"]
    assert (
        http.post(
            "/api/feedback", json={**{k: ids[k] for k in ("turn_id", "conversation_id")}, "rating": 1}
        ).status_code
        == 200
    )


def test_staff_data_needs_staff_sign_in(served: Served) -> None:
    citizen = Client(served.url + "/", verbose=False, download_files=False)
    named = set(citizen.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert not named & {"/recent", "/search", "/draft", "/article", "/evaluate", "/filter_results"}
    with pytest.raises(ValueError):
        citizen.predict(api_name="/recent")
    with pytest.raises(ValueError):
        Client(served.url + "/staff/", verbose=False, download_files=False)
    for path in ("/staff/gradio_api/info", "/staff/config", "/staff/gradio_api/run/recent"):
        r = httpx.post(served.url + path, json={"data": []}, timeout=30)
        assert r.status_code in (401, 405) and r.status_code != 200, (path, r.status_code)
    staff = Client(served.url + "/staff/", auth=STAFF, verbose=False, download_files=False)
    recent = staff.predict(api_name="/recent")  # the latest turns, as cards
    assert "class='pa-recent'" in recent or "还没有咨询记录" in recent, recent[:200]
    citizen.close()
    staff.close()
