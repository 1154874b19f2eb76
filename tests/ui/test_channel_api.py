"""The consultation channel's citizen API over real HTTP (httpx against uvicorn on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import ThreadedServer, make_settings

pytestmark = pytest.mark.slow

TITLE = "上海市加快数字技术技能人才培育支撑数字经济发展实施方案(2024-2026年)"


@pytest.fixture(scope="module")
def channel_url(
    tmp_path_factory: pytest.TempPathFactory, ui_corpus: Path, ui_pipeline: object
) -> Iterator[str]:
    """An app of its own: its own database, 3 messages per client an hour, and 127.0.0.1 as a
    trusted proxy so each test can be another client (X-Forwarded-For)."""
    from ui.app import create_app

    settings = make_settings(
        tmp_path_factory.mktemp("channel-data"),
        ui_corpus,
        channel_messages_per_hour=3,
        trusted_proxies="127.0.0.1",
    )
    with ThreadedServer(create_app(ui_pipeline, settings)) as server:  # type: ignore[arg-type]
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
