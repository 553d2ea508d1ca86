"""A generated project can follow later versions of the template with cruft."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import TEMPLATE, run
from cookiecutter.main import cookiecutter

GIT = ["git", "-c", "user.name=Template Test", "-c", "user.email=test@example.com"]
CRUFT = [sys.executable, "-m", "cruft"]


def commit_all(folder: Path, message: str) -> None:
    """Commit everything in ``folder``, making it a git repository first if needed."""
    if not (folder / ".git").exists():
        run([*GIT, "init", "--quiet"], cwd=folder)
    run([*GIT, "add", "--all"], cwd=folder)
    run([*GIT, "commit", "--quiet", "--message", message], cwd=folder)


def test_cruft_creates_an_up_to_date_project_and_updates_it(tmp_path: Path) -> None:
    template = tmp_path / "template"
    shutil.copytree(
        TEMPLATE,
        template,
        ignore=shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".*_cache"),
    )
    commit_all(template, "Template")
    out = tmp_path / "out"
    out.mkdir()
    run([*CRUFT, "create", "--no-input", str(template), "--output-dir", str(out)], cwd=out)
    project = out / "example_httpserver_plugin"
    assert "up to date" in run([*CRUFT, "check"], cwd=project)
    commit_all(project, "Generated")

    changelog = template / "{{cookiecutter.package_name}}" / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8") + "- A later change.\n", "utf-8")
    commit_all(template, "Later template")
    stale = subprocess.run([*CRUFT, "check"], cwd=project, capture_output=True, text=True)
    assert stale.returncode != 0
    assert "out of date" in stale.stdout

    run([*CRUFT, "update", "--skip-apply-ask"], cwd=project)
    assert (project / "CHANGELOG.md").read_text(encoding="utf-8").endswith("- A later change.\n")
    assert "up to date" in run([*CRUFT, "check"], cwd=project)


def test_the_recorded_answers_regenerate_the_same_project(cookies: Any, tmp_path: Path) -> None:
    result = cookies.bake(
        extra_context={
            "product_name": "fluent",
            "register_fallback": False,
            "license": "Apache-2.0",
        }
    )
    project = result.project_path
    again = cookiecutter(
        str(TEMPLATE),
        replay=str(project / ".cookiecutter.json"),
        output_dir=str(tmp_path / "again"),
    )
    regenerated = Path(again)
    files = sorted(path.relative_to(project) for path in project.rglob("*") if path.is_file())
    assert files == sorted(
        path.relative_to(regenerated) for path in regenerated.rglob("*") if path.is_file()
    )
    for name in files:
        if name.name != ".cookiecutter.json":
            assert (regenerated / name).read_bytes() == (project / name).read_bytes(), name
