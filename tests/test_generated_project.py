"""The default bake's distributions, and a custom bake installed with only what it declares."""

from __future__ import annotations

import configparser
import json
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from answers import CUSTOM
from conftest import Plugin, run, uv_command

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PACKAGE = "example_httpserver_plugin"


@pytest.fixture(scope="module")
def distributions(cookies_session: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sdist and the wheel of the default bake (its checks run in test_matrix.py)."""
    result = cookies_session.bake()
    assert result.exception is None, result.exception
    out = tmp_path_factory.mktemp("dist")
    run(
        uv_command("build", "--quiet", "--sdist", "--wheel", "--out-dir", str(out)),
        result.project_path,
    )
    return out


def test_the_wheel_holds_the_package_types_license_and_entry_points(distributions: Path) -> None:
    (wheel,) = distributions.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(name.split("/")[0] for name in names if ".dist-info/" in name)
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        metadata = archive.read(f"{dist_info}/METADATA").decode()
    assert {
        f"{PACKAGE}/__init__.py",
        f"{PACKAGE}/config.py",
        f"{PACKAGE}/errors.py",
        f"{PACKAGE}/launcher.py",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/_machinery/__init__.py",
        f"{PACKAGE}/_machinery/commandline.py",
        f"{PACKAGE}/_machinery/fields.py",
        f"{PACKAGE}/_machinery/launching.py",
        f"{PACKAGE}/_machinery/listeners.py",
        f"{PACKAGE}/_machinery/logs.py",
        f"{PACKAGE}/_machinery/placeholders.py",
        f"{PACKAGE}/_machinery/ports.py",
        f"{PACKAGE}/_machinery/probes.py",
        f"{PACKAGE}/_machinery/process.py",
        f"{PACKAGE}/_machinery/watchdog.py",
        f"{dist_info}/licenses/LICENSE",
    } <= names
    groups = configparser.ConfigParser(delimiters=("=",))
    groups.optionxform = str  # type: ignore[assignment,method-assign]
    groups.read_string(entry_points)
    assert {name: dict(groups[name]) for name in groups.sections()} == {
        "ansys.tools.local_product_launcher.launcher": {
            "example_httpserver.direct": f"{PACKAGE}:Launcher",
            "example_httpserver.__fallback__": f"{PACKAGE}:Launcher",
        }
    }
    assert "Version: 0.1.0" in metadata
    assert "License-Expression: MIT" in metadata
    assert (
        "Summary: Launcher plugin that starts example_httpserver through the Ansys Local"
        " Product Launcher." in metadata
    )


def test_the_sdist_holds_sources_tests_docs_and_license(distributions: Path) -> None:
    (sdist,) = distributions.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        pyproject = tomllib.loads(
            archive.extractfile(f"{PACKAGE}-0.1.0/pyproject.toml").read().decode()  # type: ignore[union-attr]
        )
    assert {
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        f"src/{PACKAGE}/launcher.py",
        f"src/{PACKAGE}/py.typed",
        "tests/test_launcher.py",
    } <= names
    assert pyproject["project"]["name"] == PACKAGE


@pytest.fixture(scope="module")
def custom_plugin(install: Callable[..., Plugin]) -> Plugin:
    """The custom bake, installed in a venv of its own."""
    return install(**CUSTOM)


FIELDS_AS_JSON = """
import dataclasses, json
from demo_server_plugin import LauncherConfig
from ansys.tools.common.launcher.interface import METADATA_KEY_DOC, METADATA_KEY_NOPROMPT
print(json.dumps({
    field.name: {
        "type": field.type,
        "default": None if field.default is dataclasses.MISSING else field.default,
        "doc": field.metadata[METADATA_KEY_DOC],
        "noprompt": field.metadata.get(METADATA_KEY_NOPROMPT, False),
    }
    for field in dataclasses.fields(LauncherConfig)
}))
"""


def test_a_custom_bake_has_a_dataclass_field_per_answer(custom_plugin: Plugin) -> None:
    fields = json.loads(custom_plugin.run("-W", "error::DeprecationWarning", "-c", FIELDS_AS_JSON))
    assert fields == {
        "directory": {
            "type": "str",
            "default": "",
            "doc": "Folder to serve | files from.",
            "noprompt": False,
        },
        "workers": {
            "type": "int",
            "default": None,
            "doc": "Number of workers; must be configured.",
            "noprompt": False,
        },
        "scale": {
            "type": "float",
            "default": 2.0,
            "doc": 'Scale "factor" of the product.',
            "noprompt": False,
        },
        "verbose": {"type": "bool", "default": False, "doc": "Log all.", "noprompt": True},
        "startup_timeout": {
            "type": "float",
            "default": 30.0,
            "doc": "Seconds a start may take before it fails.",
            "noprompt": True,
        },
    }


LAUNCH_CONFIGURED_DEFAULT = """
import requests
from ansys.tools.common.launcher import launch_product
from ansys.tools.common.launcher.config import get_config_for
from demo_server_plugin.launcher import product_launch
with launch_product("demo-server") as server:
    print(requests.get(server.urls["main"] + "/hello.txt", timeout=10).text)
config = get_config_for(product_name="demo-server", launch_mode=None)
print(" ".join(product_launch(config).command[1:7]))
"""


def test_a_custom_bake_configures_with_the_cli_and_launches_the_configured_default(
    custom_plugin: Plugin, tmp_path: Path
) -> None:
    (tmp_path / "hello.txt").write_text("configured folder", encoding="utf-8")
    custom_plugin.script(
        "ansys-launcher",
        "configure",
        "demo-server",
        "local",
        f"--directory={tmp_path}",
        "--workers=4",
        "--scale=0.5",
        "--verbose=true",
    )
    shown = custom_plugin.script("ansys-launcher", "show-config")
    assert "    local (default)" in shown
    assert "        workers: 4" in shown
    assert "        scale: 0.5" in shown
    assert "        verbose: True" in shown
    output = custom_plugin.run("-c", LAUNCH_CONFIGURED_DEFAULT).splitlines()
    assert output == ["configured folder", "-X workers=4 -X scale=0.5 -X verbose=True"]
