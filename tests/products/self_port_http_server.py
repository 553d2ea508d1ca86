"""A product that picks its own port and token and prints where it serves.

``self_port_http_server`` (no options but ``--help``) listens on a free port of ``127.0.0.1``
it picks itself, makes up a token (32 hexadecimal digits), and once it listens prints exactly
one line on the standard output, flushed: ``Serving at http://127.0.0.1:PORT/?token=TOKEN``.
Requests need the token as the query parameter ``?token=TOKEN``, else the answer is 403;
``GET /`` and ``GET /api/status`` answer 200 with JSON. It writes no file, and exits with code
0 on SIGTERM or SIGINT.
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

NAME = "self_port_http_server"
HOST = "127.0.0.1"


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
    """Answers requests that carry the server's token in their query; 403 for the others."""

    server: SelfPortServer

    def do_GET(self) -> None:
        """Answer ``/`` and ``/api/status`` to requests with the token."""
        url = urlsplit(self.path)
        given = parse_qs(url.query).get("token", [])
        expected = self.server.token.encode()
        if not any(hmac.compare_digest(value.encode(), expected) for value in given):
            self.answer(403, {"message": "Forbidden: a token is needed"})
        elif url.path in ("/", "/api/status"):
            self.answer(200, {"status": "ok", "name": NAME, "pid": os.getpid()})
        else:
            self.answer(404, {"message": f"Not found: {url.path}"})

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


class SelfPortServer(ThreadingHTTPServer):
    """An HTTP server on a port of its own choosing, that knows its token."""

    daemon_threads = True

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__((HOST, 0), Handler)


def main() -> None:
    """Listen on a free port, print the URL, and serve until SIGTERM."""
    parser = argparse.ArgumentParser(
        prog=NAME,
        description=(
            "Serve HTTP on a free port of 127.0.0.1 with a new token; print"
            " 'Serving at http://127.0.0.1:PORT/?token=TOKEN' once listening."
        ),
    )
    parser.parse_args()
    stop = Stop()
    server = SelfPortServer(secrets.token_hex(16))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    print(f"Serving at http://{HOST}:{server.server_address[1]}/?token={server.token}", flush=True)
    while not stop.wait(timeout=0.5):
        pass
    print(f"[{NAME}] Shutting down on a signal", file=sys.stderr, flush=True)
    server.shutdown()
    thread.join()
    server.server_close()


if __name__ == "__main__":
    main()
