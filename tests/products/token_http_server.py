"""A product like a notebook server: told its port, guarded by an access token, wary of root.

``token_http_server --port=N [--host=H] [--token=T] [--allow-root]`` serves HTTP on ``H:N``
(``127.0.0.1`` unless ``--host``). Every request needs the token, as the query parameter
``?token=T`` or the header ``Authorization: token T``; without it the answer is 403. Without
``--token`` it makes one up and shows it only in its log line on the standard error stream,
``... Serving at http://H:N/?token=T``. Run as root it refuses to start (exit code 1) unless
given ``--allow-root``. ``GET /api/status`` answers 200 with JSON once it serves. It writes no
file, and exits with code 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

NAME = "token_http_server"


def log(message: str) -> None:
    """Write a log line to the standard error stream."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{NAME} {stamp}] {message}", file=sys.stderr, flush=True)


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
    """Answers requests that carry the server's token; 403 for the others."""

    server: TokenServer

    def do_GET(self) -> None:
        """Answer ``/`` and ``/api/status`` to requests with the token."""
        url = urlsplit(self.path)
        if not self.has_token(url.query):
            self.answer(403, {"message": "Forbidden: a token is needed"})
        elif url.path == "/api/status":
            self.answer(200, {"status": "ok", "started": self.server.started, "pid": os.getpid()})
        elif url.path == "/":
            self.answer(200, {"name": NAME, "version": "1.0"})
        else:
            self.answer(404, {"message": f"Not found: {url.path}"})

    def has_token(self, query: str) -> bool:
        """Whether the request carries the token, in the query or the Authorization header."""
        given = parse_qs(query).get("token", [])
        scheme, _, credential = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token":
            given.append(credential.strip())
        expected = self.server.token.encode()
        return any(hmac.compare_digest(value.encode(), expected) for value in given)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        """Send ``body`` as JSON with ``status``."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Log no request: the token is in their URLs."""


class TokenServer(ThreadingHTTPServer):
    """An HTTP server that knows its token and its start time."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], token: str) -> None:
        self.token = token
        self.started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        super().__init__(address, Handler)


def main() -> None:
    """Parse the command line, check the user, and serve until SIGTERM."""
    parser = argparse.ArgumentParser(
        prog=NAME, description="Serve HTTP on a given port, guarded by an access token."
    )
    parser.add_argument("--port", type=int, required=True, help="the TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="the address (default 127.0.0.1)")
    parser.add_argument(
        "--token", help="the access token (default: a new one, shown in the log line)"
    )
    parser.add_argument(
        "--allow-root", action="store_true", help="start even when run as root (refused without)"
    )
    arguments = parser.parse_args()
    if getattr(os, "geteuid", lambda: -1)() == 0 and not arguments.allow_root:
        log("Running as root is not recommended. Use --allow-root to bypass.")
        sys.exit(1)
    token = arguments.token if arguments.token is not None else secrets.token_hex(24)
    if not token:
        parser.error("--token must not be empty")
    stop = Stop()  # before the port listens: a client may ask it to end from then on
    try:
        server = TokenServer((arguments.host, arguments.port), token)
    except OSError as error:
        log(f"Cannot listen on {arguments.host}:{arguments.port}: {error}")
        sys.exit(1)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    shown = "" if arguments.token is not None else f"?token={token}"
    log(f"Serving at http://{arguments.host}:{server.server_address[1]}/{shown}")
    while not stop.wait(timeout=0.5):
        pass
    log("Shutting down on a signal")
    server.shutdown()
    thread.join()
    server.server_close()


if __name__ == "__main__":
    main()
