"""The lower bounds a bake declares are true: installed at exactly those versions
(``uv pip install --resolution lowest-direct``), the bake passes its own tests and ruff (mypy
at its lower bound runs in the venv, but the check of the bake is the matrix's)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from conftest import Plugin, declared_requirements, run, uv_command, venv_python
from packaging.requirements import Requirement
from packaging.version import Version

VERSIONS = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({}, id="defaults", marks=pytest.mark.xdist_group("lowest-http")),
        pytest.param(
            {"server_type": "grpc"},
            id="server_type:grpc",
            marks=pytest.mark.xdist_group("lowest-grpc"),
        ),
    ],
)
def test_the_bake_passes_its_own_checks_with_each_dependency_at_its_lower_bound(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory, answers: dict[str, Any]
) -> None:
    result = cookies_session.bake(extra_context=answers)
    assert result.exception is None, result.exception
    project = result.project_path
    venv = tmp_path_factory.mktemp("lowest-venv")
    run(uv_command("venv", "--quiet", "--python", sys.executable, str(venv)), cwd=venv)
    python = venv_python(venv)
    install = ["pip", "install", "--quiet", "--compile-bytecode", "--resolution", "lowest-direct"]
    run(uv_command(*install, "--python", str(python), f"{project}[test,lint]"), cwd=venv)
    installed = json.loads(run([str(python), "-c", VERSIONS], cwd=venv))
    for requirement in map(Requirement, declared_requirements(project)):
        bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if not bounds:
            continue
        bound = Version(bounds[0])
        version = Version(installed[requirement.name.lower()])
        assert version.release[: len(bound.release)] == bound.release, (
            f"{requirement} resolved to {version}: the bound is not the lowest installable"
        )
    config_path = tmp_path_factory.mktemp("launcher-config") / "config.json"
    plugin = Plugin(project, python, config_path)
    plugin.passes_its_own_checks(minimum_passed=30, slow=False, mypy=False)
