"""A gRPC bake with the connect mode, installed with only what it declares, serves, attaches
and leaves no process or socket behind (its own checks run in test_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Plugin

GRPC = {"server_type": "grpc", "product_name": "example_grpc", "include_connect_mode": True}


@pytest.fixture(scope="module")
def grpc_plugin(install: Callable[..., Plugin]) -> Plugin:
    """A gRPC bake with the connect mode, installed in a venv of its own."""
    return install(**GRPC)


GRPC_LIFECYCLE = """
import os, subprocess, sys
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from example_grpc_plugin.connect import ConnectConfig

server = launch_product("example_grpc")
print("direct SERVING:", check_grpc_health(server.channels["main"], timeout=10))
address = server.urls["main"]
attached = launch_product("example_grpc", launch_mode="connect", config=ConnectConfig(address=address))
print("connect SERVING:", check_grpc_health(attached.channels["main"], timeout=10))
attached.stop()
print("direct after connect stopped:", server.check(timeout=5))
pid = server._launcher._process.pid  # the product's process, to check it is gone
server.stop()
print("socket left:", address.startswith("unix:") and os.path.exists(address[5:]))
if sys.platform == "win32":
    tasks = subprocess.run(["tasklist", "/FI", f"PID eq {pid}", "/NH"], capture_output=True, text=True)
    print("process left:", str(pid) in tasks.stdout)
else:
    try:
        os.kill(pid, 0)
        print("process left: True")
    except ProcessLookupError:
        print("process left: False")
"""


def test_a_grpc_bake_serves_attaches_and_leaves_no_process_or_socket(grpc_plugin: Plugin) -> None:
    output = grpc_plugin.run("-W", "ignore::DeprecationWarning", "-c", GRPC_LIFECYCLE)
    assert output.splitlines() == [
        "direct SERVING: True",
        "connect SERVING: True",
        "direct after connect stopped: True",
        "socket left: False",
        "process left: False",
    ]
