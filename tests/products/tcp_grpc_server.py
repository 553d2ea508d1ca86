"""A gRPC product that listens on TCP only and needs a peer port and a data folder.

``tcp_grpc_server --port=N --peer-port=M [--data-dir=D]`` serves the standard gRPC health
service (``grpc.health.v1.Health``, status SERVING for the server as a whole) on
``127.0.0.1:N``; it refuses Unix domain socket addresses (``--port=unix:...``): TCP only. It
listens on ``127.0.0.1:M`` for its peers with a plain TCP socket that answers each connection
with the line ``tcp_grpc_server peer <pid>`` and closes it. It writes its state file
``state.json`` into ``D`` (made if missing), or into ``./data/`` in the current folder without
``--data-dir``: a launcher that runs it must give it a folder of its own. Nothing else is
written. It exits with code 0 on SIGTERM or SIGINT, and with code 1 when a port is taken.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc  # type: ignore[import-untyped]

NAME = "tcp_grpc_server"
HOST = "127.0.0.1"


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


def tcp_port(value: str) -> int:
    """A TCP port number, from the command line; Unix domain socket addresses are refused."""
    if value.startswith("unix") or "/" in value:
        raise argparse.ArgumentTypeError(
            f"{value!r} is a Unix domain socket address: {NAME} listens on TCP only"
        )
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1 to 65535)")
    return port


def serve_peers(listener: socket.socket, stop: Stop) -> None:
    """Answer each peer connection with a fixed line, until ``stop`` is requested."""
    line = f"{NAME} peer {os.getpid()}\n".encode()
    listener.settimeout(0.2)
    while not stop.requested:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        with connection, contextlib.suppress(OSError):
            connection.sendall(line)


def main() -> None:
    """Parse the command line, write the state file, and serve until SIGTERM."""
    parser = argparse.ArgumentParser(
        prog=NAME,
        description="Serve the gRPC health service on TCP, with a peer port and a data folder.",
    )
    parser.add_argument(
        "--port", type=tcp_port, required=True, help="the gRPC port on 127.0.0.1 (TCP only)"
    )
    parser.add_argument(
        "--peer-port", type=tcp_port, required=True, help="the peer port on 127.0.0.1"
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the folder of the state file (default: ./data)"
    )
    arguments = parser.parse_args()
    if arguments.port == arguments.peer_port:
        parser.error("--port and --peer-port must differ")
    stop = Stop()  # before any port listens: a client may ask it to end from then on

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind((HOST, arguments.peer_port))
        listener.listen(16)
    except OSError as error:
        log(f"Cannot listen for peers on {HOST}:{arguments.peer_port}: {error}")
        sys.exit(1)
    # Without so_reuseport=0, gRPC on Linux shares a port another server already listens on.
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4), options=[("grpc.so_reuseport", 0)]
    )
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    try:
        bound = server.add_insecure_port(f"{HOST}:{arguments.port}")
    except RuntimeError:  # newer gRPC raises where older returned 0
        bound = 0
    if bound != arguments.port:
        log(f"Cannot listen for gRPC on {HOST}:{arguments.port}")
        sys.exit(1)

    data = arguments.data_dir if arguments.data_dir is not None else Path("data")
    data.mkdir(parents=True, exist_ok=True)
    state = {"pid": os.getpid(), "port": arguments.port, "peer_port": arguments.peer_port}
    (data / "state.json").write_text(json.dumps(state), encoding="utf-8")

    peers = threading.Thread(target=serve_peers, args=(listener, stop))
    peers.start()
    server.start()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    log(f"Serving gRPC at {HOST}:{arguments.port}, peers at {HOST}:{arguments.peer_port}")
    while not stop.wait(timeout=0.2):
        pass
    log("Shutting down on a signal")
    servicer.enter_graceful_shutdown()
    server.stop(grace=1).wait()
    peers.join()
    listener.close()


if __name__ == "__main__":
    main()
