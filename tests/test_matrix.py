"""Every combination of the answers that change the code, baked, installed and checked.

``server_type`` x ``launcher_library`` x ``include_connect_mode`` x ``register_fallback``: 16
bakes. Each runs its own tests, ruff and mypy --strict; two of them (``LOWEST``) with the lowest
versions of their dependencies that their bounds allow, which must be those bounds (their own
tests and ruff; mypy runs for every other combination). Its tests marked ``slow`` (timing, load
and lifetime tests that depend on ``server_type`` only) run for the default answers of each
server type, and are deselected for the others. The bakes that declare the same requirements
share a venv and a worker.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Callable
from typing import Any

import pytest
from answers import ACP_LIKE, CUSTOM, PORT_TOLD, RENAMED_GRPC, RENAMED_HTTP
from conftest import BOOLEANS, CHOICES, COOKIECUTTER_JSON, Plugin, declared_requirements

NAMES = ["server_type", "launcher_library", "include_connect_mode", "register_fallback"]
VALUES = {name: CHOICES.get(name) or [True, False] for name in NAMES}


def default_of(name: str) -> Any:
    """Return the default answer of ``name``: a choice's first value, or the yes/no default."""
    value = COOKIECUTTER_JSON[name]
    return value[0] if isinstance(value, list) else value


def shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def combinations() -> list[Any]:
    """One ``pytest.param`` per combination, with ids such as
    ``server_type:grpc,launcher_library:ansys-tools-common,include_connect_mode:true,...``."""
    params = []
    for values in itertools.product(*(VALUES[name] for name in NAMES)):
        answers = dict(zip(NAMES, values, strict=True))
        slow = all(answers[name] == default_of(name) for name in NAMES[1:])
        lowest = answers in LOWEST
        group = f"matrix-{answers['server_type']}-{answers['launcher_library']}"
        params.append(
            pytest.param(
                answers,
                slow,
                lowest,
                id=",".join(f"{name}:{shown(value)}" for name, value in answers.items()),
                marks=pytest.mark.xdist_group(
                    f"lowest-{answers['server_type']}" if lowest else group
                ),
            )
        )
    return params


LIBRARY = CHOICES["launcher_library"][0]
LOWEST = [
    {
        "server_type": "http",
        "launcher_library": LIBRARY,
        "include_connect_mode": False,
        "register_fallback": False,
    },
    {
        "server_type": "grpc",
        "launcher_library": LIBRARY,
        "include_connect_mode": True,
        "register_fallback": False,
    },
]
"""Combinations installed with the lowest versions their bounds allow (``lowest-direct``): an
HTTP and a gRPC bake, which between them declare every bound the template writes."""


# Bakes for products like real ones, each with the answers that shape it (the tests of each
# in its own file launch it for real). Their slow tests are those of the matrix. Each is a group
# of its own, for the balance of the workers.
NAMED = [
    pytest.param(answers, minimum, id=name, marks=pytest.mark.xdist_group(f"matrix-{name}"))
    for name, answers, minimum in [
        ("acp-like", ACP_LIKE, 40),
        ("port-told", PORT_TOLD, 30),
        ("custom", CUSTOM, 30),
        ("renamed-grpc-roles", RENAMED_GRPC, 40),
        ("renamed-http-roles", RENAMED_HTTP, 30),
    ]
]


@pytest.mark.parametrize(("answers", "minimum_passed"), NAMED)
def test_a_bake_for_a_product_like_a_real_one_passes_its_own_checks_with_no_product_installed(
    install_shared: Callable[..., Plugin], answers: dict[str, Any], minimum_passed: int
) -> None:
    if answers is ACP_LIKE:  # its product is not installed here: the stand-in replaces it
        assert shutil.which("acp_grpcserver") is None
    plugin = install_shared(**answers)
    plugin.passes_its_own_checks(minimum_passed=minimum_passed, slow=False)


def test_the_matrix_covers_every_value_of_each_answer() -> None:
    assert set(NAMES) - set(CHOICES) <= set(BOOLEANS)
    assert len(combinations()) == 2 * 2 * 2 * 2


def test_the_lowest_combinations_declare_every_bound_of_the_matrix(cookies_session: Any) -> None:
    def requirements(answers: dict[str, Any]) -> set[str]:
        result = cookies_session.bake(extra_context=answers)
        return set(declared_requirements(result.project_path))

    every = [param.values[0] for param in combinations()]
    assert set().union(*map(requirements, LOWEST)) == set().union(*map(requirements, every))


@pytest.mark.parametrize(("answers", "slow", "lowest"), combinations())
def test_the_combination_passes_its_own_tests_ruff_and_mypy(
    install_shared: Callable[..., Plugin],
    install_lowest: Callable[..., Plugin],
    answers: dict[str, Any],
    slow: bool,
    lowest: bool,
) -> None:
    plugin = (install_lowest if lowest else install_shared)(**answers)
    # mypy checks every combination's code with the newest versions; at the lowest ones its
    # cache would start cold, and it is not run there.
    output = plugin.passes_its_own_checks(minimum_passed=30, slow=slow, mypy=not lowest)
    assert ("deselected" in output) is not slow, output
    if answers["server_type"] == "http" and sys.platform != "win32":
        assert "skipped" not in output, output
    if slow:  # the generated CI type-checks on Windows too
        assert plugin.mypy_cache is not None
        cache = str(plugin.mypy_cache.with_name("mypy-cache-win32"))
        plugin.run("mypy", "--strict", "--platform", "win32", "--cache-dir", cache)
