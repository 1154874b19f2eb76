"""``make load DEPLOY=.deploy``: scale-out and a fault run against the local deployment.

Reads ``DIR/deploy.env`` written by ``scripts/deploy-local.sh`` (the proxy, the proxy's port for
the first app process alone, the app ports, the supervisor's pid, the PostgreSQL URL). Runs, one
after the other, all through the same nginx:

1. one app process (``ONE_URL``);
2. all ``WORKERS`` app processes (``PROXY_URL``);
3. the fault run: all of them, ``fault_turns`` turns per session, and ``fault_after`` seconds in
   the last app process is killed (SIGKILL, as a crash); the supervisor starts it again, and the
   run waits until it is ready before it ends.

For each: throughput, p50/p95, client errors, requests sent and turns stored (rows the
conversation log's ``turns`` table gained), answered turns whose id is missing from the log, and
the 1-minute load average before and after (this machine's two cores are shared).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from evals.benchmarks.load import LoadReport, check_loopback, run_load


@dataclass(frozen=True)
class RunFigures:
    name: str
    processes: int
    load: LoadReport
    turns_stored: int
    answered_missing_from_log: int
    load_average_before: float
    load_average_after: float
    stopped_pid: int | None = None
    back_ready_seconds: float | None = None


def read_env(folder: Path) -> dict[str, str]:
    path = folder / "deploy.env"
    if not path.exists():
        raise SystemExit(f"没有找到 {path}：请先运行 make deploy-local（或 scripts/deploy-local.sh start）")
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def listeners(port: int) -> set[int]:
    """Pids of the processes holding the listening socket of ``port`` (``ss -ltnp``)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True)
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out.stdout)}


class LogCounter:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def count(self) -> int:
        with self.engine.connect() as db:
            return int(db.execute(text("SELECT count(*) FROM turns")).scalar_one())

    def missing(self, ids: list[int]) -> int:
        if not ids:
            return 0
        with self.engine.connect() as db:
            found = (
                db.execute(text("SELECT id FROM turns WHERE id = ANY(:ids)"), {"ids": ids}).scalars().all()
            )
        return len(set(ids) - set(found))


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def measure(
    name: str,
    url: str,
    processes: int,
    log: LogCounter,
    sessions: int,
    turns: int,
    deadline: float,
    addresses: str,
    stop: tuple[int, int, float] | None = None,
) -> RunFigures:
    """``stop``: (port, supervisor pid, seconds) — kill that port's app process after the seconds."""
    stopped: dict[str, float | int] = {}

    async def kill_one() -> None:
        assert stop is not None
        port, supervisor, after = stop
        await asyncio.sleep(after)
        pids = listeners(port) - {supervisor}
        if not pids:
            raise SystemExit(f"端口 {port} 上没有找到应用进程")
        pid = pids.pop()
        os.kill(pid, signal.SIGKILL)
        stopped["pid"], stopped["at"] = pid, time.monotonic()

    load_before = os.getloadavg()[0]
    before = log.count()  # the warm-up request adds one turn: counted below
    turn_ids: list[int] = []
    report = asyncio.run(
        run_load(url, sessions, turns, deadline, turn_ids, addresses, kill_one if stop is not None else None)
    )
    back: float | None = None
    if stop is not None:
        app = f"http://127.0.0.1:{stop[0]}"
        limit = time.monotonic() + 300
        while not _ready(app) and time.monotonic() < limit:
            time.sleep(0.5)
        back = round(time.monotonic() - float(stopped["at"]), 1) if _ready(app) else None
    time.sleep(1.0)  # nothing is written late (turns are recorded before the answer), but be fair
    stored = log.count() - before - 1
    return RunFigures(
        name=name,
        processes=processes,
        load=report,
        turns_stored=stored,
        answered_missing_from_log=log.missing(turn_ids),
        load_average_before=round(load_before, 2),
        load_average_after=round(os.getloadavg()[0], 2),
        stopped_pid=int(stopped["pid"]) if "pid" in stopped else None,
        back_ready_seconds=back,
    )


def run_deploy(
    folder: Path,
    sessions: int,
    turns: int,
    fault_turns: int,
    fault_after: float,
    deadline: float,
    as_json: bool,
) -> int:
    env = read_env(folder)
    proxy, one = check_loopback(env["PROXY_URL"]), check_loopback(env["ONE_URL"])
    workers, first_port, supervisor = int(env["WORKERS"]), int(env["APP_PORT"]), int(env["APP_PID"])
    for url in (proxy, one):
        if not _ready(url):
            raise SystemExit(f"{url}/readyz 未就绪：部署是否在运行？（scripts/deploy-local.sh status）")
    log = LogCounter(env["PG_URL"])
    runs = [
        measure("1 个进程", one, 1, log, sessions, turns, deadline, "10.1"),
        measure(f"{workers} 个进程", proxy, workers, log, sessions, turns, deadline, "10.2"),
    ]
    if workers > 1:
        last_port = first_port + workers - 1
        runs.append(
            measure(
                f"{workers} 个进程，{fault_after:g} 秒时杀掉一个",
                proxy,
                workers,
                log,
                sessions,
                fault_turns,
                deadline,
                "10.3",
                stop=(last_port, supervisor, fault_after),
            )
        )
    ratio = runs[1].load.throughput_rps / runs[0].load.throughput_rps if runs[0].load.throughput_rps else 0.0
    if as_json:
        print(json.dumps({"ratio": round(ratio, 2), "runs": [asdict(r) for r in runs]}, ensure_ascii=False))
    else:
        print(f"{'运行':<22} 请求  错误  已存轮次  日志缺失  吞吐(次/秒)  p50(ms)  p95(ms)  负载(前→后)")
        for r in runs:
            print(
                f"{r.name:<22} {r.load.requests:>4}  {r.load.errors:>4}  {r.turns_stored:>8}  "
                f"{r.answered_missing_from_log:>8}  {r.load.throughput_rps:>11}  {r.load.p50_ms!s:>7}  "
                f"{r.load.p95_ms!s:>7}  {r.load_average_before}→{r.load_average_after}"
            )
            for sample in r.load.error_samples:
                print(f"  错误示例：{sample}")
            if r.stopped_pid is not None:
                print(f"  杀掉进程 {r.stopped_pid}；{r.back_ready_seconds} 秒后重新就绪")
        print(f"吞吐比（{workers} 个进程 / 1 个进程）：{ratio:.2f}")
        print(f"机器：{os.cpu_count()} 核，与他人共用；负载为 1 分钟平均")
    lost = any(r.answered_missing_from_log for r in runs)
    return 1 if lost or any(r.load.errors for r in runs[:2]) else 0
