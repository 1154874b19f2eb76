"""`policy-assistant serve` operated as a deployment would (issue 18, item 5): real processes.

A busy port, readiness before and after the index exists, request logs on stderr, and a graceful
shutdown that lets an answer in progress finish.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.llm.fake_server import FakeOpenAIServer, Reply
from tests.ui.conftest import free_port

pytestmark = pytest.mark.slow

SERVE = [sys.executable, "-c", "from ui.cli import app; app()", "serve", "--host", "127.0.0.1"]
ROOT = Path(__file__).resolve().parents[2]


def serve_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_", "OPENAI_"))}
    env.update({"POLICY_DATA_DIR": str(data), "POLICY_EMBEDDINGS": "hash", "NO_COLOR": "1", "COLUMNS": "300"})
    env.update(extra)
    return env


def start(tmp_path: Path, port: int, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*SERVE, "--port", str(port)],
        env=serve_env(tmp_path / "data", **extra),
        cwd=tmp_path,
        stdout=(tmp_path / "out.txt").open("wb"),
        stderr=(tmp_path / "err.txt").open("wb"),
    )


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=10)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_a_busy_port_is_said_in_chinese_before_any_work_or_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*SERVE, "--port", str(port)],
            env=serve_env(tmp_path / "data"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode != 0
    assert f"端口 {port} 已被占用" in result.stderr and "--port" in result.stderr
    assert "http://" not in result.stdout and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "data" / "index").exists()  # nothing was built for a server that cannot start


def test_make_run_takes_a_port() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=7999"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    assert "serve --port 7999" in dry.stdout


def test_ready_only_once_the_index_exists(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(tmp_path, port)
    try:
        seen: list[tuple[int, int]] = []  # (healthz, readyz) status codes, in order
        first_not_ready: dict[str, object] = {}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                live = httpx.get(f"{url}/healthz", timeout=5).status_code
                ready = httpx.get(f"{url}/readyz", timeout=5)
            except httpx.HTTPError:
                time.sleep(0.1)
                continue
            seen.append((live, ready.status_code))
            if ready.status_code == 503 and not first_not_ready:
                first_not_ready = ready.json()
                index_then = (tmp_path / "data" / "index" / "manifest.json").exists()
            if ready.status_code == 200:
                body = ready.json()
                break
            time.sleep(0.1)
        assert seen and seen[-1] == (200, 200), (seen[-5:], read(tmp_path / "err.txt")[-2000:])
        assert all(live == 200 for live, _ in seen)  # alive all along, also while preparing
        assert first_not_ready, "readiness was never seen false: the server listened only once ready"
        assert not index_then  # not ready while there was no index
        assert first_not_ready["ready"] is False and "索引" in str(first_not_ready["reason"])
        assert (tmp_path / "data" / "index" / "manifest.json").exists()
        assert body["ready"] is True and body["checks"]["index"]["ok"] and body["checks"]["database"]["ok"]

        answer = httpx.post(f"{url}/api/ask", json={"question": "职业技能提升补贴怎么申请？"}, timeout=60)
        assert answer.status_code == 200 and answer.json()["citations"]
        rid = answer.headers["x-request-id"]
        page = httpx.get(f"{url}/docs", timeout=30)
        assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    finally:
        code = stop(process)
    assert code == 0
    out, err = read(tmp_path / "out.txt"), read(tmp_path / "err.txt")
    assert out.index("索引完成") < out.index("http://127.0.0.1")  # the banner once ready
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    asked = [entry for entry in lines if entry.get("request_id") == rid]
    assert asked and asked[0]["path"] == "/api/ask" and asked[0]["status"] == 200
    assert {entry["status"] for entry in lines if entry.get("path") == "/readyz"} == {200, 503}
    assert "职业技能" not in err and "Traceback" not in err


def test_a_graceful_shutdown_finishes_the_answer_in_progress(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeOpenAIServer() as fake:
        process = start(
            tmp_path,
            port,
            POLICY_LLM_BASE_URL=fake.base_url,
            POLICY_LLM_API_KEY="test",
            POLICY_LLM_MODEL="fake-model",
            POLICY_LLM_TIMEOUT="15",
            POLICY_LLM_RETRIES="0",
        )
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                pytest.fail("serve did not become ready: " + read(tmp_path / "err.txt")[-2000:])
            fake.enqueue(Reply.stall(4.0))  # the chat model takes 4 s to answer
            result: dict[str, object] = {}

            def ask() -> None:
                started = time.monotonic()
                try:
                    r = httpx.post(
                        f"{url}/api/ask", json={"question": "职业技能提升补贴怎么申请？"}, timeout=60
                    )
                    result["status"], result["body"] = r.status_code, r.json()
                except httpx.HTTPError as exc:
                    result["error"] = repr(exc)
                result["seconds"] = time.monotonic() - started

            asking = threading.Thread(target=ask)
            asking.start()
            deadline = time.monotonic() + 30
            while not fake.requests and time.monotonic() < deadline:  # the answer is under way
                time.sleep(0.05)
            assert fake.requests, "the question never reached the chat model"
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(httpx.HTTPError):  # no new connections once stopping
                httpx.get(f"{url}/healthz", timeout=2)
            asking.join(timeout=60)
            code = process.wait(timeout=60)
        finally:
            stop(process)
    assert "error" not in result, result
    assert result["status"] == 200 and float(str(result["seconds"])) >= 3.5
    body = result["body"]
    assert isinstance(body, dict) and body["answer"] and body["turn_id"] is not None  # answered and stored
    assert code == 0


def test_workers_serve_one_port_each_and_stop_together(tmp_path: Path) -> None:
    first = free_port()
    while True:  # two free ports in a row
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", first + 1))
                break
            except OSError:
                first = free_port()
    process = subprocess.Popen(
        [*SERVE, "--port", str(first), "--workers", "2"],
        env=serve_env(tmp_path / "data"),
        cwd=tmp_path,
        stdout=(tmp_path / "out.txt").open("wb"),
        stderr=(tmp_path / "err.txt").open("wb"),
        start_new_session=True,
    )
    urls = [f"http://127.0.0.1:{first}", f"http://127.0.0.1:{first + 1}"]

    def ready(url: str) -> bool:
        try:
            return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        deadline = time.monotonic() + 300
        while not all(ready(u) for u in urls):
            assert process.poll() is None and time.monotonic() < deadline, read(tmp_path / "err.txt")[-2000:]
            time.sleep(0.5)
        for url in urls:
            r = httpx.post(f"{url}/api/ask", json={"question": "职业技能提升补贴怎么申请？"}, timeout=60)
            assert r.status_code == 200 and r.json()["citations"]
        assert "2 个进程" in read(tmp_path / "out.txt")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=120)
    assert code == 0
    left = "?"
    for _ in range(40):  # no app process outlives the supervisor
        left = subprocess.run(
            ["pgrep", "-s", str(process.pid)], capture_output=True, text=True
        ).stdout.strip()
        if not left:
            break
        time.sleep(0.25)
    assert left == ""
