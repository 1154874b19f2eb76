"""The JSON API against a real server: answers with citations, articles, search, feedback, admin, limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.ui.conftest import ADMIN_TOKEN, XSS_DOC, LiveApp, ThreadedServer, make_settings

pytestmark = pytest.mark.slow

NOTICE = "sh-digital-talent-2024"


def test_ask_answers_with_a_verified_citation_and_ids(api: httpx.Client) -> None:
    r = api.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？", "doc_id": NOTICE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"answer", "refused", "mode", "citations", "latency_ms", "conversation_id", "turn_id"}
    assert body["mode"] == "extractive" and body["refused"] is False
    assert any(c["article"] == "（十三）" for c in body["citations"])
    assert "职业技能提升补贴" in body["answer"]
    assert isinstance(body["turn_id"], int)


def test_feedback_is_bound_to_the_conversation_of_the_turn(api: httpx.Client) -> None:
    """Issue 15: anyone could rate any turn by its sequential id."""
    mine = api.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？", "doc_id": NOTICE}).json()
    other = api.post("/api/ask", json={"question": "数字技术工程师是什么？", "doc_id": NOTICE}).json()
    assert mine["conversation_id"] != other["conversation_id"]
    # another conversation's id, no id, a made-up id: all as unknown as a turn that does not exist
    for conversation_id in (other["conversation_id"], "made-up", None):
        body = {"turn_id": mine["turn_id"], "rating": -1, "conversation_id": conversation_id}
        r = api.post("/api/feedback", json={k: v for k, v in body.items() if v is not None})
        assert r.status_code in (404, 422), r.text
        assert "没有找到这条回答" in r.json()["detail"] or "缺少对话编号" in r.json()["detail"]
    ok = {"turn_id": mine["turn_id"], "rating": 1, "conversation_id": mine["conversation_id"]}
    assert api.post("/api/feedback", json=ok).status_code == 200
    # an id past any integer the database holds is a 4xx in Chinese, not a 503
    huge = {**ok, "turn_id": 10**30}
    r = api.post("/api/feedback", json=huge)
    assert r.status_code == 422 and "回答编号" in r.json()["detail"]


def test_a_client_chosen_conversation_id_is_never_shared(api: httpx.Client) -> None:
    """Issue 15: a second client posting with the same id got the first client's context."""
    chosen = "shared-by-two-clients"
    first = api.post(
        "/api/ask",
        json={"question": "职业技能提升补贴怎么申请？", "conversation_id": chosen, "doc_id": NOTICE},
    ).json()
    assert first["conversation_id"] != chosen  # the server issues the id
    second = api.post(
        "/api/ask", json={"question": "那需要什么条件？", "conversation_id": chosen, "doc_id": NOTICE}
    ).json()
    assert second["conversation_id"] not in (chosen, first["conversation_id"])
    assert second["rewritten_question"] == ""  # a fresh conversation: nothing of the first one
    # even knowing the issued id is the only way in: the first client follows up in its own
    third = api.post(
        "/api/ask",
        json={"question": "那需要什么条件？", "conversation_id": first["conversation_id"], "doc_id": NOTICE},
    ).json()
    assert (
        third["conversation_id"] == first["conversation_id"]
        and "职业技能提升补贴" in third["rewritten_question"]
    )


def test_follow_up_uses_the_conversation_id(api: httpx.Client) -> None:
    first = api.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？", "doc_id": NOTICE}).json()
    second = api.post(
        "/api/ask",
        json={"question": "那需要什么条件？", "conversation_id": first["conversation_id"], "doc_id": NOTICE},
    ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert second["rewritten_question"], "the follow-up should be read with the previous turn"


def test_empty_question_is_422_with_the_question_error_message(api: httpx.Client) -> None:
    r = api.post("/api/ask", json={"question": "   "})
    assert r.status_code == 422
    assert "问题是空的" in r.json()["detail"]
    r = api.post("/api/ask", json={"question": "？？？"})
    assert r.status_code == 422 and "没有看懂" in r.json()["detail"]


def test_malformed_body_gets_a_chinese_message(api: httpx.Client) -> None:
    r = api.post("/api/ask", json={"q": "x"})
    assert r.status_code == 422
    assert "缺少问题" in r.json()["detail"]


def test_too_long_question_and_too_large_body(live_app: LiveApp, api: httpx.Client) -> None:
    limit = live_app.settings.max_question_chars
    r = api.post("/api/ask", json={"question": "补贴" * limit + "吗"})
    assert r.status_code == 422 and "问题太长" in r.json()["detail"]
    r = api.post(
        "/api/ask",
        content=b'{"question": "' + b"a" * (live_app.settings.max_body_bytes + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and "请求内容过大" in r.json()["detail"]


def test_unknown_document_is_404(api: httpx.Client) -> None:
    r = api.post("/api/ask", json={"question": "补贴怎么申请", "doc_id": "no-such-doc"})
    assert r.status_code == 404 and "no-such-doc" in r.json()["detail"]


def test_search_ranks_articles(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "职业技能提升补贴", "k": 3, "doc_id": NOTICE})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert 1 <= len(hits) <= 3
    assert "（十三）" in [h["article"] for h in hits]
    assert hits == sorted(hits, key=lambda h: -h["score"])
    assert api.get("/api/search", params={"q": "？"}).status_code == 422


def test_search_says_how_an_english_query_was_read(api: httpx.Client) -> None:
    r = api.get("/api/search", params={"q": "vocational skill improvement subsidy", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert "补贴" in body["reading"]["english"]["subsidy"]
    assert "subsidy" in body["reading"]["words"] and "英文对照" in body["reading"]["summary"]
    assert "（十三）" in [h["article"] for h in body["hits"]]


def test_documents_list_metadata(api: httpx.Client) -> None:
    docs = {d["doc_id"]: d for d in api.get("/api/documents").json()}
    notice = docs[NOTICE]
    assert notice["issuer"] == "上海市人力资源和社会保障局"
    assert notice["validity"] == "2024–2026年" and notice["valid_to"] == 2026
    assert notice["articles"] > 10


@pytest.mark.parametrize("label", ["（十三）", "(十三)", "十三"])
def test_article_by_label_in_either_bracket_form(api: httpx.Client, label: str) -> None:
    r = api.get(f"/api/documents/{NOTICE}/articles/{quote(label)}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["article"] == "（十三）" and body["heading"] == "落实经费保障"
    assert "职业技能提升补贴" in body["text"]


def test_unknown_article_is_404(api: httpx.Client) -> None:
    r = api.get(f"/api/documents/{NOTICE}/articles/{quote('（九十九）')}")
    assert r.status_code == 404 and "九十九" in r.json()["detail"]


def test_feedback_reaches_the_log(live_app: LiveApp, api: httpx.Client) -> None:
    turn = api.post("/api/ask", json={"question": "数字技术工程师培育项目是什么？", "doc_id": NOTICE}).json()
    ids = {"turn_id": turn["turn_id"], "conversation_id": turn["conversation_id"]}
    r = api.post("/api/feedback", json={**ids, "rating": -1, "comment": "电话13812345678"})
    assert r.status_code == 200 and r.json()["ok"] is True
    logged = {t.id: t for t in live_app.pipeline.recorder.recent(50)}  # type: ignore[attr-defined]
    feedback = logged[turn["turn_id"]].feedback
    assert [f.rating for f in feedback] == [-1]
    assert "13812345678" not in feedback[0].comment  # masked
    missing = {"turn_id": 10**9, "conversation_id": turn["conversation_id"], "rating": 1}
    assert api.post("/api/feedback", json=missing).status_code == 404
    assert api.post("/api/feedback", json={**ids, "rating": 5}).status_code == 422


def test_xss_text_stays_text_in_json(api: httpx.Client) -> None:
    payload = "<img src=x onerror=alert(1)> 补贴怎么申请"
    r = api.post("/api/ask", json={"question": payload})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = next(d for d in api.get("/api/documents").json() if d["doc_id"] == XSS_DOC)
    assert doc["title"] == '网页安全测试<script>alert("corpus")</script>管理办法'  # data, verbatim, as JSON
    article = api.get(f"/api/documents/{XSS_DOC}/articles/{quote('第一条')}").json()
    assert "<script>" in article["text"]


def test_admin_endpoints_need_the_token(api: httpx.Client) -> None:
    assert api.post("/api/admin/reindex").status_code == 401
    wrong = api.get("/api/admin/log/export", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "POLICY_ADMIN_TOKEN" in wrong.json()["detail"]
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    api.post("/api/ask", json={"question": "我的手机号13812345678，补贴怎么申请？", "doc_id": NOTICE})
    export = api.get("/api/admin/log/export", params={"format": "jsonl"}, headers=auth)
    assert export.status_code == 200 and int(export.headers["x-turns"]) >= 1
    assert "13812345678" not in export.text and "补贴" in export.text
    csv = api.get("/api/admin/log/export", params={"format": "csv"}, headers=auth)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    reindex = api.post("/api/admin/reindex", headers=auth)
    assert reindex.status_code == 200, reindex.text
    assert NOTICE in reindex.json()["documents"]
    after = api.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？", "doc_id": NOTICE})
    assert after.status_code == 200 and after.json()["citations"]


@pytest.fixture(scope="module")
def limited(
    tmp_path_factory: pytest.TempPathFactory, ui_corpus: Path, ui_pipeline: Pipeline
) -> Iterator[tuple[str, Settings]]:
    """A second API-only server: admin token unset, a tight rate limit."""
    from ui.app import create_app

    settings = make_settings(
        tmp_path_factory.mktemp("limited"),
        ui_corpus,
        admin_token=None,
        rate_limit_per_minute=6,
        rate_limit_burst=3,
    )
    with ThreadedServer(create_app(ui_pipeline, settings, with_ui=False)) as server:
        yield server.url, settings


def test_admin_without_configured_token_is_403(limited: tuple[str, Settings]) -> None:
    url, _ = limited
    r = httpx.post(f"{url}/api/admin/reindex", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 403
    assert "POLICY_ADMIN_TOKEN" in r.json()["detail"]


def test_rate_limit_answers_429_with_retry_after(limited: tuple[str, Settings]) -> None:
    url, _ = limited
    codes = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(6):
            r = client.get("/api/documents")
            codes.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["retry-after"]) >= 1
                assert "请求过于频繁" in r.json()["detail"]
    assert 429 in codes and codes[0] == 200


# Issue 15: the rate limit trusted X-Forwarded-For from any peer; the page's ask had no limit.
def test_a_rotated_forwarded_header_does_not_get_a_fresh_bucket(limited: tuple[str, Settings]) -> None:
    url, _ = limited
    codes = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(8):
            r = client.get("/api/documents", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            codes.append(r.status_code)
    assert codes.count(200) <= 4 and 429 in codes, codes


@pytest.fixture(scope="module")
def behind_proxy(
    tmp_path_factory: pytest.TempPathFactory, ui_corpus: Path, ui_pipeline: Pipeline
) -> Iterator[str]:
    """An API-only server whose only trusted proxy is 127.0.0.2 (a second loopback address)."""
    from ui.app import create_app

    settings = make_settings(
        tmp_path_factory.mktemp("proxied"),
        ui_corpus,
        rate_limit_per_minute=6,
        rate_limit_burst=3,
        trusted_proxies="127.0.0.2",
    )
    with ThreadedServer(create_app(ui_pipeline, settings, with_ui=False)) as server:
        yield server.url


def test_forwarded_clients_are_told_apart_only_behind_a_configured_proxy(behind_proxy: str) -> None:
    proxy = httpx.HTTPTransport(local_address="127.0.0.2")

    def statuses(client: httpx.Client, forwarded: str, n: int) -> list[int]:
        return [
            client.get("/api/documents", headers={"X-Forwarded-For": forwarded}).status_code for _ in range(n)
        ]

    with httpx.Client(base_url=behind_proxy, transport=proxy, timeout=30) as via_proxy:
        first = statuses(via_proxy, "203.0.113.5", 5)
        assert first[:3] == [200, 200, 200] and first[-1] == 429, first
        # another real client behind the same proxy has its own bucket; a spoofed hop before the
        # client's own address (what the client itself wrote) changes nothing
        assert statuses(via_proxy, "203.0.113.6", 1) == [200]
        assert statuses(via_proxy, "10.9.9.9, 203.0.113.5", 1) == [429]
    with httpx.Client(base_url=behind_proxy, timeout=30) as direct:
        # 127.0.0.1 is not a trusted proxy: its header is ignored, it is counted as itself
        direct_codes = statuses(direct, "203.0.113.77", 5)
        assert direct_codes[:3] == [200, 200, 200] and direct_codes[-1] == 429, direct_codes
