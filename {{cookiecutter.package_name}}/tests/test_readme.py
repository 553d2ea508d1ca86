"""The examples in README.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import MODE, PRODUCT, CliRunner, cli_options, example_values

README = Path(__file__).parent.parent / "README.md"


def python_examples() -> list[str]:
    """Return the Python code blocks of the README."""
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_launch_example_runs_the_configured_product(
    site: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("configure", PRODUCT, MODE, *cli_options(example_values(site)))
    monkeypatch.chdir(site)
    (launch_example,) = [code for code in python_examples() if "launch_product" in code]
    exec(compile(launch_example, str(README), "exec"), {})
    status, url = capsys.readouterr().out.split()
{%- if cookiecutter.server_type == "grpc" %}
    assert status == "True"
    assert re.fullmatch(r"unix:\S+|127\.0\.0\.1:\d+", url)
{%- else %}
    assert status == "200"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
{%- endif %}
