"""The examples in README.md run as written."""

from __future__ import annotations
{% if cookiecutter.include_connect_mode %}
import json
import re
import shlex
from pathlib import Path
from typing import Any
{%- else %}
import re
from pathlib import Path
{%- endif %}

import pytest

from .conftest import MODE, PRODUCT, CliRunner, cli_options, example_values

README = Path(__file__).parent.parent / "README.md"


def python_examples() -> list[str]:
    """Return the Python code blocks of the README."""
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_launch_example_runs_the_configured_product(
    site: Path,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
{%- if cookiecutter.http_scheme == "https" %}
    tls_files: list[str],
{%- endif %}
) -> None:
    cli("configure", PRODUCT, MODE, *cli_options(example_values(site)))
    monkeypatch.chdir(site)
    (launch_example,) = [code for code in python_examples() if "with launch_product" in code]
{%- if cookiecutter.http_scheme == "https" %}
    # The README verifies the product's certificate; here, the stand-in's.
    launch_example = launch_example.replace('"ca.pem"', repr(tls_files[0]))
{%- endif %}
    exec(compile(launch_example, str(README), "exec"), {})
    status, url = capsys.readouterr().out.split()
{%- if cookiecutter.server_type == "grpc" %}
    assert status == "True"
    assert re.fullmatch(r"unix:\S+|127\.0\.0\.1:\d+", url)
{%- else %}
    assert status == "200"
    assert re.fullmatch(r"{{ cookiecutter.http_scheme }}://127\.0\.0\.1:\d+(/\S*)?", url)
{%- endif %}
{%- if cookiecutter.include_connect_mode %}


def test_the_connect_example_configures_without_a_terminal_when_another_mode_is_the_default(
    site: Path, cli: CliRunner, launcher_config_path: Path
) -> None:
    cli("configure", PRODUCT, MODE, *cli_options(example_values(site)))
    text = README.read_text(encoding="utf-8")
    (configure,) = re.findall(rf"^ansys-launcher configure {PRODUCT} connect .*$", text, re.M)
    cli(*shlex.split(configure)[1:])  # no terminal: a question would abort it
    stored = json.loads(launcher_config_path.read_text(encoding="utf-8"))[PRODUCT]
    assert stored["launch_mode"] == "connect"
    assert set(stored["configs"]) == {MODE, "connect"}


def test_the_server_to_attach_to_is_started_as_the_readme_shows(
    site: Path, cli: CliRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("configure", PRODUCT, MODE, *cli_options(example_values(site)))
    (start,) = [code for code in python_examples() if "server = launch_product" in code]
    namespace: dict[str, Any] = {}
    exec(compile(start, str(README), "exec"), namespace)
    server = namespace["server"]
    try:
        assert capsys.readouterr().out.strip() == str(server.urls)
        assert server.check(timeout=5)
    finally:
        server.stop()
{%- endif %}
{%- if cookiecutter.include_slurm_mode %}


def test_the_slurm_examples_set_fields_of_slurm_config() -> None:
    import dataclasses

    from {{ cookiecutter.package_name }}.slurm import SlurmConfig

    fields = {field.name for field in dataclasses.fields(SlurmConfig)}
    (example,) = [code for code in python_examples() if 'launch_mode="slurm"' in code]
    arguments = example.split("SlurmConfig(\n", 1)[1].split("\n)", 1)[0]
    given = re.findall(r"^    (\w+)=", arguments, flags=re.MULTILINE)
    assert given
    assert set(given) <= fields
    options = re.findall(r"--slurm-option ([a-z_]+)=", README.read_text(encoding="utf-8"))
    assert options
    assert set(options) <= fields
{%- endif %}
