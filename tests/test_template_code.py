"""The template's own code is as clean as what it generates."""

from __future__ import annotations

import sys

from conftest import TEMPLATE, run


def test_ruff_finds_nothing_in_the_template_code() -> None:
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=TEMPLATE)
    run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=TEMPLATE)


def test_mypy_strict_passes_on_rules_filters_and_benchmark() -> None:
    paths = ["launcher_answers.py", "launcher_jinja.py", "bootstrap.py"]
    output = run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *paths, "bench"],
        cwd=TEMPLATE,
    )
    assert output.startswith("Success"), output
