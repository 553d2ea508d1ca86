"""A plugin for a gRPC product like the ACP server: told where to listen, found through an
environment variable or an Ansys installation, given a license server (its own checks, with no
product installed, run in test_matrix.py)."""

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


@pytest.fixture
def acp_server(acp_like: Plugin, tmp_path: Path) -> Path:
    """The stand-in ACP server as an executable that runs with the plugin's Python."""
    source = (TEMPLATE / "tests" / "products" / "acp_like_server.py").read_text(encoding="utf-8")
    executable = tmp_path / "acp_grpcserver"
    executable.write_text(f"#!{acp_like.python}\n{source}", encoding="utf-8")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    return executable


ACP_LIFECYCLE = r"""
import os, re, sys
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from acp_plugin import LauncherConfig

SOCKET, TCP = r"unix:.+/acp_grpcserver-[0-9a-f]+\.sock", r"127\.0\.0\.1:\d+"
for transport in sys.argv[1:]:
    instance = launch_product("acp", config=LauncherConfig(transport=transport))
    pid = instance._launcher._process.pid
    address = instance.urls["main"]
    serving = check_grpc_health(instance.channels["main"], timeout=10)
    instance.stop()
    try:
        os.kill(pid, 0)
        left = "process left"
    except ProcessLookupError:
        left = "nothing left"
    socket_left = address.startswith("unix:") and os.path.exists(os.path.dirname(address[5:]))
    shape = SOCKET if transport == "uds" else TCP
    folder = "socket folder left" if socket_left else "no socket folder"
    print(transport, serving, bool(re.fullmatch(shape, address)), left, folder)
"""


@posix_only
def test_the_acp_plugin_launches_the_product_unedited_over_uds_and_insecure_tcp(
    acp_like: Plugin, acp_server: Path
) -> None:
    environment = {"ACP_BINARY": str(acp_server), "ANSYSLMD_LICENSE_FILE": "1055@licenses"}
    output = acp_like.run(
        "-W", "ignore", "-c", ACP_LIFECYCLE, "uds", "insecure", environment=environment
    )
    assert output.splitlines() == [
        "uds True True nothing left no socket folder",
        "insecure True True nothing left no socket folder",
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
    acp_like: Plugin, acp_server: Path, tmp_path: Path
) -> None:
    installation = tmp_path / "v271"
    (installation / "ACP").mkdir(parents=True)
    shutil.copy2(acp_server, installation / "ACP" / "acp_grpcserver")
    environment = {"AWP_ROOT271": str(installation), "ANSYSLMD_LICENSE_FILE": "1055@licenses"}
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
    json_answers = ("config_fields", "product_command", "product_env")
    assert {
        name: json.loads(value) if name in json_answers else value
        for name, value in answers.items()
    } == {
        name: json.loads(value) if name in json_answers else value
        for name, value in ACP_LIKE.items()
    }


@posix_only
def test_the_lifecycle_tests_run_against_the_real_product_on_request(
    acp_like: Plugin, acp_server: Path
) -> None:
    output = acp_like.run(
        *("pytest", "-p", "no:cacheprovider", "-q", "-m", "lifecycle", "--real-product"),
        "--product-option=license_server=1055@licenses",
        environment={"ACP_BINARY": str(acp_server)},
    )
    # uds, insecure and mtls against the ACP-like server; wnua is for Windows only.
    assert re.search(r"\b3 passed, 1 skipped\b", output), output
