"""The launcher hands over only its product's server, and a launch killed at any moment leaves no
process and no folder behind.
{%- if cookiecutter.server_type == "grpc" %}

These tests run the stand-in with command lines of their own (told its port, reporting it,
listening on a Unix domain socket), so they test the launcher's machinery whatever
``PRODUCT_COMMAND`` is.
{%- else %}

These tests run the stand-in with command lines of their own (told its port, reporting it), so
they test the launcher's machinery whatever ``PRODUCT_COMMAND`` is.
{%- endif %}

All of them are lifetime tests, marked ``slow``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
import pytest

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    Launcher,
    LauncherConfig,
    LaunchError,
)
from {{ cookiecutter.package_name }}._machinery import (
    ports as ports_module,
)
{%- if cookiecutter.server_type == "grpc" %}
from {{ cookiecutter.package_name }}.config import UDS_SERVICE
{%- endif %}

from . import stand_in as stand_in_module
from .conftest import STAND_IN, WATCHDOG, literal, one_server, roles

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")
{%- if cookiecutter.server_type == "grpc" %}
# The shapes over TCP use the insecure transport, which the launcher library warns about.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*without TLS")]
SHAPES = {
    "told its port": ("insecure", ["--host={host}", "--port={port}"]),
    "reporting its port": ("insecure", ["--host={host}"]),
    "on a Unix domain socket": ("uds", ["--uds-dir={uds_dir}", "--uds-id={uds_id}"]),
}
{%- else %}
pytestmark = pytest.mark.slow
SHAPES = {
    "told its port": ("", ["--bind={host}", "--port={port}"]),
    "reporting its port": ("", ["--bind={host}"]),
}
{%- endif %}
"""Launches the tests try: a transport and the stand-in's arguments."""


def use_stand_in(monkeypatch: pytest.MonkeyPatch, arguments: list[str]) -> list[str]:
    """Make the launcher run the stand-in with ``arguments``; return the ``PRODUCT_COMMAND``."""
    product_command = ["{python}", literal(str(STAND_IN)), *arguments]
    monkeypatch.setattr(launcher_module, "PRODUCT_COMMAND", product_command)
    monkeypatch.setattr(launcher_module, "PRODUCT_ENV", {})
    one_server(monkeypatch)
{%- if cookiecutter.server_type == "http" %}
    monkeypatch.setattr(launcher_module, "SCHEME", "http")  # the stand-in serves plain HTTP
    monkeypatch.setattr(launcher_module, "TOKEN_HEADER", "")
{%- endif %}
    templates: dict[str, Any] = {"command": arguments, "env": {}, "roles": roles()}
{%- if cookiecutter.server_type == "grpc" %}
    templates["uds_service"] = UDS_SERVICE
{%- endif %}
    monkeypatch.setenv(stand_in_module.TEMPLATES_VARIABLE, json.dumps(templates))
    return product_command


def shaped(config: LauncherConfig, transport: str) -> LauncherConfig:
    """Return ``config`` with ``transport`` in the field with the role ``transport``, where the
    plugin has that field."""
    values: dict[str, Any] = dataclasses.asdict(config)
    field = roles().get("transport")
    if transport and field:
        values[field] = transport
    return LauncherConfig(**values)


# A launching program that is killed, or kills itself, at a chosen moment: "product" right after
# the product's process is created, "file" right after the launch creates anything in the
# temporary folder, "random" when the test says (it prints "launching" first).
LAUNCHER = """
import json, os, signal, subprocess, sys
import {{ cookiecutter.package_name }}.launcher as launcher_module

moment, watchdog, command, config = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:])
launcher_module.PRODUCT_COMMAND = command
launcher_module.PRODUCT_ENV = {}
{%- if cookiecutter.server_type == "http" %}
launcher_module.SCHEME, launcher_module.TOKEN_HEADER = "http", ""
{%- endif %}
temporary = os.environ["TMPDIR"]
make_folder, open_file, popen_init = os.mkdir, os.open, subprocess.Popen.__init__


def created(path):
    if moment == "file" and os.path.abspath(path).startswith(temporary):
        os.kill(os.getpid(), signal.SIGKILL)


def mkdir(path, *args, **kwargs):
    make_folder(path, *args, **kwargs)
    created(path)


def open_(path, flags, *args, **kwargs):
    descriptor = open_file(path, flags, *args, **kwargs)
    if flags & os.O_CREAT:
        created(path)
    return descriptor


def init(self, args, *more, **options):
    popen_init(self, args, *more, **options)
    if moment == "product" and watchdog not in map(str, args):
        os.kill(os.getpid(), signal.SIGKILL)


os.mkdir, os.open, subprocess.Popen.__init__ = mkdir, open_, init
launcher = launcher_module.Launcher(config=launcher_module.LauncherConfig(**config))
print("launching", flush=True)
launcher.start()
print("started", flush=True)
sys.stdin.readline()
"""


def marked(marker: str) -> list[psutil.Process]:
    """Return the running processes whose environment holds ``marker``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and marker in process.environ():
                found.append(process)
        except psutil.Error:
            continue
    return found


def launch_and_kill(
    moment: str, product_command: list[str], config: LauncherConfig, delay: float, how: int
) -> tuple[list[psutil.Process], list[str]]:
    """Run ``LAUNCHER`` until the moment (or ``delay`` s after it says "launching", then send it
    ``how``), with a temporary folder of its own; return the processes of the launch and the
    files in that folder still there 5 s later."""
    marker = f"LAUNCH_{uuid.uuid4().hex}"
    arguments = [json.dumps(product_command), json.dumps(dataclasses.asdict(config))]
    temporary = tempfile.mkdtemp(prefix="k")  # short: a socket path fits in it
    environment = {**os.environ, marker: "1", "TMPDIR": temporary, "TEMP": temporary}
    parent = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, moment, WATCHDOG, *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**environment, "TMP": temporary},
    )
    assert parent.stdout is not None
    assert parent.stdin is not None
    if moment != "random":
        parent.stdin.close()  # a launch that gets through ends the program without stop()
    try:
        if moment == "random":
            assert parent.stdout.readline() == "launching\n"
            time.sleep(delay)
            parent.send_signal(how)
        parent.stdout.read()
        parent.wait(timeout=30)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (marked(marker) or os.listdir(temporary)):
            time.sleep(0.05)
        return marked(marker), os.listdir(temporary)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        parent.stdin.close()
        for left in marked(marker):
            left.kill()
        shutil.rmtree(temporary, ignore_errors=True)


MOMENTS = [
    *((shape, "product") for shape in SHAPES),
    *((shape, "file") for shape, (transport, _) in SHAPES.items() if transport == "uds"),
]
"""The moments of a launch a test kills the launching program at."""


@posix_only
@pytest.mark.parametrize(("shape", "moment"), MOMENTS)
def test_a_launcher_killed_right_after_starting_the_product_or_a_file_leaves_nothing(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch, shape: str, moment: str
) -> None:
    transport, arguments = SHAPES[shape]
    product_command = use_stand_in(monkeypatch, arguments)
    left, files = launch_and_kill(moment, product_command, shaped(config, transport), 0, 0)
    assert left == []
    assert files == []


@posix_only
@pytest.mark.parametrize("shape", SHAPES)
def test_a_launcher_killed_at_a_random_moment_of_its_start_leaves_nothing(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    transport, arguments = SHAPES[shape]
    product_command = use_stand_in(monkeypatch, arguments)
    config = shaped(config, transport)
    trials = [
        (random.uniform(0, 0.3), random.choice([signal.SIGKILL, signal.SIGTERM])) for _ in range(8)
    ]
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda trial: launch_and_kill("random", product_command, config, *trial), trials
            )
        )
    assert [result for result in results if result != ([], [])] == []


@posix_only
def test_a_watchdog_that_ended_is_replaced_at_the_next_check(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    transport, arguments = SHAPES["told its port"]
    use_stand_in(monkeypatch, arguments)
    launcher = Launcher(config=shaped(config, transport))
    launcher.start()
    try:
        guard = launcher._process._watchdog  # the machinery under test
        assert guard is not None
        guard.kill()
        guard.wait()
        assert launcher.check(timeout=5)
        assert "watchdog" in caplog.text
        assert any(record.levelname == "WARNING" for record in caplog.records)
        replacement = launcher._process._watchdog
        assert replacement is not None
        assert replacement.poll() is None
        assert os.getpgid(replacement.pid) == launcher._process.group
    finally:
        launcher.stop()
    assert launcher._process._watchdog is None


@posix_only
def test_a_launcher_killed_after_its_watchdog_was_replaced_leaves_nothing(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport, arguments = SHAPES["told its port"]
    product_command = use_stand_in(monkeypatch, arguments)
    source = LAUNCHER.replace(
        'print("started", flush=True)',
        "launcher._process._watchdog.kill(); launcher._process._watchdog.wait()\n"
        "assert launcher.check(timeout=5)\n"
        "os.kill(os.getpid(), signal.SIGKILL)",
    )
    monkeypatch.setattr(sys.modules[__name__], "LAUNCHER", source)
    left, files = launch_and_kill("after", product_command, shaped(config, transport), 0, 0)
    assert left == []
    assert files == []


def answering_server() -> tuple[Callable[[], None], int]:
    """Start a server on a free port of 127.0.0.1 that answers as the product would; return
    what stops it, and its port."""
{%- if cookiecutter.server_type == "grpc" %}
    import grpc
    from grpc_health.v1 import (  # type: ignore[import-untyped,unused-ignore]
        health,
        health_pb2_grpc,
    )

    # Without SO_REUSEPORT, as most servers bind: then the product cannot share the port.
    server = grpc.server(ThreadPoolExecutor(2), options=[("grpc.so_reuseport", 0)])
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()

    def stop() -> None:
        server.stop(None).wait()

    return stop, port
{%- else %}
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop, server.server_address[1]
{%- endif %}


def test_a_port_taken_by_another_server_that_answers_is_never_handed_over(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport, arguments = SHAPES["told its port"]
    use_stand_in(monkeypatch, arguments)
    stop_other, taken = answering_server()
    reserve = ports_module.reserve_port
    ports = iter([taken])
    monkeypatch.setattr(
        ports_module, "reserve_port", lambda host: next(ports, None) or reserve(host)
    )
    launcher = Launcher(config=shaped(config, transport))
    try:
        launcher.start()
        # HOST:PORT, or an HTTP URL (which may have a path and a query)
        address = launcher.urls["main"].partition("://")[2] or launcher.urls["main"]
        port = int(address.partition("/")[0].rpartition(":")[2])
        assert port != taken
        assert launcher._process.listens_on(port)
    finally:
        launcher.stop()
        stop_other()


def test_a_product_that_never_gets_its_port_fails_naming_who_holds_it(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport, _ = SHAPES["told its port"]
    # A product that keeps running without listening, while another server has its port.
    monkeypatch.setattr(
        launcher_module,
        "PRODUCT_COMMAND",
        [literal(sys.executable), "-c", "import time; time.sleep(60)", "{port}"],
    )
    monkeypatch.setattr(launcher_module, "PRODUCT_ENV", {})
    one_server(monkeypatch)
{%- if cookiecutter.server_type == "http" %}
    monkeypatch.setattr(launcher_module, "SCHEME", "http")  # as the other server answers
{%- endif %}
    stop_other, taken = answering_server()
    monkeypatch.setattr(ports_module, "reserve_port", lambda host: taken)
    launcher = Launcher(config=dataclasses.replace(shaped(config, transport), startup_timeout=2.0))
    try:
        with pytest.raises(LaunchError, match=f"port {taken} .*pid {os.getpid()}") as raised:
            launcher.start()
        assert "listens and answers there" in str(raised.value)
        assert launcher.urls.get("main", "").endswith(f":{taken}") is False
    finally:
        launcher.stop()
        stop_other()
