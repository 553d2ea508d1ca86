"""The plugin's own modules stand apart from the machinery they run on, which never imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import {{ cookiecutter.package_name }} as package

PACKAGE = Path(package.__file__).parent
OWN = {"config", "launcher", "connect", "slurm", "container"}
"""The modules a plugin's author edits; ``_machinery`` holds what they run on."""


def modules() -> dict[str, Path]:
    """Return the package's modules by dotted name relative to the package (``""`` for its
    ``__init__``, ``"_machinery.ports"``)."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path) -> set[str]:
    """Return the package's modules that module ``name`` imports, wherever in it (also under
    ``if TYPE_CHECKING`` and inside functions)."""
    known = modules()
    here = name.split(".") if name else []
    if path.name != "__init__.py":
        here = here[:-1]  # the package the module is in
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [[*alias.name.split(".")] for alias in node.names]
            found |= {".".join(t[1:]) for t in targets if t[0] == package.__name__}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1] + (node.module or "").split(".")
            elif (node.module or "").split(".")[0] == package.__name__:
                base = (node.module or "").split(".")[1:]
            else:
                continue
            base = [part for part in base if part]
            for alias in node.names:
                candidate = ".".join([*base, alias.name])
                found.add(candidate if candidate in known else ".".join(base))
    return found


def test_the_machinery_never_imports_the_authors_modules() -> None:
    machinery = {name: path for name, path in modules().items() if name.startswith("_machinery")}
    assert machinery
    for name, path in machinery.items():
        upward = {target for target in imported(name, path) if target in OWN or target == ""}
        assert not upward, f"{name} imports {upward}"


def test_the_watchdog_imports_nothing_of_the_package() -> None:
    """It runs as a script, ``python -I -S watchdog.py``, outside the package."""
    assert imported("_machinery.watchdog", modules()["_machinery.watchdog"]) == set()


def test_the_config_imports_no_launcher() -> None:
    """The config is where the authors' modules start: the launchers import it, not the reverse."""
    assert not imported("config", modules()["config"]) & OWN


def test_no_module_imports_itself_through_others() -> None:
    graph = {name: imported(name, path) - {name} for name, path in modules().items()}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join([*path, name])}"
        if name in done:
            return
        for target in graph.get(name, set()):
            visit(target, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())
