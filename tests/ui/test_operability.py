"""Liveness, readiness, request ids and logs, offline /docs, the starting app (issue 18, item 5).

In-process (FastAPI's TestClient over the session's hash-embedded pipeline); the real `serve`
processes are in test_serve_ops.py.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.log import ConversationLog
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.ui.conftest import free_port, make_settings
from ui.app import create_app
from ui.requestlog import LOGGER, JsonLines
from ui.starting import starting_app


@pytest.fixture()
def client(ui_settings: Settings, ui_pipeline: Pipeline) -> Iterator[TestClient]:
    with TestClient(create_app(ui_pipeline, ui_settings, with_ui=False)) as c:
        yield c


@pytest.fixture()
def request_log() -> Iterator[io.StringIO]:
    """The request log's JSON lines, as `serve` writes them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger(LOGGER)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_liveness_and_readiness_when_everything_is_there(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] is True and body["reason"] == ""
    assert body["checks"]["index"]["ok"] and "索引可用" in body["checks"]["index"]["detail"]
    assert body["checks"]["database"]["ok"]


def test_not_ready_without_an_index(tmp_path: Path, ui_corpus: Path, ui_pipeline: Pipeline) -> None:
    settings = make_settings(tmp_path / "empty", ui_corpus)  # no manifest under this data dir
    with TestClient(create_app(ui_pipeline, settings, with_ui=False)) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["ready"] is False
    assert "索引尚未建立" in r.json()["reason"] and not r.json()["checks"]["index"]["ok"]


def test_not_ready_while_the_database_cannot_be_reached(ui_settings: Settings, ui_pipeline: Pipeline) -> None:
    closed = free_port()  # nothing listens there: connection refused at once
    down = ConversationLog(f"postgresql+psycopg://policy:s3cret@127.0.0.1:{closed}/policy")
    with TestClient(create_app(ui_pipeline, ui_settings, log=down, with_ui=False)) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert not body["checks"]["database"]["ok"] and body["checks"]["index"]["ok"]
    assert "日志数据库" in body["reason"] and str(closed) in body["reason"]
    assert "s3cret" not in r.text  # the password is never shown


def test_not_ready_while_the_chroma_server_is_down(
    ui_corpus: Path, ui_settings: Settings, ui_pipeline: Pipeline
) -> None:
    settings = ui_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": free_port()})
    with TestClient(create_app(ui_pipeline, settings, with_ui=False)) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and "Chroma" in r.json()["reason"]


def test_every_response_has_a_request_id_and_one_json_log_line(
    client: TestClient, request_log: io.StringIO
) -> None:
    mine = client.get("/api/documents", headers={"X-Request-ID": "lb-0123456789"})
    assert mine.headers["x-request-id"] == "lb-0123456789"  # a sensible caller's id is kept
    made_up = client.get("/api/documents", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made_up.headers["x-request-id"])
    fresh = client.get("/api/nowhere")
    assert fresh.status_code == 404 and re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    assert (
        len({mine.headers["x-request-id"], made_up.headers["x-request-id"], fresh.headers["x-request-id"]})
        == 3
    )

    lines = [json.loads(line) for line in request_log.getvalue().splitlines()]
    assert [entry["request_id"] for entry in lines] == [
        "lb-0123456789",
        made_up.headers["x-request-id"],
        fresh.headers["x-request-id"],
    ]
    first = lines[0]
    assert first["event"] == "request" and first["method"] == "GET" and first["path"] == "/api/documents"
    assert first["route"] == "/api/documents" and first["status"] == 200
    assert first["duration_ms"] >= 0 and first["bytes"] > 0 and first["ts"].endswith("+00:00")
    assert lines[2]["status"] == 404


def test_the_request_log_holds_no_personal_data(client: TestClient, request_log: io.StringIO) -> None:
    phone, id_card = "13812345678", "310101199001011234"
    client.get("/api/search", params={"q": f"我的手机{phone}，身份证{id_card}，能领补贴吗"})
    client.get(f"/api/documents/{phone}/articles/{id_card}")
    client.post("/api/ask", json={"question": f"我叫张三，电话{phone}，职业技能提升补贴怎么申请？"})
    text = request_log.getvalue()
    assert len(text.splitlines()) == 3
    for secret in (phone, id_card, "张三", "补贴", "q="):
        assert secret not in text
    assert "/api/documents/〔手机号〕/articles/" in text  # the path is masked, not dropped
    for entry in map(json.loads, text.splitlines()):
        assert set(entry) <= {
            "ts",
            "level",
            "logger",
            "event",
            "request_id",
            "method",
            "path",
            "route",
            "status",
            "duration_ms",
            "bytes",
        }


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert not re.search(r"(src|href|url)\s*[=:]\s*['\"]?(https?:)?//", page.text)  # nothing from elsewhere
    assets = re.findall(r"(?:src|href)=\"(/docs/assets/[^\"]+)\"", page.text)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200 and len(r.content) > 1000, asset
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    spec = client.get("/openapi.json").json()
    assert "/readyz" in spec["paths"] and "/healthz" in spec["paths"]


def test_the_starting_app_is_alive_but_not_ready() -> None:
    with TestClient(starting_app()) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
        assert ready.json()["ready"] is False and "索引" in ready.json()["reason"]
        api = c.post("/api/ask", json={"question": "补贴？"})
        assert api.status_code == 503 and "服务正在启动" in api.json()["detail"]
        assert api.headers["x-request-id"]
        page = c.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "正在启动" in page.text and 'http-equiv="refresh"' in page.text


def test_a_busy_port_is_reported_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli.serve_cmd import listen

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            listen("127.0.0.1", port)
    assert stopped.value.code == 1
    message = " ".join(capsys.readouterr().err.split())
    assert f"端口 {port} 已被占用" in message.replace("\n", "")


def test_graceful_shutdown_waits_for_a_chat_model_answer() -> None:
    assert Settings(_env_file=None).graceful_shutdown_seconds == 10  # type: ignore[call-arg]
    llm = Settings(_env_file=None, llm_base_url="http://127.0.0.1:1/v1", llm_timeout=20)  # type: ignore[call-arg]
    assert llm.graceful_shutdown_seconds == 25
    assert Settings(_env_file=None, shutdown_timeout=3).graceful_shutdown_seconds == 3  # type: ignore[call-arg]
