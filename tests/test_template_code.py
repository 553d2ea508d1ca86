"""The template's own code is as clean as what it generates."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE, load_module, run


def test_ruff_finds_nothing_in_the_template_code() -> None:
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=TEMPLATE)
    run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=TEMPLATE)


def test_mypy_strict_passes_on_rules_filters_and_benchmark() -> None:
    paths = ["launcher_rules.py", "launcher_filters.py", "bootstrap.py", "hooks"]
    output = run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *paths, "bench"],
        cwd=TEMPLATE,
    )
    assert output.startswith("Success"), output


def test_the_benchmark_keeps_its_launches_files_in_its_own_folder(tmp_path: Path) -> None:
    """Logs, temporary files and launcher settings of the benchmark's launches, never in the
    user's cache or configuration folder."""
    environment = load_module("bench/benchmark.py").child_environment(tmp_path)
    names = ("TMPDIR", "TEMP", "TMP", "ANSYS_LAUNCHER_LOG_DIR", "ANSYS_LAUNCHER_CONFIG_PATH")
    assert all(Path(environment[name]).is_relative_to(tmp_path) for name in names)


def test_the_benchmark_keeps_uv_out_of_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv's cache and temporary files go to the benchmark's folder, not to ``~/.cache/uv``."""
    monkeypatch.delenv("UV_CACHE_DIR", raising=False)
    environment = load_module("bench/benchmark.py").uv_environment(tmp_path)
    names = ("UV_CACHE_DIR", "TMPDIR", "TEMP", "TMP")
    assert all(Path(environment[name]).is_relative_to(tmp_path) for name in names)


def test_the_tests_run_from_any_folder(tmp_path: Path) -> None:
    """Started from another folder, pytest finds the template all the same."""
    test = f"{TEMPLATE / 'tests' / 'test_bake.py'}::test_the_default_bake_has_exactly_the_expected_files"
    run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", test],
        cwd=tmp_path,
    )
