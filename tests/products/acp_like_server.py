"""A product like the ACP gRPC server: told where to listen, prints nothing, needs a license.

``acp_like_server --transport-mode=uds --uds-dir=D [--uds-id=X]`` listens on
``D/acp_grpcserver-X.sock``; ``--transport-mode=insecure|mtls --host=H --port=N
[--certs-dir=C]`` on TCP; it refuses TCP options over a Unix domain socket and the other way
round, as a strict product would. It serves the standard gRPC health service until SIGTERM, and
exits with code 3 if ``ANSYSLMD_LICENSE_FILE`` is not set. The template's tests install it as an
executable script and bake a plugin for it that finds it through an environment variable, and
put it in a container image with ``file_transfer_like_server.py``: it needs grpcio only (the
health service's answer is written out by hand), as Debian's ``python3-grpcio`` has it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc

SERVING = b"\x08\x01"
"""``HealthCheckResponse(status=SERVING)`` in the protocol buffers encoding."""


def main() -> None:
    """Parse the command line as the ACP server does and serve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport-mode", choices=["uds", "insecure", "mtls", "wnua"])
    parser.add_argument("--uds-dir")
    parser.add_argument("--uds-id")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--certs-dir")
    arguments = parser.parse_args()
    tcp = {"--host": arguments.host, "--port": arguments.port, "--certs-dir": arguments.certs_dir}
    uds = {"--uds-dir": arguments.uds_dir, "--uds-id": arguments.uds_id}
    other = uds if arguments.transport_mode != "uds" else tcp
    if given := [option for option, value in other.items() if value is not None]:
        parser.error(f"{', '.join(given)} with --transport-mode={arguments.transport_mode}")
    if not os.environ.get("ANSYSLMD_LICENSE_FILE"):
        sys.exit(3)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    check = grpc.unary_unary_rpc_method_handler(lambda request, context: SERVING)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": check}),)
    )
    if arguments.transport_mode == "uds":
        name = "acp_grpcserver" + (f"-{arguments.uds_id}" if arguments.uds_id else "")
        server.add_insecure_port(f"unix:{Path(arguments.uds_dir) / name}.sock")
    elif arguments.transport_mode == "mtls":
        folder = Path(arguments.certs_dir)
        credentials = grpc.ssl_server_credentials(
            [((folder / "server.key").read_bytes(), (folder / "server.crt").read_bytes())],
            root_certificates=(folder / "ca.crt").read_bytes(),
            require_client_auth=True,
        )
        server.add_secure_port(f"{arguments.host}:{arguments.port}", credentials)
    else:
        server.add_insecure_port(f"{arguments.host}:{arguments.port}")
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    while not done.wait(timeout=0.2):
        pass
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
