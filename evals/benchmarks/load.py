"""Load test of the web API: concurrent chat sessions against ``POST /api/ask`` on 127.0.0.1.

Run: ``.venv/bin/python -m evals.benchmarks.load --sessions 50 --turns 3``

Without ``--url`` it starts ``policy-assistant serve`` in extractive mode (no chat model, rate
limit off) on a free loopback port, using the configured data dir (the index is built first
when missing), and stops it afterwards. With ``--url`` it targets an app that is already
running — loopback addresses only. Every session keeps the ``conversation_id`` the server issued
with its first answer across its turns (the later turns are follow-ups). The run is bounded: at
most ``sessions × turns`` requests and ``--deadline`` seconds in all. Prints throughput,
p50/p95/max latency and the error count.

``--deploy DIR`` (``make load DEPLOY=.deploy``) runs against the local deployment
(``make deploy-local``, whose ``DIR/deploy.env`` says where things are), in one run: the first
app process alone and then all of them, both through the same nginx; then a fault run through
the proxy in which one app process is killed mid-load (its supervisor starts it again). Each
session is a citizen of its own (``X-Forwarded-For``, which the app believes from the proxy), so
the rate limit counts per session as in production. For each run: throughput, p50/p95, client
errors, requests sent against turns stored in the conversation log (PostgreSQL), answered turns
missing from the log, and the load average of the machine before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from evals.metrics import percentile

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEV_SET = Path(__file__).resolve().parent.parent / "dev" / "qa.jsonl"


def openers(path: Path = DEV_SET) -> list[str]:
    """Distinct in-scope questions of the dev set, so sessions do not all ask the same thing."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r["type"] != "out_of_scope"]


OPENERS = openers()
FOLLOW_UPS = ["那需要什么条件？", "具体怎么办理？", "还有别的支持吗？"]
MAX_SESSIONS = 500
MAX_TURNS = 10


@dataclass(frozen=True)
class LoadReport:
    sessions: int
    turns: int
    requests: int
    errors: int
    seconds: float
    throughput_rps: float
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    error_samples: tuple[str, ...] = ()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_loopback(url: str) -> str:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"只对本机压测：--url 的主机必须是 127.0.0.1 / localhost，得到 {host!r}")
    return url.rstrip("/")


def start_server(port: int, data_dir: str | None, timeout: float = 300.0) -> subprocess.Popen[bytes]:
    """``policy-assistant serve`` in extractive mode with the rate limit off."""
    dropped = {"POLICY_LLM_BASE_URL", "POLICY_LLM_API_KEY", "OPENAI_API_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["POLICY_RATE_LIMIT_PER_MINUTE"] = "0"
    if data_dir:
        env["POLICY_DATA_DIR"] = data_dir
    serve = "from ui.cli import app; app()"
    process = subprocess.Popen(
        [sys.executable, "-c", serve, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # its request log: one line per request
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"服务启动失败（退出码 {process.returncode}）")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"服务在 {timeout:.0f} 秒内没有就绪")


async def session(
    client: httpx.AsyncClient,
    number: int,
    turns: int,
    latencies: list[float],
    errors: list[str],
    turn_ids: list[int] | None = None,
    client_address: str | None = None,
) -> None:
    conversation_id: str | None = None  # issued by the server with the first answer
    questions = [OPENERS[number % len(OPENERS)], *FOLLOW_UPS][:turns]
    questions += [OPENERS[(number + i) % len(OPENERS)] for i in range(turns - len(questions))]
    headers = {"X-Forwarded-For": client_address} if client_address else None
    for question in questions:
        started = time.perf_counter()
        body: dict[str, str] = {"question": question}
        if conversation_id:
            body["conversation_id"] = conversation_id
        try:
            r = await client.post("/api/ask", json=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            answer = r.json() if r.status_code == 200 else {}
            if r.status_code != 200 or (conversation_id and answer.get("conversation_id") != conversation_id):
                errors.append(f"{r.status_code}: {r.text[:120]}")
            else:
                latencies.append(elapsed)
                conversation_id = answer.get("conversation_id")
                if turn_ids is not None and isinstance(answer.get("turn_id"), int):
                    turn_ids.append(answer["turn_id"])
        except (httpx.HTTPError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")


async def run_load(
    url: str,
    sessions: int,
    turns: int,
    deadline: float,
    turn_ids: list[int] | None = None,
    addresses: str | None = None,
    during: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> LoadReport:
    """``addresses``: a prefix such as ``10.1`` — session n is the client 10.1.x.y; ``during``: a
    coroutine started with the load (the fault run's stop)."""
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        warm = {"X-Forwarded-For": f"{addresses}.255.254"} if addresses else None
        await client.post("/api/ask", json={"question": OPENERS[0]}, headers=warm)  # warm-up, not counted
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(
                session(
                    client,
                    n,
                    turns,
                    latencies,
                    errors,
                    turn_ids,
                    f"{addresses}.{n // 250}.{n % 250 + 1}" if addresses else None,
                )
            )
            for n in range(sessions)
        ]
        side = asyncio.create_task(during()) if during is not None else None
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        seconds = time.perf_counter() - started
        if side is not None:
            await side
    missing = sessions * turns - len(latencies) - len(errors)
    if missing > 0:
        errors.extend(["deadline: request not completed"] * missing)
    requests = len(latencies) + len(errors)
    return LoadReport(
        sessions=sessions,
        turns=turns,
        requests=requests,
        errors=len(errors),
        seconds=round(seconds, 2),
        throughput_rps=round(len(latencies) / seconds, 1) if seconds else 0.0,
        p50_ms=_round(percentile(latencies, 50)),
        p95_ms=_round(percentile(latencies, 95)),
        max_ms=_round(max(latencies) if latencies else None),
        error_samples=tuple(dict.fromkeys(errors))[:5],
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="对 /api/ask 做本机并发对话压测")
    parser.add_argument("--sessions", type=int, default=50, help=f"并发会话数（≤ {MAX_SESSIONS}）")
    parser.add_argument("--turns", type=int, default=3, help=f"每个会话的轮数（≤ {MAX_TURNS}）")
    parser.add_argument("--url", default=None, help="已运行的服务（仅限 127.0.0.1）；省略则自动启动")
    parser.add_argument(
        "--data-dir", default=None, help="自动启动时的数据目录（默认 POLICY_DATA_DIR；没有索引会先建立）"
    )
    parser.add_argument("--deadline", type=float, default=120.0, help="总时长上限（秒）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    parser.add_argument(
        "--deploy",
        default=None,
        help="对本机部署压测（make deploy-local 的目录，如 .deploy）：1 个进程对 N 个进程，再做故障演练",
    )
    parser.add_argument("--fault-turns", type=int, default=10, help="故障演练中每个会话的轮数")
    parser.add_argument("--fault-after", type=float, default=2.0, help="故障演练开始后几秒停掉一个应用进程")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.turns <= MAX_TURNS:
        parser.error(f"expected 1 <= sessions <= {MAX_SESSIONS} and 1 <= turns <= {MAX_TURNS}")
    if not 1 <= args.fault_turns <= MAX_TURNS:
        parser.error(f"expected 1 <= fault-turns <= {MAX_TURNS}")
    if args.deploy:
        from evals.benchmarks.load_deploy import run_deploy

        return run_deploy(
            Path(args.deploy),
            args.sessions,
            args.turns,
            args.fault_turns,
            args.fault_after,
            args.deadline,
            args.json,
        )
    process = None
    if args.url:
        url = check_loopback(args.url)
    else:
        port = free_port()
        process = start_server(port, args.data_dir)
        url = f"http://127.0.0.1:{port}"
    try:
        report = asyncio.run(run_load(url, args.sessions, args.turns, args.deadline))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False))
    else:
        print(
            f"会话 {report.sessions} × 轮 {report.turns}：请求 {report.requests}，错误 {report.errors}，用时 {report.seconds} 秒"
        )
        print(
            f"吞吐 {report.throughput_rps} 次/秒；延迟 p50 {report.p50_ms} ms，p95 {report.p95_ms} ms，最大 {report.max_ms} ms"
        )
        for sample in report.error_samples:
            print(f"  错误示例：{sample}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
