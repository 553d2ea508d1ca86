"""Every server of the product is ready when a launch returns, each at its own address."""

from __future__ import annotations

{% if cookiecutter.server_type == "grpc" and servers() | length > 1 %}import shutil
{% endif %}import socket
import subprocess
{%- if cookiecutter.server_type == "grpc" and servers() | length > 1 %}
import sys
import tempfile
{%- endif %}
{%- if servers() | length > 1 %}
import time
{%- endif %}
from pathlib import Path

import pytest
from {{ cookiecutter.__launcher_module }} import launch_product
from {{ cookiecutter.__launcher_module }}.interface import ServerType

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    Launcher,
    LauncherConfig,
    LaunchError,
)
from {{ cookiecutter.package_name }}._machinery import (
    ports as ports_module,
)
from {{ cookiecutter.package_name }}.config import (
    SERVER_COMMANDS,
    SERVERS,
)

from .conftest import MODE, PRODUCT, example_values{% if cookiecutter.server_type == "grpc" and servers() | length > 1 %}, roles{% endif %}
{%- if cookiecutter.server_type == "grpc" %}

pytestmark = pytest.mark.filterwarnings("ignore:.*without TLS")
{%- endif %}


def reached(launcher: Launcher, server: str) -> bool:
    """Return whether ``server`` answers at the address the launcher gives for it."""
{%- if cookiecutter.server_type == "grpc" %}
    channel = launcher.transport_options[server].create_channel()
    try:
        return launcher_module.serving(channel, timeout=5)
    finally:
        channel.close()
{%- else %}
    return launcher_module.answers_http(launcher.urls[server], 5, launcher.headers)
{%- endif %}


def test_the_server_spec_names_every_server_of_the_product() -> None:
    kind = ServerType.{{ "GRPC" if cookiecutter.server_type == "grpc" else "GENERIC" }}
    assert dict(Launcher.SERVER_SPEC) == dict.fromkeys(SERVERS, kind)
    assert SERVERS[0] == "main"


def test_with_several_ports_told_three_starts_are_tried_and_the_taken_ports_named() -> None:
    holder = socket.socket()  # another process's server, on a port told to the product
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    free = ports_module.reserve_port("127.0.0.1")  # another server's port, left free
    ports_module.release_port(free)
    starts: list[int | None] = []

    def start(port: int | None) -> None:
        starts.append(port)
        raise LaunchError("the product exited during start-up")

    try:
        with pytest.raises(LaunchError) as raised:
            ports_module.start_on_free_port(
                start,
                lambda: None,
                lambda: True,
                tells_port=False,
                host="127.0.0.1",
                attempts=3,
                other_ports=lambda: [taken, free],
            )
    finally:
        holder.close()
    assert len(starts) == 3
    assert str(raised.value).endswith(f"before the product bound it: {taken}, {taken}, {taken}.")


def test_every_server_is_ready_when_the_launch_returns_each_at_its_own_address(
    site: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    config = LauncherConfig(**example_values(site))
    with launch_product(PRODUCT, launch_mode=MODE, config=config) as instance:
        launcher = instance._launcher
        assert isinstance(launcher, Launcher)
        assert set(instance.urls) == set(SERVERS)
        assert len(set(instance.urls.values())) == len(SERVERS)
{%- if cookiecutter.server_type == "grpc" %}
        assert set(instance.channels) == set(SERVERS)
{%- endif %}
        assert all(reached(launcher, server) for server in SERVERS)
        assert launcher.check(timeout=5)
    assert len(spawned) == 1 + len(SERVER_COMMANDS)
    assert all(process.returncode is not None for process in spawned)
{%- if servers() | length > 1 %}


@pytest.mark.skipif(not SERVER_COMMANDS, reason="every server is main's")
def test_each_server_of_its_own_has_a_process_and_a_log_and_check_sees_it_end(
    site: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    launcher = Launcher(config=LauncherConfig(**example_values(site)))
    launcher.start()
    try:
        assert set(launcher.log_paths) == {"main", *SERVER_COMMANDS}
        assert len(set(launcher.log_paths.values())) == len(launcher.log_paths)
        server = next(iter(SERVER_COMMANDS))
        own = launcher._companions[server]
        assert own.pid is not None
        assert own.pid != launcher._process.pid
        own.stop()  # the server's own program ends; the others still run
        assert not launcher.check(timeout=5)
    finally:
        launcher.stop()
    assert all(process.returncode is not None for process in spawned)


@pytest.mark.skipif(not SERVER_COMMANDS, reason="every server is main's")
def test_a_server_of_its_own_that_exits_fails_the_start_naming_it_and_leaves_nothing(
    site: Path, monkeypatch: pytest.MonkeyPatch, spawned: list[subprocess.Popen[bytes]]
) -> None:
    server = next(iter(SERVER_COMMANDS))
    told = ["{port:" + server + "}", "{address:" + server + "}"]  # where to listen, unused
    failing = ["{python}", "-c", "import sys; sys.exit(7)", *told]
    monkeypatch.setitem(vars(launcher_module)["SERVER_COMMANDS"], server, failing)
    launcher = Launcher(config=LauncherConfig(**example_values(site)))
    began = time.monotonic()
    with pytest.raises(LaunchError, match=f"-{server} exited with code 7"):
        launcher.start()
    assert time.monotonic() - began < 10
    assert all(process.returncode is not None for process in spawned)
    launcher.stop()
{%- endif %}
{%- if cookiecutter.server_type == "grpc" and servers() | length > 1 %}


@pytest.mark.skipif(sys.platform == "win32", reason="Unix domain sockets")
def test_every_socket_fits_when_the_temporary_folder_has_room_for_main_s_only(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main_socket = launcher_module.socket_name("x" * 12)  # a launch's uds_id has 12 characters
    folder_name = len(launcher_module.SOCKET_FOLDER_PREFIX) + 8
    room = launcher_module.SOCKET_PATH_LIMIT - len(main_socket) - folder_name - 2
    parent = tempfile.gettempdir()
    base = tempfile.mkdtemp(dir=parent if len(parent) < room // 2 else "/tmp")
    folder = Path(base, "f" * (room - len(base) - 1))  # main's socket path would just fit
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    config = LauncherConfig(**{**example_values(site), roles()["transport"]: "uds"})
    try:
        with launch_product(PRODUCT, launch_mode=MODE, config=config) as instance:
            paths = [url.removeprefix("unix:") for url in instance.urls.values()]
            assert all(launcher_module.serving(each, 5) for each in instance.channels.values())
    finally:
        shutil.rmtree(base)
    assert len(paths) == len(SERVERS)
    assert all(len(path) <= launcher_module.SOCKET_PATH_LIMIT for path in paths)


@pytest.mark.skipif(not SERVER_COMMANDS, reason="every server is main's")
@pytest.mark.skipif(launcher_module.unsupported("mtls") is not None, reason="no certificates")
def test_mtls_needs_each_command_of_its_own_to_give_the_certificates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = next(iter(SERVER_COMMANDS))
    field = "{" + roles()["certs_dir"] + "}"
    commands = vars(launcher_module)["SERVER_COMMANDS"]
    without = [argument for argument in commands[server] if field not in argument]
    monkeypatch.setitem(commands, server, without)
    problem = launcher_module.unsupported("mtls")
    assert problem is not None
    assert f"the command of server {server} to give it the certificates" in problem
{%- endif %}
