"""Plugins for four products like real ones that nobody here wrote a plugin for, each baked with
one command line (``answers.py``) and launched unedited through ``launch_product``: an HTTP server
with a token and a root switch, a gRPC server on TCP only with a peer port and a data folder, an
HTTP server slow to start with forked workers, and one that prints its own URL. Each passes its
own tests with no product, ruff and mypy, and its lifecycle tests against the product."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from answers import PRODUCTS, SELF_PORT_HTTP, SLOW_HTTP, TCP_GRPC, TOKEN_HTTP
from conftest import TEMPLATE, Plugin, shared_venv_group

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the products use POSIX signals")

SHAPES = {
    "token_http": (TOKEN_HTTP, "TOKEN_HTTP_SERVER", "token_http_server.py"),
    "tcp_grpc": (TCP_GRPC, "TCP_GRPC_SERVER", "tcp_grpc_server.py"),
    "slow_http": (SLOW_HTTP, "SLOW_HTTP_SERVER", "slow_http_server.py"),
    "self_port_http": (SELF_PORT_HTTP, "SELF_PORT_HTTP_SERVER", "self_port_http_server.py"),
}
# Options of the lifecycle tests against each product (the slow one started quickly here).
LIFECYCLE_OPTIONS = {
    "token_http": ["--product-option=allow_root=true"],
    "tcp_grpc": [],
    "slow_http": ["--product-option=delay=2", "--product-option=workers=3"],
    "self_port_http": [],
}
# Where the launched product ran, what it left, and whether any process of it is left: the
# end of every launch script below.
LEFT = """
import psutil
def product_processes(program):
    \"\"\"The processes of this launch running ``program``, and what they started.\"\"\"
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if any(program in part for part in process.cmdline()):
                found.append(process)
        except psutil.Error:
            pass
    return found
def running(processes):
    \"\"\"How many of ``processes`` still run (a zombie does not).\"\"\"
    count = 0
    for process in processes:
        try:
            count += process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            pass
    return count
"""
TOKEN_LAUNCH = (
    LEFT
    + """
import json, os, requests
from ansys.tools.local_product_launcher import launch_product
with launch_product("token_http") as instance:
    url = instance.urls["main"]
    (product,) = product_processes("token_http_server.py")
    tree = [product, *product.children(recursive=True)]
    work = product.cwd()
    session = requests.Session()
    session.trust_env = False
    with_token = session.get(url, timeout=10).status_code
    without = session.get(url.partition("?")[0], timeout=10).status_code
print(json.dumps({
    "token in url": "?token=" in url, "with token": with_token, "without": without,
    "work gone": not os.path.exists(work), "left": running(tree),
}))
"""
)
TCP_GRPC_LAUNCH = (
    LEFT
    + """
import json, os
from ansys.tools.local_product_launcher import launch_product
from tcp_grpc_plugin.launcher import serving
with launch_product("tcp_grpc") as instance:
    ok = serving(instance.channels["main"], timeout=10)
    (product,) = product_processes("tcp_grpc_server.py")
    tree = [product, *product.children(recursive=True)]
    work = product.cwd()
    state = os.path.join(work, "state.json")
    with open(state, encoding="utf-8") as file:
        ports = json.load(file)
    listening = sorted(
        connection.laddr.port
        for connection in product.net_connections("tcp")
        if connection.status == psutil.CONN_LISTEN
    )
    address = instance.urls["main"]
print(json.dumps({
    "serving": ok, "tcp": address.startswith("127.0.0.1:"),
    "two ports": listening == sorted([ports["port"], ports["peer_port"]]),
    "work gone": not os.path.exists(work), "left": running(tree),
}))
"""
)
SLOW_LAUNCH = (
    LEFT
    + """
import json, os, requests
from ansys.tools.local_product_launcher import launch_product
from slow_http_plugin import LauncherConfig
with launch_product("slow_http", config=LauncherConfig(delay=2, workers=3)) as instance:
    session = requests.Session()
    session.trust_env = False
    answered = session.get(instance.urls["main"] + "/api/status", timeout=10).json()
    tree = product_processes("slow_http_server.py")
    (main,) = [process for process in tree if process.ppid() not in {p.pid for p in tree}]
    work = main.cwd()
    database = os.path.isfile(os.path.join(work, "state.db"))
    processes = len(tree)
print(json.dumps({
    "workers": answered["workers"], "processes": processes, "database in work": database,
    "work gone": not os.path.exists(work), "left": running(tree),
}))
"""
)
SELF_PORT_LAUNCH = (
    LEFT
    + """
import json, os, requests
from ansys.tools.local_product_launcher import launch_product
with launch_product("self_port_http") as instance:
    url = instance.urls["main"]
    session = requests.Session()
    session.trust_env = False
    with_token = session.get(url, timeout=10).status_code
    without = session.get(url.partition("?")[0], timeout=10).status_code
    tree = product_processes("self_port_http_server.py")
print(json.dumps({
    "token in url": "?token=" in url, "with token": with_token, "without": without,
    "left": running(tree),
}))
"""
)
LAUNCHES = {
    "token_http": (
        TOKEN_LAUNCH,
        {"token in url": True, "with token": 200, "without": 403, "work gone": True, "left": 0},
    ),
    "tcp_grpc": (
        TCP_GRPC_LAUNCH,
        {"serving": True, "tcp": True, "two ports": True, "work gone": True, "left": 0},
    ),
    "slow_http": (
        SLOW_LAUNCH,
        {
            "workers": 3,
            "processes": 4,
            "database in work": True,
            "work gone": True,
            "left": 0,
        },
    ),
    "self_port_http": (
        SELF_PORT_LAUNCH,
        {"token in url": True, "with token": 200, "without": 403, "left": 0},
    ),
}


@pytest.fixture(
    scope="module",
    params=[
        # Each shares a venv (so a worker) with the bakes of the same requirements.
        pytest.param(name, marks=shared_venv_group(answers))
        for name, (answers, _, _) in SHAPES.items()
    ],
)
def shape(
    request: pytest.FixtureRequest, install_shared: Callable[..., Plugin]
) -> tuple[str, Plugin]:
    """Each product's plugin, baked with one command line and installed with what it declares
    (pytest runs the tests of one before baking the next)."""
    name = str(request.param)
    return name, install_shared(**SHAPES[name][0])


def product_environment(name: str) -> dict[str, str]:
    """The environment variable that tells the plugin where the product is."""
    _, variable, program = SHAPES[name]
    return {variable: str(TEMPLATE / PRODUCTS / program)}


def test_each_plugin_passes_its_own_tests_ruff_and_mypy_with_no_product(
    shape: tuple[str, Plugin],
) -> None:
    _, plugin = shape
    plugin.passes_its_own_checks(slow=False, machinery=False)


def test_each_plugin_launches_its_product_unedited_and_it_writes_only_in_its_work_folder(
    shape: tuple[str, Plugin], tmp_path: Path
) -> None:
    name, plugin = shape
    script, expected = LAUNCHES[name]
    folder = tmp_path / "launched-from"
    folder.mkdir()
    output = plugin.run(
        "-W", "ignore", "-c", script, environment=product_environment(name), cwd=folder
    )
    assert json.loads(output.splitlines()[-1]) == expected
    assert list(folder.iterdir()) == []  # the product wrote nothing where it was launched from


def test_each_plugins_lifecycle_tests_pass_against_its_product(
    shape: tuple[str, Plugin],
) -> None:
    name, plugin = shape
    output = plugin.run(
        *("pytest", "-p", "no:cacheprovider", "-q", "-m", "lifecycle", "--real-product"),
        *LIFECYCLE_OPTIONS[name],
        environment=product_environment(name),
    )
    assert re.search(r"\b[1-9][0-9]* passed\b", output), output
    assert "failed" not in output, output
