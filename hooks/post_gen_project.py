"""Say how to try the plugin cookiecutter has just generated (in the current folder)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def next_steps(folder: Path) -> str:
    """Return the commands that test and list the generated plugin: with uv, which makes the
    project's ``.venv`` itself, then with pip (where ``venv`` works: Debian and Ubuntu need the
    package ``python3-venv`` for it)."""
    if os.name == "nt":
        import subprocess  # each only where it is used: every bake runs this hook

        python, venv, launcher = "py", r".venv\Scripts\python", r".venv\Scripts\ansys-launcher"
        cd = subprocess.list2cmdline([str(folder)])
    else:
        import shlex

        python, venv, launcher = "python3", ".venv/bin/python", ".venv/bin/ansys-launcher"
        cd = shlex.quote(str(folder))
    return (
        f"Generated {folder}; to try the plugin with uv:\n"
        f"  cd {cd}\n"
        "  uv run pytest\n"
        "  uv run ansys-launcher list-plugins\n"
        "or with pip (on Debian and Ubuntu, python3 -m venv needs the package python3-venv):\n"
        f"  {python} -m venv .venv\n"
        f'  {venv} -m pip install -e ".[test,lint]"\n'
        f"  {venv} -m pytest\n"
        f"  {launcher} list-plugins\n"
    )


def forget_this_copy() -> None:
    """Remove the copy of this script that cookiecutter ran from the temporary folder (it
    leaves it there)."""
    here = Path(__file__)
    if here.name != "post_gen_project.py":
        here.unlink(missing_ok=True)


def main() -> int:
    forget_this_copy()
    with contextlib.suppress(OSError):  # a reader that has gone away (| head)
        print(next_steps(Path.cwd()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
