"""``serve --workers N``: N app processes, the i-th on port PORT+i, under one supervisor.

Why one port per process rather than uvicorn's workers sharing one port: the page is gradio, and
gradio keeps each browser session's queue in the memory of the process that served the page; a
later request of that session that the kernel hands to another process on a shared port fails
("Session not found"). With a port per process, the load balancer in front (nginx ``ip_hash``,
or a cookie) keeps a browser on one process, and sees each process separately: it checks
``/readyz`` per process and routes around one that stops.

The supervisor (the ``serve`` process) has bound every port and brought the index up to date
before it starts the app processes; each opens the index itself (no build), serves its socket
and, on SIGTERM, finishes the answers in progress like a single ``serve``. The supervisor passes
SIGTERM / Ctrl-C on, waits for them, and starts again an app process that died on its own
(at most once per 10 seconds each).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

RESTART_AFTER = 10.0


def app_process(sock: socket.socket) -> None:
    """One app process (the target of a spawned process): open the index, serve ``sock``."""
    from assistant.settings import Settings
    from ui.cli.serve_cmd import open_pipeline, prepare_while_listening, serve_app, serving_app
    from ui.requestlog import configure_request_log

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    settings = Settings()
    configure_request_log(sys.stderr)
    # while it opens the index its port answers 503 (the starting app), not a silent backlog
    pipeline = prepare_while_listening(settings, [sock], open_pipeline)
    serve_app(serving_app(pipeline, settings), settings, sock)


class Workers:
    def __init__(self, sockets: list[socket.socket], graceful_seconds: float) -> None:
        if not sockets:
            raise ValueError("expected at least one socket; got none")
        self.sockets = sockets
        self.graceful_seconds = graceful_seconds
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess | None] = [None] * len(sockets)
        self._started: list[float] = [0.0] * len(sockets)
        self._stopping = False

    def _start(self, i: int) -> None:
        port = self.sockets[i].getsockname()[1]
        process = self._context.Process(target=app_process, args=(self.sockets[i],), name=f"app-{port}")
        process.start()
        self._processes[i] = process
        self._started[i] = time.monotonic()

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def run(self) -> int:
        """Start the app processes and look after them until SIGTERM / Ctrl-C; the exit code."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for i in range(len(self.sockets)):
                self._start(i)
            while not self._stopping:
                time.sleep(0.2)
                for i, process in enumerate(self._processes):
                    if process is None or process.is_alive() or self._stopping:
                        continue
                    if time.monotonic() - self._started[i] < RESTART_AFTER:
                        continue  # started again at most once per RESTART_AFTER seconds
                    port = self.sockets[i].getsockname()[1]
                    log.info("app process on port %d exited (code %s)", port, process.exitcode)
                    sys.stderr.write(
                        f"端口 {port} 的应用进程已退出（退出码 {process.exitcode}），正在重新启动。\n"
                    )
                    self._start(i)
            self._terminate()
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _terminate(self) -> None:
        """SIGTERM to every app process (a graceful shutdown each), then wait; kill what is left."""
        running = [p for p in self._processes if p is not None and p.is_alive()]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.graceful_seconds + 15
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in running:
            if process.is_alive():
                process.kill()
                process.join(5)
        for sock in self.sockets:
            sock.close()
