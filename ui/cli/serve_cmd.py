"""``policy-assistant serve``: build the index (or bring it up to date), then serve the web app and API."""

from __future__ import annotations

import errno
import logging
import math
import signal
import socket
import sys
import threading
from collections.abc import Callable

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from corpus.models import Document
from index.manifest import MANIFEST_FILE
from index.models import IndexError_, IndexMissing
from ui.cli.common import console, err_console, fail, load_settings

log = logging.getLogger(__name__)


def build_with_progress(settings: Settings, documents: list[Document], rebuild: bool = False) -> None:
    from assistant.factory import build_index

    with Progress(
        TextColumn("建立索引"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err_console
    ) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = build_index(settings, documents, progress=progress, rebuild=rebuild)
    console.print(
        f"索引完成（{report.seconds:.1f} 秒）：{report.chunks_total} 个分块，本次向量化 {report.chunks_embedded} 个分块、{report.sentences_embedded} 个句子。",
        highlight=False,
    )


def prepare_pipeline(settings: Settings) -> Pipeline:
    """The pipeline to serve; the index is built first when it is missing, else brought up to date.

    An up-to-date index costs a few milliseconds to check; a changed corpus file, or an index
    written by an earlier version (without sentence units), is re-embedded before serving, so
    answers never come from a stale index.
    """
    from assistant.factory import make_pipeline_from, open_retriever
    from corpus.loader import load_corpus

    report = load_corpus(settings.corpus_dir, progress=lambda line: err_console.print(line, highlight=False))
    for error in report.errors:
        err_console.print(f"[yellow]跳过[/] {error}", highlight=False, soft_wrap=True)
    documents = report.documents
    if not documents:
        raise IndexMissing(f"语料目录 {settings.corpus_dir} 中没有可用的政策文件")
    if not (settings.index_dir / MANIFEST_FILE).exists():
        console.print(f"没有找到索引，正在为 {len(documents)} 个政策文件建立索引…", highlight=False)
    from ui.index_watch import build_lock
    from ui.reviewed_retrieval import reviewed_phrasings

    with build_lock(settings.index_dir):  # another process building the same index: wait for it
        build_with_progress(settings, documents)
    retriever = open_retriever(settings, documents, extra_phrasings=reviewed_phrasings(settings))
    retriever.warm_up()
    return make_pipeline_from(settings, documents, retriever)


def rebuild_pipeline(settings: Settings) -> Pipeline:
    """Reload the corpus, update the index (unchanged documents are kept) and open it again."""
    from assistant.factory import build_index, load_documents, make_pipeline_from, open_retriever
    from ui.reviewed_retrieval import reviewed_phrasings

    documents = load_documents(settings).documents
    build_index(settings, documents)
    reviewed = reviewed_phrasings(settings)
    return make_pipeline_from(
        settings, documents, open_retriever(settings, documents, extra_phrasings=reviewed)
    )


def open_pipeline(settings: Settings) -> Pipeline:
    """The pipeline over the committed index, opened and warmed up (no build); the hotline's
    reviewed answers are labelled questions of the articles they cite (ui/reviewed_retrieval.py)."""
    from assistant.factory import load_documents, make_pipeline_from, open_retriever
    from ui.reviewed_retrieval import reviewed_phrasings

    documents = load_documents(settings).documents
    retriever = open_retriever(settings, documents, extra_phrasings=reviewed_phrasings(settings))
    retriever.warm_up()
    return make_pipeline_from(settings, documents, retriever)


def serving_app(pipeline: Pipeline, settings: Settings) -> object:
    """The web app over ``pipeline``, following the newest committed index (ui/index_watch.py):
    a re-index done by any process sharing the index folder reaches this one."""
    from ui.app import create_app
    from ui.index_watch import IndexWatcher
    from ui.reviewed_retrieval import reviewed_stamp

    watcher = IndexWatcher(
        settings.index_dir,
        lambda: open_pipeline(settings),
        lambda: rebuild_pipeline(settings),
        settings.index_check_seconds,
        reviewed=lambda: reviewed_stamp(settings),
    )
    app = create_app(pipeline, settings, reindex=watcher.rebuild)
    watcher.start(app.state.assistant)
    return app


def listen(host: str, port: int) -> socket.socket:
    """The listening socket for ``host:port``, or a clear Chinese message and exit 1 (port taken,
    no permission, no such address) — before any other work and before any banner."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except (OSError, OverflowError) as exc:
        sock.close()
        number = getattr(exc, "errno", None)
        if number == errno.EADDRINUSE:
            fail(
                f"端口 {port} 已被占用（{host}:{port}）：可能已有一个政策咨询助手或其他程序在使用它。"
                f"请先停止它，或换一个端口，例如 make run PORT={port + 1}，"
                f"或 policy-assistant serve --port {port + 1}。"
            )
        if number == errno.EACCES:
            fail(f"没有权限监听端口 {port}：1024 以下的端口需要管理员权限，请换一个端口，例如 --port 7860。")
        if number == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
            fail(
                f"无法监听地址 {host}：本机没有这个地址。本机访问用 --host 127.0.0.1，"
                "对外提供服务用 --host 0.0.0.0。"
            )
        fail(f"无法监听 {host}:{port}（{getattr(exc, 'strerror', None) or exc}）。")
    sock.set_inheritable(True)
    return sock


def prepare_while_listening(
    settings: Settings,
    sockets: list[socket.socket],
    prepare_with: Callable[[Settings], Pipeline] = prepare_pipeline,
) -> Pipeline:
    """Prepare the pipeline (``prepare_with``) while ``sockets`` answer with the starting app
    (liveness yes, readiness no, requests 503 with Retry-After, so a load balancer sends them to
    another process); returns once it is ready, or exits with the reason."""
    from ui.starting import starting_app

    outcome: dict[str, object] = {}
    server = uvicorn.Server(
        uvicorn.Config(starting_app(), log_level="warning", lifespan="off", proxy_headers=False)
    )

    def prepare() -> None:
        try:
            outcome["pipeline"] = prepare_with(settings)
        except IndexError_ as exc:
            outcome["error"] = f"{exc}\n如索引已损坏，可运行 `policy-assistant index --rebuild` 重建。"
        except ValueError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:  # reported as a message, not a traceback; details with -v
            log.info("preparing the index failed", exc_info=True)  # shown with -v
            outcome["error"] = f"准备索引时出错（{type(exc).__name__}）：{exc}"
        finally:
            server.should_exit = True

    worker = threading.Thread(target=prepare, name="prepare-index", daemon=True)
    worker.start()
    run_server(server, [s.dup() for s in sockets])  # returns when prepare() is done (or on a signal)
    if worker.is_alive():  # stopped while preparing; a half-done build never replaces the index
        sys.exit(1)
    if "error" in outcome:
        for sock in sockets:
            sock.close()
        fail(str(outcome["error"]))
    pipeline = outcome["pipeline"]
    assert isinstance(pipeline, Pipeline)
    return pipeline


def serve_app(app: object, settings: Settings, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until SIGTERM / Ctrl-C.

    The app decides whose X-Forwarded-For to believe (POLICY_TRUSTED_PROXIES); uvicorn's own
    default would believe any client on 127.0.0.1. On SIGTERM/Ctrl-C no new connection is taken
    and answers in progress get settings.graceful_shutdown_seconds to finish (a chat model's
    answer is bounded by POLICY_LLM_TIMEOUT); an open page's heartbeat stream does not hold the
    shutdown (and with it the conversation log's final write) longer than that.
    """
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        proxy_headers=False,
        timeout_graceful_shutdown=math.ceil(settings.graceful_shutdown_seconds),
    )
    run_server(uvicorn.Server(config), [sock])


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(7860, "--port", help="端口（--workers N 时为第一个进程的端口）"),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="应用进程数（默认取 POLICY_WORKERS，即 1）：N 个进程依次监听 PORT … PORT+N-1，前面需有负载均衡",
    ),
) -> None:
    """启动网页（市民咨询、坐席工作台、评测）和 HTTP API；先建立或更新索引。"""
    from ui.requestlog import configure_request_log

    settings = load_settings()
    count = workers if workers is not None else settings.workers
    if count < 1:
        fail(f"进程数至少为 1（--workers 或 POLICY_WORKERS）；现为 {count}。")
    if port + count - 1 > 65535:
        fail(f"端口 {port} 起的 {count} 个端口超出范围（最大 65535）：请换一个较小的 --port。")
    sockets = [listen(host, port + i) for i in range(count)]
    configure_request_log(sys.stderr)
    # While the index is prepared the ports already answer: /healthz 200, /readyz 503.
    pipeline = prepare_while_listening(settings, sockets)
    # the database's tables once, before any request: the log, the channel and the shared state
    # each migrate on first use, and first uses at the same moment collide on a fresh SQLite file
    _migrate_once(settings)
    mode = "离线摘录" if pipeline.mode == "extractive" else "大模型"
    shown = f"[{host}]" if ":" in host else host
    if count > 1:
        from ui.cli.workers import Workers

        del pipeline  # each app process opens the index itself
        console.print(
            f"政策咨询助手（{mode}模式，{count} 个进程）："
            + "、".join(f"http://{shown}:{port + i}/" for i in range(count))
            + "；请在前面配置负载均衡，并让同一浏览器始终连到同一进程（如 nginx 的 ip_hash）。",
            highlight=False,
        )
        sys.exit(Workers(sockets, graceful_seconds=settings.graceful_shutdown_seconds).run())
    app = serving_app(pipeline, settings)
    console.print(
        f"政策咨询助手（{mode}模式）：http://{shown}:{port}/ · API 文档：http://{shown}:{port}/docs",
        highlight=False,
    )
    serve_app(app, settings, sockets[0])


def _migrate_once(settings: Settings) -> None:
    """Bring the conversation log's database (the channel's and the shared state's tables too) up
    to date here, once, before the app (or its N processes) serves: engines migrating a fresh
    SQLite file at the same moment collide and leave it half made. A database out of reach is said, not fatal: the processes'
    readiness reports it until it answers."""
    from assistant.factory import make_log
    from assistant.log.repository import LogUnavailable

    log_store = make_log(settings)
    try:
        log_store.ping()
    except LogUnavailable as error:
        err_console.print(f"警告：{error}；各进程的 /readyz 会在数据库可用前返回 503。", highlight=False)
    finally:
        log_store.close()


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_server(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
    """``server.run`` on ``sockets``. uvicorn handles SIGTERM and Ctrl-C itself (a graceful
    shutdown) and raises the signal again once done: that ends the process with exit code 0
    instead of "killed by SIGTERM" or a KeyboardInterrupt traceback."""
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        server.run(sockets=sockets)
    except KeyboardInterrupt:
        raise SystemExit(0) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
