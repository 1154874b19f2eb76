"""Stateless app processes (issue 18, item 1), with real processes: two `policy-assistant serve`
on two ports — two machines in miniature — sharing one PostgreSQL, one `chroma run` server and
one index folder, all started by the test.

One API conversation whose turns alternate between the two keeps its follow-up context; the
per-client rate limit counts across both; a re-index through one is served by the other.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.index.conftest import chroma_server  # noqa: F401  (the real `chroma run` fixture)
from tests.log.conftest import PostgresServer
from tests.ui.conftest import ADMIN_TOKEN, free_port
from tests.ui.test_serve_ops import SERVE, read, serve_env, stop

pytestmark = pytest.mark.slow

HOUSING = """浦东新区人才安居补贴办法
第一条 为吸引人才在浦东新区安居，制定本办法。
第二条 人才安居补贴发放对象为在浦东新区工作的高层次人才，按月发放租房补贴。
第三条 申请人才安居补贴，应当向区人才服务中心提交申请材料。
"""
BURST = 30


@pytest.fixture()
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.remove()


def _ready(url: str) -> dict[str, object] | None:
    try:
        r = httpx.get(f"{url}/readyz", timeout=5)
    except httpx.HTTPError:
        return None
    return r.json() if r.status_code == 200 else None


def _ask(url: str, question: str, conversation_id: str | None, client: str) -> dict[str, object]:
    body: dict[str, object] = {"question": question}
    if conversation_id:
        body["conversation_id"] = conversation_id
    r = httpx.post(f"{url}/api/ask", json=body, headers={"X-Forwarded-For": client}, timeout=60)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_two_processes_share_conversations_rate_limits_and_the_index(
    tmp_path: Path,
    corpus_copy: Path,
    postgres: PostgresServer,
    chroma_server: tuple[str, int],  # noqa: F811
) -> None:
    host, chroma_port = chroma_server
    env = {
        "POLICY_CORPUS_DIR": str(corpus_copy),
        "POLICY_LOG_URL": postgres.url,
        "POLICY_CHROMA_HOST": host,
        "POLICY_CHROMA_PORT": str(chroma_port),
        "POLICY_COLLECTION": f"scale-out-{time.monotonic_ns()}",
        "POLICY_ADMIN_TOKEN": ADMIN_TOKEN,
        "POLICY_INDEX_CHECK_SECONDS": "1",
        "POLICY_TRUSTED_PROXIES": "127.0.0.1",  # the test plays the proxy: X-Forwarded-For names clients
        "POLICY_RATE_LIMIT_PER_MINUTE": "1",
        "POLICY_RATE_LIMIT_BURST": str(BURST),
    }
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    processes = []
    for name, port in zip("ab", ports, strict=True):
        folder = tmp_path / name
        folder.mkdir()
        processes.append(
            subprocess.Popen(
                [*SERVE, "--port", str(port)],
                env=serve_env(tmp_path / "data", **env),  # one index folder, as on a shared volume
                cwd=folder,
                stdout=(folder / "out.txt").open("wb"),
                stderr=(folder / "err.txt").open("wb"),
            )
        )
    a, b = urls
    try:
        deadline = time.monotonic() + 300
        while not all(_ready(u) for u in urls):  # both started at once: their builds took turns
            for name, process in zip("ab", processes, strict=True):
                assert process.poll() is None, read(tmp_path / name / "err.txt")[-3000:]
            assert time.monotonic() < deadline, "the two processes were not ready within 300 s"
            time.sleep(0.5)

        # one conversation, its turns alternating between the processes
        first = _ask(a, "职业技能提升补贴怎么申请？", None, "10.0.0.1")
        conversation = str(first["conversation_id"])
        follow = _ask(b, "那需要什么条件？", conversation, "10.0.0.1")
        assert follow["conversation_id"] == conversation  # b knows the conversation a started
        assert "职业技能提升补贴" in str(follow["rewritten_question"])  # read in a's context
        assert any(c["article"] == "（十三）" for c in follow["citations"])  # type: ignore[index,union-attr]
        third = _ask(a, "还有别的补贴吗？", conversation, "10.0.0.1")
        assert third["conversation_id"] == conversation and third["rewritten_question"]
        # the control: the same follow-up without the conversation is read on its own
        alone = _ask(b, "那需要什么条件？", None, "10.0.0.1")
        assert alone["conversation_id"] != conversation and "职业技能" not in str(alone["rewritten_question"])
        # an id neither process issued is never adopted
        made_up = _ask(b, "那需要什么条件？", "0" * 32, "10.0.0.1")
        assert made_up["conversation_id"] != "0" * 32 and "职业技能" not in str(made_up["rewritten_question"])

        # the rate limit counts one client's requests on both processes together
        statuses = [
            httpx.get(
                f"{urls[i % 2]}/api/documents", headers={"X-Forwarded-For": "10.0.0.2"}, timeout=30
            ).status_code
            for i in range(BURST + 1)
        ]
        assert statuses[:BURST] == [200] * BURST and statuses[BURST] == 429

        # a re-index through a is served by b
        before = _ready(b)
        assert before is not None and before["index_generation"]
        (corpus_copy / "pudong-housing-2024.txt").write_text(HOUSING, encoding="utf-8")
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Forwarded-For": "10.0.0.3"}
        r = httpx.post(f"{a}/api/admin/reindex", headers=auth, timeout=300)
        assert r.status_code == 200 and "pudong-housing-2024" in r.json()["documents"], r.text
        built = _ready(a)
        assert built is not None and built["index_generation"] != before["index_generation"]
        deadline = time.monotonic() + 120
        while (now := _ready(b)) is None or now["index_generation"] != built["index_generation"]:
            assert time.monotonic() < deadline, "b never switched to the index a built"
            time.sleep(0.5)
        found = httpx.get(
            f"{b}/api/search",
            params={"q": "人才安居补贴怎么申请", "k": 3},
            headers={"X-Forwarded-For": "10.0.0.3"},
            timeout=30,
        )
        assert found.status_code == 200 and found.json()["hits"][0]["doc_id"] == "pudong-housing-2024", (
            found.text
        )
        # the conversation is still there after the switch
        after = _ask(b, "那需要什么条件？", conversation, "10.0.0.1")
        assert after["conversation_id"] == conversation

        # every turn reached the shared log, under one conversation id for the alternating ones
        export = httpx.get(f"{b}/api/admin/log/export", headers=auth, timeout=60)
        turns = [line for line in export.text.splitlines() if conversation in line]
        assert export.status_code == 200 and len(turns) == 4
    finally:
        codes = [stop(p) for p in processes]
    assert codes == [0, 0]
    for name in "ab":
        assert "Traceback" not in read(tmp_path / name / "err.txt")
