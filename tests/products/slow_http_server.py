"""A product slow to start that serves HTTP from forked worker processes and keeps a database.

``slow_http_server --port=N [--startup-delay=SECONDS] [--workers=W]`` waits ``SECONDS``
(default 60) before it listens on ``127.0.0.1:N``, then forks ``W`` worker processes (default
13) that serve on the shared listening socket: ``GET /`` and ``GET /api/status`` answer 200 with
JSON ``{"status": "ok", "pid": <worker>, "workers": W}``. It writes the SQLite database
``state.db`` into the current folder (table ``server``: its pid, port and start time; table
``workers``: their pids), and nothing else. On SIGTERM or SIGINT the main process ends its
workers (SIGTERM, then SIGKILL after 5 s), waits for them and exits with code 0, or 1 if one of
them did not exit with code 0; a worker whose main process dies ends itself within a second.
It exits with code 1 when its port is taken. Posix only (it forks).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

NAME = "slow_http_server"
HOST = "127.0.0.1"
DATABASE = "state.db"


def log(message: str) -> None:
    """Write a log line to the standard error stream."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{NAME} {os.getpid()} {stamp}] {message}", file=sys.stderr, flush=True)


class Stop:
    """Whether SIGTERM or SIGINT came; a flag, as a signal handler must not take a lock."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGTERM, self.request)
        signal.signal(signal.SIGINT, self.request)

    def request(self, *_: object) -> None:
        """Note the signal."""
        self.requested = True

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a signal; return whether one came."""
        deadline = time.monotonic() + timeout
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))
        return self.requested


class Handler(BaseHTTPRequestHandler):
    """Answers ``/`` and ``/api/status`` with the worker's pid."""

    server: WorkerServer

    def do_GET(self) -> None:
        """Answer with JSON naming the worker that serves the request."""
        path = self.path.split("?", 1)[0]
        if path in ("/", "/api/status"):
            body: dict[str, Any] = {
                "status": "ok",
                "pid": os.getpid(),
                "workers": self.server.workers,
            }
            status = 200
        else:
            body, status = {"message": f"Not found: {path}"}, 404
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Log no request."""


class WorkerServer(HTTPServer):
    """An HTTP server on a listening socket that other processes accept on too."""

    def __init__(self, listener: socket.socket, workers: int) -> None:
        super().__init__(listener.getsockname(), Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.workers = workers

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection (the listening socket does not block: another worker may take
        the connection first) and make it blocking, whatever the platform inherits."""
        connection, address = self.socket.accept()
        connection.setblocking(True)
        return connection, address


def work(listener: socket.socket, workers: int, parent: int) -> None:
    """Serve on ``listener`` until SIGTERM, or until the main process ``parent`` is gone; exit
    with code 0, or 1 on an error (never return: the main process's code must not run here)."""
    stop = Stop()
    try:
        server = WorkerServer(listener, workers)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
        thread.start()
        while not stop.wait(timeout=0.2):
            if os.getppid() != parent:
                log("The main process is gone: ending")
                break
        server.shutdown()
        thread.join()
    except BaseException:
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def record(port: int, started: float, workers: list[int]) -> None:
    """Write the state database in the current folder."""
    with sqlite3.connect(DATABASE, timeout=5) as database:
        database.execute("CREATE TABLE IF NOT EXISTS server (pid INTEGER, port INTEGER, started)")
        database.execute("CREATE TABLE IF NOT EXISTS workers (pid INTEGER)")
        database.execute("DELETE FROM server")
        database.execute("DELETE FROM workers")
        database.execute("INSERT INTO server VALUES (?, ?, ?)", (os.getpid(), port, started))
        database.executemany("INSERT INTO workers VALUES (?)", [(pid,) for pid in workers])
    database.close()


def end(workers: list[int], grace: float = 5.0) -> list[str]:
    """End the worker processes: SIGTERM, then SIGKILL to those alive after ``grace``; return
    how those that did not exit with code 0 ended."""
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    alive, unclean = set(workers), []
    deadline = time.monotonic() + grace
    while alive:
        if time.monotonic() > deadline:
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
        for pid in list(alive):
            ended, status = os.waitpid(pid, os.WNOHANG)
            if ended == pid:
                alive.discard(pid)
                if (code := os.waitstatus_to_exitcode(status)) != 0:
                    unclean.append(f"worker {pid} ended with {code}")
        time.sleep(0.02)
    return unclean


def main() -> None:
    """Parse the command line, wait, listen, fork the workers and wait for SIGTERM."""
    parser = argparse.ArgumentParser(
        prog=NAME,
        description="Serve HTTP from forked workers after a long start, keeping ./state.db.",
    )
    parser.add_argument("--port", type=int, required=True, help="the TCP port on 127.0.0.1")
    parser.add_argument(
        "--startup-delay",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait before listening (default 60)",
    )
    parser.add_argument(
        "--workers", type=int, default=13, help="how many worker processes to fork (default 13)"
    )
    arguments = parser.parse_args()
    if arguments.workers < 1:
        parser.error("--workers must be at least 1")
    if arguments.startup_delay < 0:
        parser.error("--startup-delay must not be negative")
    stop = Stop()
    log(f"Starting: listening in {arguments.startup_delay:g} s")
    started = time.time()
    if stop.wait(timeout=arguments.startup_delay):
        log("Stopped while starting")
        return
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((HOST, arguments.port))
        listener.listen(128)
    except OSError as error:
        log(f"Cannot listen on {HOST}:{arguments.port}: {error}")
        sys.exit(1)
    listener.setblocking(False)
    record(arguments.port, started, [])
    workers: list[int] = []
    main_pid = os.getpid()
    for _ in range(arguments.workers):
        pid = os.fork()
        if pid == 0:
            work(listener, arguments.workers, parent=main_pid)
        workers.append(pid)
    listener.close()
    record(arguments.port, started, workers)
    log(f"Serving at http://{HOST}:{arguments.port}/ with {len(workers)} workers")
    while not stop.wait(timeout=0.2):
        for pid in list(workers):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                log(f"Worker {pid} ended")
                workers.remove(pid)
        if not workers:
            log("No worker left")
            sys.exit(1)
    log("Shutting down on a signal")
    if unclean := end(workers):
        log(f"Not all workers ended cleanly: {'; '.join(unclean)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
