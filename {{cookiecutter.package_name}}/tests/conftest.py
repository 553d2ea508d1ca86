"""Fixtures shared by the tests: an isolated launcher configuration, a folder to serve, the CLI."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The launcher keeps the configuration file in memory once read; the tests reset it.
from ansys.tools.common.launcher import config as launcher_config

from {{ cookiecutter.package_name }} import LauncherConfig

PRODUCT = "{{ cookiecutter.product_name }}"
MODE = "{{ cookiecutter.launch_mode }}"


@pytest.fixture(autouse=True)
def launcher_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Give every test a launcher configuration file of its own, never the user's."""
    path = tmp_path / "launcher-config.json"
    monkeypatch.setenv("ANSYS_LAUNCHER_CONFIG_PATH", str(path))
    launcher_config._reset_config()
    yield path
    launcher_config._reset_config()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Return a folder with one file, ``hello.txt``, to serve."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "hello.txt").write_text("hello from the test", encoding="utf-8")
    return folder


def example_values(site: Path) -> dict[str, Any]:
    """Return a value for every config field, each different from the field's default.

    A ``directory`` field gets ``site``{% if cookiecutter.server_type == "grpc" %}, ``transport`` the platform's default by name{% endif %};
    adapt the other values if your product needs particular ones.
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(LauncherConfig):
        default = None if field.default is dataclasses.MISSING else field.default
        if field.name == "directory":
            values[field.name] = str(site)
{%- if cookiecutter.server_type == "grpc" %}
        elif field.name == "transport":
            values[field.name] = "wnua" if sys.platform == "win32" else "uds"
{%- endif %}
        elif field.type in ("bool", bool):
            values[field.name] = not default
        elif field.type in ("int", int):
            values[field.name] = (default or 0) + 1
        elif field.type in ("float", float):
            values[field.name] = (default or 0.0) + 0.5
        else:
            values[field.name] = f"{default or ''}configured"
    return values


def cli_options(values: dict[str, Any]) -> list[str]:
    """Return ``ansys-launcher configure`` options that set ``values``."""
    return [
        f"--{name}={str(value).lower() if isinstance(value, bool) else value}"
        for name, value in values.items()
    ]


@pytest.fixture
def config(site: Path, monkeypatch: pytest.MonkeyPatch) -> LauncherConfig:
    """Return a configuration that serves ``site``, also for products without a directory field."""
    monkeypatch.chdir(site)
    return LauncherConfig(**example_values(site))


@pytest.fixture(autouse=True)
def spawned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Record every process a test starts; after the test, none may be left running."""
    processes: list[subprocess.Popen[bytes]] = []

    class RecordingPopen(subprocess.Popen[bytes]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            processes.append(self)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)
    yield processes
    for process in processes:
        assert process.returncode is not None, f"pid {process.pid} was left running"


CliRunner = Callable[..., str]


@pytest.fixture
def cli() -> CliRunner:
    """Run the installed ``ansys-launcher`` command; return its output, fail on a non-zero exit."""
    executable = shutil.which("ansys-launcher", path=sysconfig.get_path("scripts"))
    assert executable is not None, "ansys-launcher is not installed next to this Python"

    def run(*args: str) -> str:
        result = subprocess.run(
            [executable, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (
            f"ansys-launcher {args} failed:\n{result.stdout}\n{result.stderr}"
        )
        launcher_config._reset_config()  # the command may have written the configuration file
        return result.stdout

    return run


def python_command(source: str) -> list[str]:
    """Return a command that runs ``source`` with this Python; a stand-in product for tests."""
    return [sys.executable, "-c", source]
