"""The answers that change the code, baked, installed and checked in a covering array.

Every value of every answer in ``NAMES`` is in some bake, and every pair of values of any two
of them; so is each launch mode with each server type. The bakes are: a row per server type at
the default answers, the bakes for products like real ones (``NAMED_ANSWERS``, with the launch
modes and libraries their answers give), and the rows that ``allpairspy`` adds until every pair
is in a bake. Each is baked, installed with what it declares, and runs its own tests, ruff and
mypy --strict. Its tests marked ``slow`` (timing, load and lifetime tests that depend on
``server_type`` only) run for the default answers of each server type, and are deselected for
the other bakes; those marked ``machinery`` (of ``_machinery/`` alone, which holds no Jinja: no
answer changes it or them) run for the default answers of the first server type only. Two more
bakes (``LOWEST``) are installed with the lowest versions of their dependencies that their
bounds allow, which must be those bounds, and run their own tests (the machinery's with the
first) and ruff (mypy runs on the others). The bakes that declare the same requirements share a
venv.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from allpairspy import AllPairs
from answers import ACP_LIKE, CUSTOM, RENAMED_GRPC, RENAMED_HTTP
from conftest import (
    BOOLEANS,
    CHOICES,
    COOKIECUTTER_JSON,
    TEMPLATE,
    Plugin,
    declared_requirements,
    shared_venv_group,
    taking_turns,
)

# The answers that change the code: choices (their values from cookiecutter.json) and yes/no
# questions. A new one is appended here, and the covering array takes it in.
NAMES = [
    "server_type",
    "launcher_library",
    "include_connect_mode",
    "register_fallback",
    "include_slurm_mode",
    "include_container_mode",
]
VALUES = {name: CHOICES.get(name) or [True, False] for name in NAMES}
# Each launch mode of a generated plugin, and the yes/no answer that adds it (None: always).
LAUNCH_MODES: dict[str, str | None] = {
    "direct": None,
    "connect": "include_connect_mode",
    "slurm": "include_slurm_mode",
    "container": "include_container_mode",
}


def default_of(name: str) -> Any:
    """Return the default answer of ``name``: a choice's first value, or the yes/no default."""
    value = COOKIECUTTER_JSON[name]
    return value[0] if isinstance(value, list) else value


def answers_with(**changed: Any) -> dict[str, Any]:
    """Return the default answer of every name in ``NAMES``, with ``changed`` instead."""
    assert set(changed) <= set(NAMES), changed
    return {name: changed.get(name, default_of(name)) for name in NAMES}


def shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def id_of(answers: dict[str, Any]) -> str:
    """Return the test id of ``answers``, such as ``server_type:grpc,...,register_fallback:true``."""
    return ",".join(f"{name}:{shown(value)}" for name, value in answers.items())


# The default answers of each server type: the rows whose tests marked ``slow`` run.
DEFAULT_ROWS = [answers_with(server_type=server_type) for server_type in VALUES["server_type"]]


# Bakes for products like real ones (the tests of each in its own file launch it for real),
# with the least number of their tests that must pass. Their answers in ``NAMES`` are part of
# the covering array.
NAMED_ANSWERS = {
    "acp-like": (ACP_LIKE, 40),
    "custom": (CUSTOM, 30),
    "renamed-grpc-roles": (RENAMED_GRPC, 40),
    "renamed-http-roles-https-token": (RENAMED_HTTP, 30),
}


def code_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Return the answers in ``NAMES`` of a bake with ``answers`` (the default for those that
    ``answers`` does not give)."""
    return answers_with(**{name: answers[name] for name in NAMES if name in answers})


NAMED_ROWS = {name: code_answers(answers) for name, (answers, _) in NAMED_ANSWERS.items()}


def covering_array() -> list[dict[str, Any]]:
    """Return the rows of default answers: ``DEFAULT_ROWS``, then the rows that ``allpairspy``
    adds until every pair of values of any two answers is in a row or a named bake."""
    seeds = [[row[name] for name in NAMES] for row in [*DEFAULT_ROWS, *NAMED_ROWS.values()]]
    added = AllPairs(OrderedDict(VALUES), previously_tested=seeds)
    return DEFAULT_ROWS + [dict(zip(NAMES, values, strict=True)) for values in added]


ROWS = covering_array()
BAKES = ROWS + list(NAMED_ROWS.values())
"""The answers in ``NAMES`` of every bake of the covering array: its rows and named bakes."""

LOWEST = [
    # With the connect mode: its tests' request handler (do_GET) meets the lowest ruff.
    answers_with(server_type="http", register_fallback=False, include_connect_mode=True),
    answers_with(server_type="grpc", include_connect_mode=True, register_fallback=False),
]
"""Bakes installed with the lowest versions their bounds allow (``lowest-direct``): an HTTP and
a gRPC bake of the first launcher library (the gRPC one declares the other library too), which
between them declare every bound the template writes."""


def row_params() -> list[Any]:
    """One ``pytest.param`` per row of the covering array, with whether its slow tests run."""
    return [
        pytest.param(
            answers,
            answers in DEFAULT_ROWS,
            id=id_of(answers),
            marks=shared_venv_group(answers),
        )
        for answers in ROWS
    ]


def lowest_params() -> list[Any]:
    """One ``pytest.param`` per bake installed with the lowest versions."""
    return [
        pytest.param(
            answers,
            id=id_of(answers),
            marks=pytest.mark.xdist_group(f"lowest-{answers['server_type']}"),
        )
        for answers in LOWEST
    ]


# A named bake shares a venv with the rows of the same requirements; its id names its answers
# in ``NAMES`` too.
NAMED = [
    pytest.param(
        answers,
        NAMED_ROWS[name],
        minimum,
        id=f"{name},{id_of(NAMED_ROWS[name])}",
        marks=shared_venv_group(answers),
    )
    for name, (answers, minimum) in NAMED_ANSWERS.items()
]


def test_the_answers_are_choices_and_yes_no_questions_of_cookiecutter_json() -> None:
    assert set(NAMES) - set(CHOICES) <= set(BOOLEANS)
    assert all(len(values) >= 2 for values in VALUES.values()), VALUES
    for answers in BAKES + LOWEST:
        assert list(answers) == NAMES, answers
        assert all(answers[name] in VALUES[name] for name in NAMES), answers
    assert len({id_of(answers) for answers in ROWS}) == len(ROWS)


def test_every_value_and_every_pair_of_values_of_the_answers_is_in_a_bake() -> None:
    for name in NAMES:
        assert {answers[name] for answers in BAKES} == set(VALUES[name]), name
    for first, second in itertools.combinations(NAMES, 2):
        pairs = {(answers[first], answers[second]) for answers in BAKES}
        missing = set(itertools.product(VALUES[first], VALUES[second])) - pairs
        assert not missing, (first, second, missing)


def test_each_launch_mode_meets_each_server_type_in_a_bake() -> None:
    modes = {name for name in NAMES if name.startswith("include_") and name.endswith("_mode")}
    assert {answer for answer in LAUNCH_MODES.values() if answer is not None} == modes
    for server_type, (mode, answer) in itertools.product(
        VALUES["server_type"], LAUNCH_MODES.items()
    ):
        assert any(
            answers["server_type"] == server_type and (answer is None or answers[answer])
            for answers in BAKES
        ), (mode, server_type)


def test_the_slow_tests_run_for_the_default_answers_of_each_server_type() -> None:
    slow = [param.values[0] for param in row_params() if param.values[1]]
    assert [answers["server_type"] for answers in slow] == VALUES["server_type"]
    for answers in slow:
        assert all(answers[name] == default_of(name) for name in NAMES[1:]), answers


def test_no_answer_changes_the_machinery_or_its_tests() -> None:
    """The tests marked ``machinery`` run for the default answers of one server type and with
    the lowest versions only: they and the modules they test hold no Jinja but the package's
    name."""
    project = TEMPLATE / "{{cookiecutter.package_name}}"
    package = "{{ cookiecutter.package_name }}"
    machinery = sorted(
        (project / "src" / "{{cookiecutter.package_name}}" / "_machinery").glob("*.py")
    )
    marked = [
        path
        for path in sorted((project / "tests").glob("*.py"))
        if "pytestmark = pytest.mark.machinery" in path.read_text(encoding="utf-8")
    ]
    assert len(machinery) > 10
    assert len(marked) >= 2
    for path in [*machinery, *marked]:
        text = path.read_text(encoding="utf-8").replace(package, "")
        assert "{{" not in text, path
        assert "{%" not in text, path
    for path in marked:  # of the plugin, they import the machinery only
        text = path.read_text(encoding="utf-8").replace(package, "PACKAGE")
        ours = re.findall(r"^(?:from|import) (PACKAGE\S*)", text, re.MULTILINE)
        assert ours, path
        assert all(name.startswith("PACKAGE._machinery") for name in ours), (path, ours)


def test_the_lowest_combinations_declare_every_bound_of_the_matrix(cookies_session: Any) -> None:
    def requirements(answers: dict[str, Any]) -> set[str]:
        result = cookies_session.bake(extra_context=answers)
        return set(declared_requirements(result.project_path))

    matrix = ROWS + [answers for answers, _ in NAMED_ANSWERS.values()]
    assert set().union(*map(requirements, LOWEST)) == set().union(*map(requirements, matrix))


@pytest.mark.parametrize(("answers", "slow"), row_params())
def test_the_combination_passes_its_own_tests_ruff_and_mypy(
    install_shared: Callable[..., Plugin], answers: dict[str, Any], slow: bool
) -> None:
    plugin = install_shared(**answers)
    # The machinery's tests run with the first server type's default answers: no answer
    # changes them or what they test.
    machinery = answers == DEFAULT_ROWS[0]
    output = plugin.passes_its_own_checks(minimum_passed=30, slow=slow, machinery=machinery)
    assert ("deselected" in output) is not (slow and machinery), output
    if answers["server_type"] == "http" and sys.platform != "win32":
        assert "skipped" not in output, output
    if slow:  # the generated CI type-checks on Windows too
        plugin.type_checks(platform="win32")


@pytest.mark.parametrize("answers", lowest_params())
def test_the_combination_passes_its_own_tests_and_ruff_with_the_lowest_versions(
    install_lowest: Callable[..., Plugin], answers: dict[str, Any]
) -> None:
    plugin = install_lowest(**answers)
    # mypy checks each row's code with the newest versions; here its cache would start cold
    # (and the oldest type stubs that the bounds allow do not know every API the code uses).
    # The machinery's tests once, with the HTTP bake: both declare the same bounds for what the
    # machinery imports.
    machinery = answers == LOWEST[0]
    output = plugin.passes_its_own_checks(
        minimum_passed=30, slow=False, machinery=machinery, mypy=False
    )
    assert "deselected" in output, output
    if answers["server_type"] == "http" and sys.platform != "win32":
        assert "skipped" not in output, output


@pytest.mark.parametrize(("answers", "row", "minimum_passed"), NAMED)
def test_a_bake_for_a_product_like_a_real_one_passes_its_own_checks_with_no_product_installed(
    install_shared: Callable[..., Plugin],
    answers: dict[str, Any],
    row: dict[str, Any],
    minimum_passed: int,
) -> None:
    if answers is ACP_LIKE:  # its product is not installed here: the stand-in replaces it
        assert shutil.which("acp_grpcserver") is None
    plugin = install_shared(**answers)
    # Its place in the covering array is what it was baked with.
    recorded = json.loads((plugin.root / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert {name: recorded["cookiecutter"][name] for name in NAMES} == row, recorded
    plugin.passes_its_own_checks(minimum_passed=minimum_passed, slow=False, machinery=False)


@pytest.mark.skipif(sys.platform == "win32", reason="each venv has its own mypy cache there")
def test_the_mypy_runs_that_share_a_cache_take_turns(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    probe = "import fcntl, sys; fcntl.flock(open(sys.argv[1], 'a'), fcntl.LOCK_EX | fcntl.LOCK_NB)"
    with taking_turns(lock):
        while_held = subprocess.run([sys.executable, "-c", probe, lock], check=False)
    after = subprocess.run([sys.executable, "-c", probe, lock], check=False)
    assert while_held.returncode != 0  # BlockingIOError: another process holds the lock
    assert after.returncode == 0
