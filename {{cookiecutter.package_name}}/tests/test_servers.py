"""Every server of the product is ready when a launch returns, each at its own address."""

from __future__ import annotations

import subprocess
{%- if servers() | length > 1 %}
import time
{%- endif %}
from pathlib import Path
{% if cookiecutter.server_type == "grpc" or servers() | length > 1 %}
import pytest
{%- endif %}
from {{ cookiecutter.__launcher_module }} import launch_product
from {{ cookiecutter.__launcher_module }}.interface import ServerType

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    Launcher,
    LauncherConfig,
{%- if servers() | length > 1 %}
    LaunchError,
{%- endif %}
)
from {{ cookiecutter.package_name }}.config import (
    SERVER_COMMANDS,
    SERVERS,
)

from .conftest import MODE, PRODUCT, example_values
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
