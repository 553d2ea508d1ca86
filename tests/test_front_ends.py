"""The template with the front-ends its users have: older cookiecutters (refused, with a clear
message), a downstream pytest-cookies test as the README shows it, ``cruft link`` of a project
baked with plain cookiecutter, and records that carry no path of the baking machine."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    TEMPLATE,
    commit_all,
    copy_of_the_template,
    new_venv,
    run,
    uv_command,
    venv_python,
    write_cookiecutter_config,
)
from test_updates import CRUFT

pytestmark = pytest.mark.xdist_group("front-ends")

MINIMUM = "2.7"
"""The oldest cookiecutter the template supports, as the README states it."""


@pytest.mark.parametrize("version", ["2.1.1", "2.4.0", "2.6.0"])
def test_an_older_cookiecutter_is_refused_naming_the_version_needed(
    version: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv = new_venv(tmp_path_factory, f"cookiecutter-{version}")
    python = str(venv_python(venv))
    run(
        uv_command("pip", "install", "--quiet", "--python", python, f"cookiecutter=={version}"),
        venv,
    )
    config = write_cookiecutter_config(tmp_path / "config.yaml", {})
    out = tmp_path / "out"
    command = [python, "-m", "cookiecutter", "--no-input", "--config-file", str(config)]
    result = subprocess.run(
        [*command, str(TEMPLATE), "--output-dir", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"needs cookiecutter {MINIMUM} or later, not {version}" in output
    assert "Traceback" not in output
    assert not out.exists() or list(out.iterdir()) == []


def test_the_readme_states_the_minimum_cookiecutter() -> None:
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    assert f"cookiecutter {MINIMUM} or later" in readme
    assert f"cookiecutter>={MINIMUM}" in (TEMPLATE / "requirements-test.txt").read_text("utf-8")


def readme_block(marker: str) -> str:
    """Return the README's fenced code block that follows the line holding ``marker``,
    dedented."""
    lines = (TEMPLATE / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if marker in line)
    fences = [
        number for number in range(start, len(lines)) if lines[number].lstrip().startswith("```")
    ]
    return textwrap.dedent("\n".join(lines[fences[0] + 1 : fences[1]]) + "\n")


DOWNSTREAM_TEST = """
def test_it_bakes_a_plugin_for_fluent(cookies):
    result = cookies.bake(extra_context={"product_name": "fluent", "launch_mode": "local"})
    assert result.exit_code == 0, result.exception
    assert (result.project_path / "src" / "fluent_plugin" / "launcher.py").is_file()
"""


def test_a_downstream_pytest_cookies_test_passes_as_the_readme_shows(tmp_path: Path) -> None:
    """A test of the template written as pytest-cookies' users write them, run with the
    ``pytest`` command (which, unlike ``python -m pytest``, puts no folder on ``sys.path``) in
    a copy of the template: it passes thanks to the ``pythonpath`` setting the README shows."""
    setting = readme_block("pytest-cookies loads")
    assert 'pythonpath = ["."]' in setting
    template = copy_of_the_template(tmp_path)
    tests = template / "downstream"
    tests.mkdir()
    (tests / "test_downstream.py").write_text(DOWNSTREAM_TEST, encoding="utf-8")
    pytest_command = Path(sys.executable).parent / (
        "pytest.exe" if sys.platform == "win32" else "pytest"
    )
    command = [str(pytest_command), "-q", "-p", "no:cacheprovider", "-n", "0"]
    command += [f"--basetemp={tmp_path / 'basetemp'}", str(tests)]
    output = run(command, cwd=template)
    assert "1 passed" in output
    # Without the setting, pytest-cookies cannot load the template's filters.
    pyproject = template / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('pythonpath = ["."]', ""), encoding="utf-8"
    )
    failing = subprocess.run(command, cwd=template, capture_output=True, text=True)
    assert failing.returncode != 0
    assert "Unable to load extension" in failing.stdout


def test_cruft_link_records_the_answers_of_a_plain_cookiecutter_bake(
    tmp_path: Path, cookies: Any
) -> None:
    """The README's ``cruft link`` command for a project baked with ``cookiecutter``."""
    template = copy_of_the_template(tmp_path)
    commit = run(["git", "rev-parse", "HEAD"], cwd=template).strip()
    result = cookies.bake(
        extra_context={"product_name": "fluent", "launch_mode": "local"}, template=str(template)
    )
    assert result.exit_code == 0, result.exception
    project = result.project_path
    commit_all(project, "Baked with cookiecutter")
    command = readme_block("cruft link").strip().replace("\\\n", " ")
    command = command.replace("<template>", str(template)).replace("<commit>", commit)
    assert command.startswith("cruft link")
    run(["sh", "-c", command.replace("cruft ", f"{' '.join(CRUFT)} ", 1)], cwd=project)
    linked = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert linked["commit"] == commit
    assert linked["context"]["cookiecutter"]["product_name"] == "fluent"
    assert linked["context"]["cookiecutter"]["launch_mode"] == "local"
    assert "up to date" in run([*CRUFT, "check"], cwd=project)


def test_the_recorded_answers_carry_no_path_of_the_baking_machine(cookies: Any) -> None:
    result = cookies.bake()
    assert result.exit_code == 0, result.exception
    record = (result.project_path / ".cookiecutter.json").read_text(encoding="utf-8")
    answers = json.loads(record)["cookiecutter"]
    # Private answers (``__``) are derived ones, which a replay needs; ``_`` ones are cookiecutter's
    # own, about the bake: where the template and the output were.
    assert [name for name in answers if name.startswith("_") and name[1] != "_"] == []
    for place in (str(TEMPLATE), str(result.project_path.parent)):
        assert place not in record
