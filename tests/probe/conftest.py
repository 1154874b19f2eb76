"""The probe suite (issue 15): the product probed as an outsider would, on 127.0.0.1 only.

One real ``policy-assistant serve`` process per module that needs it (hash embeddings, a temp
data dir, a chat model on the scriptable fake OpenAI server, staff and admin accounts set), its
stdout and stderr kept in files so a test can read what the server printed. Every request goes
to loopback addresses; nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from assistant.llm.fake_server import FakeOpenAIServer
from corpus.loader import default_corpus_dir
from tests.ui.conftest import browser, free_port  # noqa: F401 - the browser fixture, shared

ADMIN_TOKEN = "probe-admin-token"
STAFF = ("probe-staff", "probe-staff-password")
CLI = str(Path(sys.executable).parent / "policy-assistant")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's POLICY_/OPENAI_ settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICY_", "OPENAI_"))}
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"})
    env.update(extra)
    return env


@dataclass
class Served:
    """A running ``policy-assistant serve`` and where its output goes."""

    url: str
    env: dict[str, str]
    data_dir: Path
    out: Path
    process: subprocess.Popen[bytes]
    log: list[str] = field(default_factory=list)

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 60) -> str:
        """Stop it as an operator would (SIGTERM: a graceful shutdown) and return its output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.output()


def copy_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in default_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


def start_serve(root: Path, **settings: str) -> Served:
    """``policy-assistant serve`` on a free loopback port, ready to answer (the index is built first)."""
    port = free_port()
    data = root / "data"
    defaults = {
        "POLICY_DATA_DIR": str(data),
        "POLICY_CORPUS_DIR": str(copy_corpus(root / "corpus")),
        "POLICY_EMBEDDINGS": "hash",
        "POLICY_ADMIN_TOKEN": ADMIN_TOKEN,
        "POLICY_STAFF_ACCOUNTS": f"{STAFF[0]}:{STAFF[1]}",
        "POLICY_RATE_LIMIT_PER_MINUTE": "0",
    }
    env = clean_env(**{**defaults, **settings})
    out = root / "serve-output.txt"
    handle = out.open("wb")
    process = subprocess.Popen(
        [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {out.read_text(encoding='utf-8', errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return Served(url, env, data, out, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("serve did not come up within 180 s")


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeOpenAIServer) -> Iterator[Served]:
    """The product in chat-model mode (the fake endpoint), as a deployment would run it."""
    server = start_serve(
        tmp_path_factory.mktemp("probe"),
        POLICY_LLM_BASE_URL=fake_llm.base_url,
        POLICY_LLM_API_KEY="probe",
        POLICY_LLM_MODEL="fake-model",
        POLICY_LLM_TIMEOUT="5",
        POLICY_LLM_RETRIES="0",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60) as client:
        yield client
