"""Faults while serving: the log's data folder deleted, the log database gone at shutdown and back
after a restart, mixed load — no turn lost, and what could not be written is said loudly."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from tests.log.conftest import PostgresServer
from tests.probe.conftest import ADMIN_TOKEN, CLI, Served, start_serve

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _exported(url: str) -> list[dict[str, object]]:
    r = httpx.get(f"{url}/api/admin/log/export", params={"format": "jsonl"}, headers=AUTH, timeout=60)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def test_deleting_the_data_dir_while_serving_loses_no_later_turn(tmp_path: Path) -> None:
    server = start_serve(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？"}).status_code == 200
            shutil.rmtree(server.data_dir)  # the index is in memory; the log's folder is gone
            questions = [f"第{n}个问题：数字技术工程师培育项目怎么参加？" for n in range(5)]
            for question in questions:
                r = http.post("/api/ask", json={"question": question})
                assert r.status_code == 200 and r.json()["citations"], r.text
        stored = [t["question"] for t in _exported(server.url)]
        assert stored[-5:] == questions, stored  # the log made its folder again and wrote each one
    finally:
        output = server.stop()
    assert "Traceback" not in output


def test_log_database_gone_at_shutdown_then_back(tmp_path: Path) -> None:
    """PostgreSQL stops while the server answers and is still down when the server stops: the
    answers are served, the turns go to disk with a loud message, and once the database is back
    they are written — none lost, none twice."""
    pg = PostgresServer()
    pg.start()
    try:
        server = start_serve(tmp_path, POLICY_LOG_URL=pg.url)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.post("/api/ask", json={"question": "职业技能提升补贴怎么申请？"}).status_code == 200
            pg.stop()
            questions = [f"数据库停机时的第{n}个问题：创业担保贷款怎么申请？" for n in range(3)]
            for question in questions:
                r = http.post("/api/ask", json={"question": question})
                assert r.status_code == 200 and r.json()["answer"], r.text
                assert r.json()["turn_id"] is None  # not stored yet
        output = server.stop()
        assert "3 条对话记录未能写入日志数据库" in output, output[-3000:]
        spool = server.data_dir / "log-spool" / "unwritten-turns.jsonl"
        assert len(spool.read_text(encoding="utf-8").splitlines()) == 3
        pg.start()
        exported = subprocess.run(
            [CLI, "log", "export", "--format", "jsonl"], env=server.env, capture_output=True, timeout=120
        )
        assert exported.returncode == 0, exported.stderr.decode("utf-8", "replace")
        stored = [json.loads(line)["question"] for line in exported.stdout.decode("utf-8").splitlines()]
        assert stored == ["职业技能提升补贴怎么申请？", *questions]
        assert not spool.exists()
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop()
        pg.remove()


def test_mixed_load_every_turn_is_stored(served: Served) -> None:
    before = len(_exported(served.url))
    errors: list[str] = []
    sent = {"n": 0}
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            with httpx.Client(base_url=served.url, timeout=120) as http:
                for k in range(4):
                    question = f"并发{n}-{k}：职业技能提升补贴怎么申请？"
                    if k % 2:
                        r = http.post(
                            "/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}
                        )
                    else:
                        r = http.post("/api/ask", json={"question": question})
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:200]}")
                    with lock:
                        sent["n"] += 1
            page = Client(served.url + "/", verbose=False, download_files=False)
            page.predict(f"并发{n}：数字技术工程师是什么？", "", [], api_name="/ask")
            page.close()
            with lock:
                sent["n"] += 1
        except Exception as exc:  # a failed client is a finding, reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert sent["n"] == 12 * 5
    assert len(_exported(served.url)) - before == sent["n"]  # requests sent = turns stored
