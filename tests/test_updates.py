"""A generated project can follow later versions of the template with cruft."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import TEMPLATE, commit_all, copy_of_the_template, run
from cookiecutter.main import cookiecutter

CRUFT = [sys.executable, "-m", "cruft"]


def test_cruft_creates_an_up_to_date_project_and_updates_it(tmp_path: Path) -> None:
    template = copy_of_the_template(tmp_path)
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

    updated = run([*CRUFT, "update", "--skip-apply-ask"], cwd=project)
    # cruft renders the template into temporary folders: nothing points the user there.
    assert "Next steps" not in updated
    assert "Generating" not in updated
    assert (project / "CHANGELOG.md").read_text(encoding="utf-8").endswith("- A later change.\n")
    assert "up to date" in run([*CRUFT, "check"], cwd=project)


NEW_FILTER = '''

def shouted(text: str) -> str:
    """A filter of a later template version."""
    return text.upper()
'''


def test_cruft_update_renders_with_the_filters_of_the_new_version(tmp_path: Path) -> None:
    """``cruft update`` renders the project's template version and the new one in one process,
    from one folder: a new version of the filters module, under the same name, is used."""
    template = copy_of_the_template(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    run([*CRUFT, "create", "--no-input", str(template), "--output-dir", str(out)], cwd=out)
    project = out / "example_httpserver_plugin"
    commit_all(project, "Generated")

    filters = template / "launcher_filters.py"
    source = filters.read_text(encoding="utf-8")
    source = source.replace("\n\n\ndef install(", f"{NEW_FILTER}\n\ndef install(", 1)
    source = source.replace("py_str=python_string,", "py_str=python_string, shouted=shouted,", 1)
    filters.write_text(source, encoding="utf-8")
    changelog = template / "{{cookiecutter.package_name}}" / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text + "- {{ 'a later change' | shouted }}.\n", encoding="utf-8")
    commit_all(template, "Later template, with a new filter")

    run([*CRUFT, "update", "--skip-apply-ask"], cwd=project)
    assert (project / "CHANGELOG.md").read_text(encoding="utf-8").endswith("- A LATER CHANGE.\n")


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


def test_the_recorded_answers_replay_after_the_extension_module_is_renamed(
    cookies: Any, tmp_path: Path
) -> None:
    """The template's extension module is renamed whenever it changes; the recorded answers name
    no module, so replaying an older bake uses the template's own."""
    project = cookies.bake().project_path
    record = project / ".cookiecutter.json"
    answers = json.loads(record.read_text(encoding="utf-8"))["cookiecutter"]
    assert not {"_extensions", "_copy_without_render"} & set(answers)
    template = tmp_path / "template"
    shutil.copytree(
        TEMPLATE,
        template,
        ignore=shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".*_cache"),
    )
    (template / "launcher_filters.py").rename(template / "launcher_filters_renamed.py")
    settings = template / "cookiecutter.json"
    text = settings.read_text(encoding="utf-8").replace(
        '"launcher_filters.', '"launcher_filters_renamed.'
    )
    settings.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "cookiecutter", "--replay-file", str(record), str(template)]
    run([*command, "--output-dir", str(tmp_path / "again")], cwd=tmp_path)
    again = tmp_path / "again" / project.name
    assert (again / "README.md").read_bytes() == (project / "README.md").read_bytes()


OLDER = "6e9b9d1e31617bbc7bcf96684a06ac4ee8ebf0da"
"""A commit of this template from before the plugins for real products, the watchdog and the
release workflow: a project baked from it has much to catch up on."""
USER_EDIT = '''

def greeting() -> str:
    """Added by the plugin's authors."""
    return "hello from the authors"
'''


def test_a_project_from_an_older_template_commit_keeps_its_edits_and_catches_up(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(TEMPLATE), "archive", OLDER], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(template)], input=archive, check=True)
    commit_all(template, "Older template")
    shutil.rmtree(template / "{{cookiecutter.package_name}}")
    for item in TEMPLATE.iterdir():  # the current template, as it is in this working tree
        if item.name == ".git" or item.name.startswith(".venv") or item.name.endswith("_cache"):
            continue
        if item.is_dir():
            shutil.rmtree(template / item.name, ignore_errors=True)
            shutil.copytree(
                item, template / item.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(item, template / item.name)
    commit_all(template, "Current template")

    out, fresh = tmp_path / "out", tmp_path / "fresh"
    out.mkdir()
    fresh.mkdir()
    create = [*CRUFT, "create", "--no-input", str(template)]
    run([*create, "--checkout", "HEAD~1", "--output-dir", str(out)], cwd=out)
    project = out / "example_httpserver_plugin"
    commit_all(project, "Generated from the older template")
    launcher = project / "src" / "example_httpserver_plugin" / "launcher.py"
    launcher.write_text(launcher.read_text(encoding="utf-8") + USER_EDIT, encoding="utf-8")
    commit_all(project, "Our own edit")

    run([*CRUFT, "update", "--skip-apply-ask"], cwd=project)
    assert "up to date" in run([*CRUFT, "check"], cwd=project)
    assert launcher.read_text(encoding="utf-8").endswith(USER_EDIT)
    assert not list(project.rglob("*.rej"))

    # A fresh bake of the current template with the answers the project keeps (cruft keeps the
    # answers given at creation, also where the template's defaults changed since).
    context = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["context"]
    answers = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    run([*create, "--extra-context", json.dumps(answers), "--output-dir", str(fresh)], cwd=fresh)
    expected = fresh / "example_httpserver_plugin"
    files = sorted(
        path.relative_to(expected)
        for path in expected.rglob("*")
        if path.is_file() and ".git" not in path.parts
    )
    updated = sorted(
        path.relative_to(project)
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts
    )
    assert updated == files
    for name in files:
        text = (project / name).read_text(encoding="utf-8")
        if name == launcher.relative_to(project):
            text = text.removesuffix(USER_EDIT)
        assert text == (expected / name).read_text(encoding="utf-8"), name
