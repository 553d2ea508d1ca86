"""A plugin for a gRPC product like the ACP server: told where to listen, found through an
environment variable or an Ansys installation, given a license server, with a file-transfer
server beside it (its own checks, with no product installed, run in test_matrix.py)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from answers import ACP_LIKE
from conftest import TEMPLATE, Plugin

posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="the stand-in ACP server is a script, run through its shebang"
)


@pytest.fixture(scope="module")
def acp_like(install: Callable[..., Plugin]) -> Plugin:
    """The ACP-like bake, installed with only what it declares."""
    return install(**ACP_LIKE)


def executable(plugin: Plugin, product: str, path: Path) -> Path:
    """Write the test product ``product`` (in ``tests/products``) as the executable ``path``,
    run with the plugin's Python; return it."""
    source = (TEMPLATE / "tests" / "products" / product).read_text(encoding="utf-8")
    path.write_text(f"#!{plugin.python}\n{source}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def acp_server(acp_like: Plugin, tmp_path: Path) -> Path:
    """The stand-in ACP server as an executable that runs with the plugin's Python."""
    return executable(acp_like, "acp_like_server.py", tmp_path / "acp_grpcserver")


@pytest.fixture
def file_transfer_server(acp_like: Plugin, tmp_path: Path) -> Path:
    """The stand-in file-transfer server as an executable."""
    return executable(acp_like, "file_transfer_like_server.py", tmp_path / "file_transfer_server")


ACP_LIFECYCLE = r"""
import os, re, sys
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from acp_plugin import LauncherConfig

SOCKET = r"unix:.+/acp_grpcserver-{}[0-9a-f]+\.sock"
TCP = r"127\.0\.0\.1:\d+"
for transport in sys.argv[1:]:
    instance = launch_product("acp", config=LauncherConfig(transport=transport))
    pids = [process.pid for process in instance._launcher._processes()]
    urls = instance.urls
    serving = [check_grpc_health(instance.channels[name], timeout=10) for name in sorted(urls)]
    instance.stop()
    left = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            left.append(pid)
        except ProcessLookupError:
            pass
    shapes = {
        name: SOCKET.format("" if name == "main" else name + "-") if transport == "uds" else TCP
        for name in urls
    }
    fit = all(re.fullmatch(shapes[name], address) for name, address in urls.items())
    socket_left = any(
        address.startswith("unix:") and os.path.exists(os.path.dirname(address[5:]))
        for address in urls.values()
    )
    folder = "socket folder left" if socket_left else "no socket folder"
    print(transport, sorted(urls), serving, fit, len(pids), left or "nothing left", folder)
"""


@posix_only
def test_the_acp_plugin_launches_the_product_unedited_over_uds_and_insecure_tcp(
    acp_like: Plugin, acp_server: Path, file_transfer_server: Path
) -> None:
    environment = {
        "ACP_BINARY": str(acp_server),
        "ACP_FILE_TRANSFER_BINARY": str(file_transfer_server),
        "ANSYSLMD_LICENSE_FILE": "1055@licenses",
    }
    output = acp_like.run(
        "-W", "ignore", "-c", ACP_LIFECYCLE, "uds", "insecure", environment=environment
    )
    servers = "['file_transfer', 'main'] [True, True] True 2"
    assert output.splitlines() == [
        f"uds {servers} nothing left no socket folder",
        f"insecure {servers} nothing left no socket folder",
    ]


ACP_FROM_INSTALLATION = """
from ansys.tools.local_product_launcher import launch_product
from acp_plugin.launcher import product_launch
from acp_plugin import LauncherConfig

import json
print(json.dumps(product_launch(LauncherConfig(transport="insecure"), port=50052).command))
with launch_product("acp", config=LauncherConfig(transport="uds")) as instance:
    print(instance.check(timeout=10))
"""


@posix_only
def test_the_acp_plugin_finds_the_product_in_the_newest_ansys_installation(
    acp_like: Plugin, acp_server: Path, file_transfer_server: Path, tmp_path: Path
) -> None:
    installation = tmp_path / "v271"
    (installation / "ACP").mkdir(parents=True)
    shutil.copy2(acp_server, installation / "ACP" / "acp_grpcserver")
    environment = {
        "AWP_ROOT271": str(installation),
        "ACP_FILE_TRANSFER_BINARY": str(file_transfer_server),
        "ANSYSLMD_LICENSE_FILE": "1055@licenses",
    }
    output = acp_like.run("-W", "ignore", "-c", ACP_FROM_INSTALLATION, environment=environment)
    command, checked = output.splitlines()
    assert json.loads(command) == [
        str(installation / "ACP" / "acp_grpcserver"),
        "--transport-mode=insecure",
        "--host=127.0.0.1",
        "--port=50052",
    ]
    assert checked == "True"


ACP_MISSING = """
import time
from ansys.tools.local_product_launcher import launch_product
from acp_plugin import LaunchError
from acp_plugin._machinery import fields

fields.latest_ansys_installation = lambda: None  # this machine may have Ansys installed
began = time.monotonic()
try:
    launch_product("acp")
except LaunchError as error:
    print(error)
print(time.monotonic() - began < 1)
"""


def test_without_the_product_the_launch_fails_at_once_naming_every_place_looked_at(
    acp_like: Plugin,
) -> None:
    output = acp_like.run("-W", "ignore", "-c", ACP_MISSING, environment={"PATH": ""})
    message, fast = output.splitlines()
    assert message == (
        "the product's executable '' is empty. Looked at: binary_path as configured ('');"
        " environment variable ACP_BINARY (not set); the newest Ansys installation"
        " (none found). Configure it with: ansys-launcher configure acp direct"
        " --binary_path=PATH, or set ACP_BINARY."
    )
    assert fast == "True"


def test_the_readme_worked_example_bakes_exactly_this_plugin() -> None:
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```bash\n(cookiecutter --no-input \. .*?)```", readme, re.DOTALL)
    assert example is not None
    words = shlex.split(example.group(1).replace("\\\n", " "))
    answers = dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))
    json_answers = ("config_fields", "product_command", "product_env", "servers")
    assert {
        name: json.loads(value) if name in json_answers or value in ("true", "false") else value
        for name, value in answers.items()
    } == {
        name: json.loads(value) if name in json_answers else value
        for name, value in ACP_LIKE.items()
    }


@posix_only
def test_the_lifecycle_tests_run_against_the_real_product_on_request(
    acp_like: Plugin, acp_server: Path, file_transfer_server: Path
) -> None:
    output = acp_like.run(
        *("pytest", "-p", "no:cacheprovider", "-q", "-m", "lifecycle", "--real-product"),
        "--product-option=license_server=1055@licenses",
        "tests/test_launcher.py",
        environment={
            "ACP_BINARY": str(acp_server),
            "ACP_FILE_TRANSFER_BINARY": str(file_transfer_server),
        },
    )
    # uds, insecure and mtls against the ACP-like server; wnua is for Windows only.
    assert re.search(r"\b3 passed, 1 skipped\b", output), output
