"""The consultation channel's citizen and staff API over real HTTP (httpx against uvicorn on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from channel.passwords import hash_password
from channel.store import ChannelStore
from tests.ui.conftest import ADMIN_TOKEN, ThreadedServer, make_settings

pytestmark = pytest.mark.slow

TITLE = "上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)"


OPERATOR, REVIEWER, ADMIN = "op-zhang", "rv-li", "ad-wu"
PASSWORD = "channel-test-password-1"


@pytest.fixture(scope="module")
def channel_settings(tmp_path_factory: pytest.TempPathFactory, ui_corpus: Path) -> Settings:
    """Its own database, 3 messages per client an hour, and 127.0.0.1 as a trusted proxy so each
    test can be another client (X-Forwarded-For); three staff accounts, one per role."""
    settings = make_settings(
        tmp_path_factory.mktemp("channel-data"),
        ui_corpus,
        channel_messages_per_hour=3,
        trusted_proxies="127.0.0.1",
    )
    store = ChannelStore(settings.resolved_log_url)
    for name, role in ((OPERATOR, "operator"), (REVIEWER, "reviewer"), (ADMIN, "admin")):
        store.add_user(name, hash_password(PASSWORD), role)
    store.close()
    return settings


@pytest.fixture(scope="module")
def channel_url(channel_settings: Settings, ui_pipeline: object) -> Iterator[str]:
    from ui.app import create_app

    with ThreadedServer(create_app(ui_pipeline, channel_settings)) as server:  # type: ignore[arg-type]
        yield server.url


def client(url: str, address: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, headers={"X-Forwarded-For": address})


def test_leave_a_message_and_read_it_by_code(channel_url: str) -> None:
    with client(channel_url, "10.0.0.1") as http:
        left = http.post(
            "/api/messages",
            json={
                "document": TITLE,
                "question": "职业技能提升补贴每级多少钱？身份证310101199001011234",
                "contact": "13812345678",
            },
        )
        assert left.status_code == 201, left.text
        body = left.json()
        assert body["code"] in body["message"] and body["document"] == f"《{TITLE}》"
        found = http.post("/api/messages/lookup", json={"code": body["code"]})
        assert found.status_code == 200
        view = found.json()
        assert view["status"] == "new" and view["replies"] == []
        assert "310101199001011234" not in found.text and "13812345678" not in found.text
        wrong = http.post("/api/messages/lookup", json={"code": "ABCD-EFGH-JKMN-PQRS"})
        assert wrong.status_code == 404 and wrong.json() == {
            "detail": "没有找到这个查询码对应的留言：请核对查询码（16 位字母和数字，可带短横线）。"
        }


def test_bad_messages_get_clear_chinese_answers(channel_url: str) -> None:
    with client(channel_url, "10.0.0.2") as http:
        cases = [
            ({"question": "补贴怎么申请？"}, 422, "请注明政策性文件名称"),
            (
                {"document": "上海市居住证积分管理办法", "question": "补贴怎么申请？"},
                422,
                "不是本服务收录的政策文件",
            ),
            ({"document": TITLE, "question": ""}, 422, "请填写要咨询的问题"),
            ({"document": TITLE, "question": "今天上海天气怎么样？"}, 422, "只接收对该政策性文件的相关咨询"),
            ({"document": TITLE, "question": "补" * 1200}, 422, "留言太长"),
            ({"document": TITLE, "question": 5}, 422, "格式不正确"),
        ]
        for payload, status, text in cases:
            answer = http.post("/api/messages", json=payload)
            assert answer.status_code == status, (payload, answer.text)
            assert text in answer.json()["detail"], answer.text
        assert http.post("/api/messages/lookup", json={}).status_code == 422


def test_duplicates_and_rate_per_client(channel_url: str) -> None:
    with client(channel_url, "10.0.0.3") as http:
        payload = {"document": "sh-digital-talent-2024", "question": "数字技术工程师培育项目有资助吗？"}
        assert http.post("/api/messages", json=payload).status_code == 201
        again = http.post("/api/messages", json=payload)
        assert again.status_code == 409 and "已经提交过相同的留言" in again.json()["detail"]
        for question in ("方案有效期到什么时候？", "职业技能提升补贴怎么申请？"):
            assert http.post("/api/messages", json={**payload, "question": question}).status_code == 201
        busy = http.post("/api/messages", json={**payload, "question": "首席技师怎么评？"})
        assert busy.status_code == 429 and "留言过于频繁" in busy.json()["detail"]
    with client(channel_url, "10.0.0.4") as other:  # another citizen is not held back
        assert (
            other.post("/api/messages", json={**payload, "question": "首席技师怎么评？"}).status_code == 201
        )


def test_openapi_documents_the_channel(channel_url: str) -> None:
    paths = httpx.get(channel_url + "/openapi.json", timeout=30).json()["paths"]
    assert {"/api/messages", "/api/messages/lookup"} <= set(paths)


def sign_in(http: httpx.Client, name: str, password: str = PASSWORD) -> dict[str, str]:
    answer = http.post("/api/staff/login", json={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_staff_api_needs_sign_in_and_refuses_wrong_passwords(channel_url: str) -> None:
    with client(channel_url, "10.0.1.1") as http:
        for path in ("/api/staff/messages", "/api/staff/messages/1", "/api/staff/audit", "/api/staff/users"):
            refused = http.get(path)
            assert refused.status_code == 401 and "请先登录" in refused.json()["detail"], path
            assert http.get(path, headers={"Authorization": "Bearer made-up"}).status_code == 401
        for name, password in ((OPERATOR, "wrong-password-123"), ("nobody", PASSWORD), (OPERATOR, "")):
            wrong = http.post("/api/staff/login", json={"username": name, "password": password})
            assert wrong.status_code == 401 and wrong.json()["detail"] == "用户名或密码不正确。"


def test_operator_answers_and_closes_a_message(channel_url: str) -> None:
    with client(channel_url, "10.0.1.2") as http:
        left = http.post(
            "/api/messages",
            json={
                "document": TITLE,
                "question": "职业技能提升补贴怎么申请？能拿多少钱？",
                "contact": "微信 zhang-1990",
            },
        ).json()
        headers = sign_in(http, OPERATOR)
        queue = http.get("/api/staff/messages", params={"status": "new"}, headers=headers).json()
        assert queue["counts"]["new"] >= 1
        mine = [m for m in queue["messages"] if m["question"] == "职业技能提升补贴怎么申请？能拿多少钱？"]
        assert mine and mine[0]["contact"] != "微信 zhang-1990"  # masked in the list
        opened = http.get(f"/api/staff/messages/{mine[0]['id']}", headers=headers).json()
        assert (
            opened["message"]["status"] == "in_progress" and opened["message"]["contact"] == "微信 zhang-1990"
        )
        draft = opened["draft"]
        assert not draft["refused"] and any(c["article"] == "（十三）" for c in draft["citations"])
        quote = next(c["quote"] for c in draft["citations"] if c["article"] == "（十三）")
        bad = http.post(
            f"/api/staff/messages/{mine[0]['id']}/reply",
            json={
                "text": "每人五千元。",
                "citations": [
                    {"doc_id": "sh-digital-talent-2024", "article": "（十三）", "quote": "每人补贴5000元"}
                ],
            },
            headers=headers,
        )
        assert bad.status_code == 422 and "原文不一致" in bad.json()["detail"]
        reply = {
            "text": "按方案第（十三）条可以享受职业技能提升补贴；补贴标准以市人社局公布的目录为准。",
            "citations": [{"doc_id": "sh-digital-talent-2024", "article": "（十三）", "quote": quote}],
            "sources": [
                {
                    "title": "上海市职业技能提升补贴目录",
                    "issuer": "上海市人力资源和社会保障局",
                    "reference": "https://rsj.sh.gov.cn/",
                    "date": "2024-03-01",
                }
            ],
        }
        answered = http.post(f"/api/staff/messages/{mine[0]['id']}/reply", json=reply, headers=headers)
        assert answered.status_code == 200, answered.text
        assert answered.json()["message"]["status"] == "answered"
        seen = http.post("/api/messages/lookup", json={"code": left["code"]}).json()
        assert seen["status_text"] == "已答复" and seen["replies"][0]["sources"][0]["date"] == "2024-03-01"
        assert seen["replies"][0]["citations"][0]["quote"] == quote and OPERATOR not in str(seen)
        closed = http.post(f"/api/staff/messages/{mine[0]['id']}/close", headers=headers)
        assert closed.json()["message"]["status"] == "closed"
        assert http.post("/api/staff/logout", headers=headers).status_code == 200
        assert http.get("/api/staff/messages", headers=headers).status_code == 401  # the session ended


def test_roles_and_the_audit_trail(channel_url: str) -> None:
    with client(channel_url, "10.0.1.3") as http:
        operator = sign_in(http, OPERATOR)
        for method, path, body in (
            ("GET", "/api/staff/audit", None),
            ("GET", "/api/staff/users", None),
            ("POST", "/api/staff/users", {"name": "x", "password": "a-long-password-2", "role": "admin"}),
        ):
            denied = http.request(method, path, json=body, headers=operator)
            assert denied.status_code == 403 and "需要管理员（admin）角色" in denied.json()["detail"], path
        assert http.get("/api/staff/messages", headers=sign_in(http, REVIEWER)).status_code == 200
        admin = sign_in(http, ADMIN)
        added = http.post(
            "/api/staff/users",
            json={"name": "op-new", "password": "a-long-password-2", "role": "operator"},
            headers=admin,
        )
        assert added.status_code == 201
        weak = http.post("/api/staff/users", json={"name": "op-weak", "password": "123"}, headers=admin)
        assert weak.status_code == 422 and "密码至少" in weak.json()["detail"]
        new_session = sign_in(http, "op-new", "a-long-password-2")
        assert http.post("/api/staff/users/op-new/disable", headers=admin).status_code == 200
        assert (
            http.get("/api/staff/messages", headers=new_session).status_code == 401
        )  # disabled: session gone
        wrong = http.post("/api/staff/login", json={"username": "op-new", "password": "a-long-password-2"})
        assert wrong.status_code == 401
        token_admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}  # the admin token keeps working
        events = http.get("/api/staff/audit", params={"limit": 200}, headers=token_admin).json()
        actions = {(e["actor"], e["action"]) for e in events}
        assert {
            (OPERATOR, "login"),
            (OPERATOR, "denied"),
            (ADMIN, "user.add"),
            (ADMIN, "user.disable"),
        } <= actions
        assert ("op-new", "login.refused") in actions
        assert all("password" not in str(e["detail"]) for e in events)


def test_bad_input_never_reaches_a_server_error(channel_url: str) -> None:
    with client(channel_url, "10.0.2.1") as http:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        cases: list[tuple[str, str, dict[str, object]]] = [
            (
                "POST",
                "/api/messages",
                {"json": {"document": TITLE, "question": "\ud800补贴\x00怎么申请？\u202e"}},
            ),
            ("POST", "/api/messages", {"json": {"document": "\ud800", "question": "补贴"}}),
            (
                "POST",
                "/api/messages",
                {"json": {"document": TITLE, "question": "补贴怎么申请", "contact": "\ud800" * 50}},
            ),
            (
                "POST",
                "/api/messages",
                {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
            ),
            ("POST", "/api/messages/lookup", {"json": {"code": "\ud800" * 19}}),
            ("POST", "/api/messages/lookup", {"json": {"code": "A" * 100_000}}),
            ("GET", f"/api/staff/messages/{10**30}", {"headers": admin}),
            ("GET", "/api/staff/messages/-1", {"headers": admin}),
            ("GET", "/api/staff/messages?status=gone", {"headers": admin}),
            ("POST", f"/api/staff/messages/{2**63}/close", {"headers": admin}),
            (
                "POST",
                "/api/staff/messages/1/reply",
                {
                    "headers": admin,
                    "json": {"text": "x", "citations": [{"doc_id": "\ud800", "article": "\ud800"}]},
                },
            ),
            ("POST", "/api/staff/login", {"json": {"username": "\ud800", "password": "\ud800"}}),
            (
                "POST",
                "/api/staff/users",
                {"headers": admin, "json": {"name": "\ud800x", "password": "\ud800" * 20}},
            ),
        ]
        for method, path, options in cases:
            if "json" in options:  # lone surrogates go as JSON escapes, as a broken client sends them
                body = json.dumps(options.pop("json")).encode()
                headers = {**dict(options.pop("headers", {})), "content-type": "application/json"}  # type: ignore[call-overload]
                options = {**options, "content": body, "headers": headers}
            answer = http.request(method, path, **options)  # type: ignore[arg-type]
            assert answer.status_code < 500, (path, answer.status_code, answer.text[:200])
            if answer.status_code == 201:  # the lone surrogate and control characters were removed
                assert "\\ud800" not in answer.text
                continue
            assert answer.status_code >= 400
            assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["detail"]), answer.text[:200]


def test_reviewer_publishes_and_the_next_citizen_sees_it_beside_the_article(channel_url: str) -> None:
    with client(channel_url, "10.0.3.1") as http:
        left = http.post(
            "/api/messages", json={"document": TITLE, "question": "首席技师工作室建设有经费支持吗？"}
        ).json()
        operator = sign_in(http, OPERATOR)
        queue = http.get("/api/staff/messages", params={"status": "new"}, headers=operator).json()
        [message] = [m for m in queue["messages"] if m["question"] == "首席技师工作室建设有经费支持吗？"]
        opened = http.get(f"/api/staff/messages/{message['id']}", headers=operator).json()
        cited = [
            {"doc_id": c["doc_id"], "article": c["article"], "quote": c["quote"]}
            for c in opened["draft"]["citations"]
        ]
        assert cited, opened["draft"]
        source = {
            "title": "首席技师工作室资助办法",
            "issuer": "上海市人力资源和社会保障局",
            "reference": "沪人社规〔2024〕9号",
            "date": "2024-05-01",
        }
        reply = {
            "text": "方案支持首席技师工作室建设，资助标准见市人社局办法。",
            "citations": cited,
            "sources": [source],
        }
        assert (
            http.post(f"/api/staff/messages/{message['id']}/reply", json=reply, headers=operator).status_code
            == 200
        )
        body = {"phrasings": ["首席技师工作室能拿到多少资助"]}
        denied = http.post(f"/api/staff/messages/{message['id']}/publish", json=body, headers=operator)
        assert denied.status_code == 403 and "审核员（reviewer）" in denied.json()["detail"]
        reviewer = sign_in(http, REVIEWER)
        published = http.post(f"/api/staff/messages/{message['id']}/publish", json=body, headers=reviewer)
        assert published.status_code == 201, published.text
        reviewed = published.json()
        assert (
            reviewed["valid_until"] == "2026-12-31"
            and reviewed["version"] == 1
            and reviewed["reviewer"] == REVIEWER
        )

        asked = http.post("/api/ask", json={"question": "首席技师工作室能拿到多少资助？"}).json()
        assert asked["citations"], "the document's articles are still cited"
        [beside] = asked["reviewed_answers"]
        assert (
            beside["label"] == "人工审核答复" and beside["sources"][0]["reference"] == "沪人社规〔2024〕9号"
        )
        assert "reviewer" not in beside and REVIEWER not in str(beside)
        unrelated = http.post("/api/ask", json={"question": "数字技术工程师培育项目怎么报名？"}).json()
        assert unrelated["reviewed_answers"] == []

        # /v1 shows it the same way: after the answer and its cited articles, labelled, never instead
        completion = http.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "首席技师工作室能拿到多少资助？"}]},
        ).json()
        content = completion["choices"][0]["message"]["content"]
        assert completion["citations"] and "【人工审核答复】" in content and "以文件原文为准" in content
        assert content.index("《上海市加快数字技术技能人才培育") < content.index("【人工审核答复】")
        assert "沪人社规〔2024〕9号" in content and REVIEWER not in content
        [extra] = completion["policy_assistant"]["reviewed_answers"]
        assert extra == beside
        chunks = []
        with http.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "stream": True,
                "messages": [{"role": "user", "content": "首席技师工作室能拿到多少资助？"}],
            },
        ) as streamed:
            for line in streamed.iter_lines():
                if line.startswith("data: {"):
                    chunks.append(json.loads(line.removeprefix("data: ")))
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        assert text == content and chunks[-1]["policy_assistant"]["reviewed_answers"] == [beside]
        plain = http.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "数字技术工程师培育项目怎么报名？"}]},
        ).json()
        assert "人工审核答复" not in plain["choices"][0]["message"]["content"]
        assert plain["policy_assistant"]["reviewed_answers"] == []

        # edited by a reviewer (a number not in its sources refused, nothing changed), not by an operator
        edit = {
            "question": reviewed["question"],
            "phrasings": ["首席技师工作室能拿到多少资助"],
            "answer": "每个工作室资助50万元。",
        }
        assert (
            http.patch(f"/api/staff/reviewed/{reviewed['id']}", json=edit, headers=operator).status_code
            == 403
        )
        refused = http.patch(f"/api/staff/reviewed/{reviewed['id']}", json=edit, headers=reviewer)
        assert refused.status_code == 422 and "数字 50" in refused.json()["detail"]
        edit["answer"] = "资助标准见市人社局沪人社规〔2024〕9号。"
        edited = http.patch(f"/api/staff/reviewed/{reviewed['id']}", json=edit, headers=reviewer)
        assert edited.status_code == 200 and edited.json()["version"] == 2
        again = http.post("/api/ask", json={"question": "首席技师工作室能拿到多少资助？"}).json()
        assert again["reviewed_answers"][0]["answer"] == edit["answer"]

        withdrawn = http.post(f"/api/staff/reviewed/{reviewed['id']}/withdraw", headers=reviewer)
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        again = http.post("/api/ask", json={"question": "首席技师工作室能拿到多少资助？"}).json()
        assert again["reviewed_answers"] == []
        versions = http.get(f"/api/staff/reviewed/{reviewed['id']}/versions", headers=operator).json()
        assert [v["change"] for v in versions] == ["publish", "edit", "withdraw"]
        assert versions[1]["changed_by"] == REVIEWER and versions[1]["changed_at"]
        v1 = http.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "首席技师工作室能拿到多少资助？"}]},
        )
        assert "人工审核答复" not in v1.json()["choices"][0]["message"]["content"]  # withdrawn: not shown
        assert http.post("/api/messages/lookup", json={"code": left["code"]}).json()["status"] == "answered"


def test_an_expired_session_is_refused(channel_settings: Settings, channel_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from ui.staff_accounts import token_hash

    store = ChannelStore(channel_settings.resolved_log_url)
    store.add_session(
        token_hash("expired-token"), OPERATOR, "operator", datetime.now(UTC) - timedelta(minutes=1)
    )
    store.add_session(
        token_hash("live-token"), OPERATOR, "operator", datetime.now(UTC) + timedelta(minutes=5)
    )
    store.close()
    with client(channel_url, "10.0.4.1") as http:
        expired = http.get("/api/staff/messages", headers={"Authorization": "Bearer expired-token"})
        assert expired.status_code == 401 and "会话过期需重新登录" in expired.json()["detail"]
        assert (
            http.get("/api/staff/messages", headers={"Authorization": "Bearer live-token"}).status_code == 200
        )
        # the staff pages take the same sessions: an expired cookie is sent to the sign-in form
        page = http.get("/staff/", headers={"accept": "text/html"}, cookies={"pa_staff": "expired-token"})
        assert page.status_code == 303 and page.headers["location"].endswith("/staff/login")


def test_faq_import_by_a_reviewer_with_a_per_line_report(channel_url: str) -> None:
    rows = [
        {
            "document": "sh-digital-talent-2024",
            "question": "数字技能大赛获奖有什么奖励？",
            "answer": "见第（十三）条。",
            "articles": ["（十三）"],
        },
        {"document": "sh-digital-talent-2024", "question": "没有依据", "answer": "答复"},
    ]
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    with client(channel_url, "10.0.5.1") as http:
        body = {"format": "jsonl", "content": content}
        denied = http.post("/api/staff/reviewed/import", json=body, headers=sign_in(http, OPERATOR))
        assert denied.status_code == 403
        report = http.post("/api/staff/reviewed/import", json=body, headers=sign_in(http, REVIEWER))
        assert report.status_code == 200, report.text
        assert report.json()["imported"] == 1
        assert report.json()["errors"] == [
            {"line": 2, "error": "需要注明依据：条款（articles）或外部来源（source_title 等四项）"}
        ]
        empty = http.post(
            "/api/staff/reviewed/import",
            json={"format": "csv", "content": ""},
            headers=sign_in(http, REVIEWER),
        )
        assert empty.status_code == 422 and "文件是空的" in empty.json()["detail"]


def test_admin_api_takes_an_admin_session_as_well_as_the_token(channel_url: str) -> None:
    with client(channel_url, "10.0.6.1") as http:
        path = "/api/admin/log/export"
        assert http.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
        assert http.get(path, headers=sign_in(http, ADMIN)).status_code == 200
        operator = http.get(path, headers=sign_in(http, OPERATOR))
        assert operator.status_code == 401
        assert http.get(path).status_code == 401


def test_admin_resets_passwords_and_enables_users_over_http(channel_url: str) -> None:
    with client(channel_url, "10.0.7.1") as http:
        admin, operator = sign_in(http, ADMIN), sign_in(http, OPERATOR)
        body = {"name": "op-reset", "password": "first-password-1", "role": "operator"}
        assert http.post("/api/staff/users", json=body, headers=admin).status_code == 201
        old_session = sign_in(http, "op-reset", "first-password-1")
        new = {"password": "second-password-2"}
        denied = http.post("/api/staff/users/op-reset/password", json=new, headers=operator)
        assert denied.status_code == 403 and "需要管理员（admin）角色" in denied.json()["detail"]
        weak = http.post("/api/staff/users/op-reset/password", json={"password": "short"}, headers=admin)
        assert weak.status_code == 422 and "密码至少" in weak.json()["detail"]
        assert (
            http.get("/api/staff/me", headers=old_session).status_code == 200
        )  # a refused reset changes nothing
        reset = http.post("/api/staff/users/op-reset/password", json=new, headers=admin)
        assert reset.status_code == 200 and "会话已结束" in reset.json()["message"]
        assert http.get("/api/staff/me", headers=old_session).status_code == 401
        assert (
            http.post(
                "/api/staff/login", json={"username": "op-reset", "password": "first-password-1"}
            ).status_code
            == 401
        )
        sign_in(http, "op-reset", "second-password-2")
        missing = http.post("/api/staff/users/nobody/password", json=new, headers=admin)
        assert missing.status_code == 404 and "没有用户" in missing.json()["detail"]
        own = http.post(f"/api/staff/users/{ADMIN}/disable", headers=admin)
        assert own.status_code == 409 and "不能停用自己" in own.json()["detail"]
        assert http.post("/api/staff/users/op-reset/disable", headers=admin).status_code == 200
        assert http.post("/api/staff/users/op-reset/enable", headers=operator).status_code == 403
        assert http.post("/api/staff/users/op-reset/enable", headers=admin).status_code == 200
        sign_in(http, "op-reset", "second-password-2")
        events = http.get("/api/staff/audit", params={"limit": 100}, headers=admin).json()
        actions = [(e["actor"], e["action"], e["target"]) for e in events]
        for action in ("user.password", "user.disable", "user.enable"):
            assert (ADMIN, action, "user:op-reset") in actions


def _page(url: str, name: str) -> Any:
    from gradio_client import Client

    return Client(url + "/staff/", auth=(name, PASSWORD), verbose=False, download_files=False)


def test_the_staff_pages_check_roles_on_the_server(
    channel_settings: Settings, channel_url: str, tmp_path: Path
) -> None:
    """The page's own endpoints, called over HTTP as an operator (who never sees the 管理 tab):
    every admin and reviewer action is refused by the server, audited, and changes nothing."""
    from gradio_client import handle_file

    operator, reviewer, admin = (
        _page(channel_url, OPERATOR),
        _page(channel_url, REVIEWER),
        _page(channel_url, ADMIN),
    )
    users, _, refusal, events = operator.predict("", api_name="/users")
    assert (
        "没有权限" in refusal
        and "管理员（admin）" in refusal
        and users["data"] == []
        and events["data"] == []
    )
    refusal = operator.predict("op-sneaky", "admin", "sneaky-password-1", api_name="/add_user")[0]
    assert "没有权限" in refusal
    for api, args in (("/reset_user", (REVIEWER, "taken-over-pass-1")), ("/disable_user", (REVIEWER, ""))):
        assert "没有权限" in operator.predict(*args, api_name=api)[0], api
    audit, refusal = operator.predict("", api_name="/audit")
    assert "没有权限" in refusal and audit["data"] == []
    faq = tmp_path / "faq.csv"
    faq.write_text(
        "document,question,answer,articles\nsh-digital-talent-2024,问,见第（五）条。,（五）\n",
        encoding="utf-8",
    )
    assert "没有权限" in operator.predict(handle_file(str(faq)), api_name="/import_reviewed")[0]
    assert "没有权限" in operator.predict("问", "", "答", "", api_name="/edit_reviewed")[0]
    assert "没有权限" in operator.predict(api_name="/withdraw_reviewed")[0]
    store = ChannelStore(channel_settings.resolved_log_url)
    try:
        assert store.user("op-sneaky") is None and store.user(REVIEWER).disabled is False  # type: ignore[union-attr]
        denied = [e for e in store.audit_events(50, OPERATOR) if e.action == "denied"]
        assert {"添加用户", "重设密码", "导入审核答复", "修改审核答复"} <= {
            e.detail.get("action") for e in denied
        }
    finally:
        store.close()
    with client(channel_url, "10.0.8.1") as http:
        sign_in(http, REVIEWER)  # the refused reset changed no password

    # a reviewer may import but not manage users; an admin may do both
    assert "没有权限" in reviewer.predict("", api_name="/users")[2]
    message, _ = reviewer.predict(handle_file(str(faq)), api_name="/import_reviewed")
    assert "已导入 1 条" in message
    refusal = admin.predict("op-page", "operator", "page-password-1", api_name="/add_user")[0]
    assert "已添加用户 op-page" in refusal
    users, choices, _, events = admin.predict("", api_name="/users")
    assert users["data"][[r[0] for r in users["data"]].index("op-page")][:3] == [
        "op-page",
        "坐席（operator）",
        "正常",
    ]
    assert any(
        row[1] == ADMIN and row[2] == "添加用户" and row[3] == "用户 op-page" for row in events["data"]
    )
    assert any(row[1] == OPERATOR and row[2] == "越权操作被拒" for row in events["data"])
    assert "已停用用户 op-page" in admin.predict("op-page", "", api_name="/disable_user")[0]
    assert "不能停用自己" in admin.predict(ADMIN, "", api_name="/disable_user")[0]
