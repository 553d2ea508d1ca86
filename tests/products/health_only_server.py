"""A gRPC server with the standard health service and nothing else, for a container image
that has grpcio but not grpcio-health-checking (Debian's ``python3-grpcio``).

``python3 health_only_server.py --address=unix:PATH|HOST:PORT`` answers
``grpc.health.v1.Health/Check`` with SERVING (the encoded ``HealthCheckResponse``, written out
by hand), prints ``Serving gRPC on ADDRESS`` with the port it got, and stops on SIGTERM. The
template's tests bind it into the test image and launch it through the container launch mode.
"""

from __future__ import annotations

import argparse
import signal
import threading
from concurrent import futures

import grpc

SERVING = b"\x08\x01"
"""``HealthCheckResponse(status=SERVING)`` in the protocol buffers encoding."""


def main() -> None:
    """Serve the health service where ``--address`` says until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    arguments = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    check = grpc.unary_unary_rpc_method_handler(lambda request, context: SERVING)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": check}),)
    )
    port = server.add_insecure_port(arguments.address)
    server.start()
    host = arguments.address.rpartition(":")[0]
    where = arguments.address if arguments.address.startswith("unix:") else f"{host}:{port}"
    print(f"Serving gRPC on {where}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    while not done.wait(timeout=0.2):
        pass
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
