from __future__ import annotations

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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (initdb + pg_ctl in a temp dir)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found (apt-get install -y postgresql)")
    root = os.geteuid() == 0
    if root and shutil.which("runuser") is None:
        pytest.skip("running as root and runuser is missing; initdb refuses to run as root")
    base = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data = base / "data"
    port = _free_port()

    def run(*args: str | Path) -> None:
        command = [str(a) for a in args]
        if root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    if root:
        shutil.chown(base, "postgres", "postgres")
    run(bindir / "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(
        bindir / "pg_ctl", "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "30",
        "-o", f"-h 127.0.0.1 -p {port} -k {base} -F",
        "start",
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(bindir / "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
