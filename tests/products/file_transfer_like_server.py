"""A product's second server, like the file-transfer server that pyacp starts beside the ACP
server: told its address, with or without mutual TLS, prints nothing.

``file_transfer_like_server --address=unix:PATH|HOST:PORT [--certs-dir=C]`` serves the standard
gRPC health service there (over mutual TLS with the certificates of ``C``: ``server.crt``,
``server.key``, ``ca.crt``) until SIGTERM. It needs grpcio only (the health service's answer is
written out by hand), so that it runs in the test container image, where Debian's
``python3-grpcio`` has no health service.
"""

from __future__ import annotations

import argparse
import signal
import threading
from concurrent import futures
from pathlib import Path

import grpc

SERVING = b"\x08\x01"
"""``HealthCheckResponse(status=SERVING)`` in the protocol buffers encoding."""


def main() -> None:
    """Serve the health service where ``--address`` says until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--certs-dir")
    arguments = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    check = grpc.unary_unary_rpc_method_handler(lambda request, context: SERVING)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": check}),)
    )
    if arguments.certs_dir:
        folder = Path(arguments.certs_dir)
        credentials = grpc.ssl_server_credentials(
            [((folder / "server.key").read_bytes(), (folder / "server.crt").read_bytes())],
            root_certificates=(folder / "ca.crt").read_bytes(),
            require_client_auth=True,
        )
        server.add_secure_port(arguments.address, credentials)
    else:
        server.add_insecure_port(arguments.address)
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    while not done.wait(timeout=0.2):
        pass
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
