from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throwaway PostgreSQL server on 127.0.0.1 (initdb + pg_ctl in a temp dir) that a test can
    stop and start again (to take the log's database away and give it back)."""

    def __init__(self) -> None:
        bindir = _pg_bin()
        if bindir is None:
            pytest.skip("PostgreSQL binaries not found (apt-get install -y postgresql)")
        self.root = os.geteuid() == 0
        if self.root and shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is missing; initdb refuses to run as root")
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if self.root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(bindir / "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *args: str | Path) -> None:
        command = [str(a) for a in args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._run(
            self.bindir / "pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "30",
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.base} -F",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        time.sleep(0.1)

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 for the session."""
    server = PostgresServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        server.remove()


@pytest.fixture()
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, started; the test may stop and start it."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
            server.stop()
        server.remove()
