"""Baking the template: the files, their rendered content, and every choice."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from answers import ACP_LIKE, RENAMED_GRPC, RENAMED_HTTP
from conftest import (
    CHOICES,
    COOKIECUTTER_JSON,
    TEMPLATE,
    CompiledStrings,
    CompiledTemplates,
    choice_params,
    run,
)
from cookiecutter.environment import StrictEnvironment

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PACKAGE = "example_httpserver_plugin"
DEFAULT_FILES = {
    ".cookiecutter.json",
    ".github/dependabot.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "CHANGELOG.md",
    "LICENSE",
    "README.md",
    "pyproject.toml",
    f"src/{PACKAGE}/__init__.py",
    f"src/{PACKAGE}/config.py",
    f"src/{PACKAGE}/errors.py",
    f"src/{PACKAGE}/launcher.py",
    f"src/{PACKAGE}/py.typed",
    f"src/{PACKAGE}/_machinery/__init__.py",
    f"src/{PACKAGE}/_machinery/commandline.py",
    f"src/{PACKAGE}/_machinery/containers.py",
    f"src/{PACKAGE}/_machinery/fields.py",
    f"src/{PACKAGE}/_machinery/launching.py",
    f"src/{PACKAGE}/_machinery/listeners.py",
    f"src/{PACKAGE}/_machinery/logs.py",
    f"src/{PACKAGE}/_machinery/places.py",
    f"src/{PACKAGE}/_machinery/placeholders.py",
    f"src/{PACKAGE}/_machinery/ports.py",
    f"src/{PACKAGE}/_machinery/probes.py",
    f"src/{PACKAGE}/_machinery/process.py",
    f"src/{PACKAGE}/_machinery/watchdog.py",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_command.py",
    "tests/test_config.py",
    "tests/test_launcher.py",
    "tests/test_layers.py",
    "tests/test_lifetime.py",
    "tests/test_logs.py",
    "tests/test_process.py",
    "tests/test_readme.py",
    "tests/test_safety.py",
    "tests/test_servers.py",
    "tests/stand_in.py",
}


def expected_files(answers: dict[str, Any]) -> set[str]:
    """Return the files a bake with ``answers`` (and defaults for the rest) must have."""
    package = PACKAGE
    files = set(DEFAULT_FILES)
    if answers.get("server_type") == "grpc":  # the gRPC default product is example_grpc
        package = "example_grpc_plugin"
        files = {name.replace(PACKAGE, package) for name in files}
        files.add(f"src/{package}/demo_server.py")
    if answers.get("include_connect_mode"):
        files |= {f"src/{package}/connect.py", "tests/test_connect.py"}
    if answers.get("include_slurm_mode"):
        files |= {f"src/{package}/slurm.py", "tests/test_slurm.py", "tests/slurm_stand_in.py"}
    if answers.get("include_container_mode"):
        files |= {f"src/{package}/container.py", "tests/test_container.py"}
        files |= {"tests/stand_in_engine.py"}
    return files


# Jinja left over after rendering; GitHub's own ``${{ ... }}`` expressions are expected.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\{#")


def files_of(project: Path) -> set[str]:
    """Return the project's files as POSIX paths relative to it."""
    return {path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()}


def pyproject_of(project: Path) -> dict[str, Any]:
    """Return the parsed pyproject.toml of ``project``."""
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def assert_well_formed(project: Path) -> None:
    """Every text file is fully rendered, and every Python, TOML, YAML and JSON file parses."""
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert not UNRENDERED.search(text), f"unrendered Jinja in {path}"
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            yaml.safe_load(text)
        elif path.suffix == ".json":
            json.loads(text)


@pytest.fixture(scope="module")
def default_project(cookies_session: Any) -> Path:
    """Bake the template with its default answers."""
    result = cookies_session.bake()
    assert result.exit_code == 0
    assert result.exception is None
    assert result.project_path.name == PACKAGE
    return result.project_path


def test_the_default_bake_has_exactly_the_expected_files(default_project: Path) -> None:
    assert files_of(default_project) == DEFAULT_FILES


def test_the_default_bake_is_fully_rendered_and_parses(default_project: Path) -> None:
    assert_well_formed(default_project)


def test_exactly_the_files_without_jinja_are_copied_unrendered() -> None:
    """Cookiecutter matches ``_copy_without_render`` against paths relative to the project
    folder: a pattern that matches nothing leaves its file compiled and rendered every bake. A
    file whose own name is a condition is rendered, since cookiecutter cannot copy it to an
    empty name."""
    project = TEMPLATE / "{{cookiecutter.package_name}}"
    files = {path.relative_to(project).as_posix(): path for path in project.rglob("*")}
    files = {name: path for name, path in files.items() if path.is_file()}
    patterns = COOKIECUTTER_JSON["_copy_without_render"]
    for pattern in patterns:
        assert any(fnmatch.fnmatch(name, pattern) for name in files), f"{pattern!r} matches nothing"
    copied = {name for name in files if any(fnmatch.fnmatch(name, p) for p in patterns)}
    markers = ("{{", "{%", "{#")
    plain = {
        name
        for name, path in files.items()
        if not any(marker in path.name or marker in path.read_text("utf-8") for marker in markers)
    }
    assert copied == plain


def test_the_default_pyproject_declares_the_plugin(default_project: Path) -> None:
    pyproject = pyproject_of(default_project)
    assert set(pyproject) == {"build-system", "project", "dependency-groups", "tool"}
    assert pyproject["build-system"] == {
        "requires": ["flit_core>=3.12,<5"],
        "build-backend": "flit_core.buildapi",
    }
    project = pyproject["project"]
    assert set(project) == {
        "name",
        "dynamic",
        "readme",
        "authors",
        "license",
        "license-files",
        "requires-python",
        "classifiers",
        "dependencies",
        "optional-dependencies",
        "entry-points",
    }
    assert project["name"] == PACKAGE
    assert project["dynamic"] == ["version", "description"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert project["requires-python"] == ">=3.10"
    assert project["authors"] == [{"name": "ANSYS, Inc.", "email": "pyansys.core@ansys.com"}]
    assert [c for c in project["classifiers"] if c.startswith("Programming Language")] == [
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Programming Language :: Python :: 3.14",
    ]
    assert project["dependencies"] == [
        "ansys-tools-local-product-launcher>=0.3",
        "platformdirs>=3.6",
        "psutil>=6",
        "requests>=2.32.4",
    ]
    assert project["optional-dependencies"] == {
        "test": ["pytest>=8"],
        "lint": ["mypy>=1.13", "ruff>=0.9", "types-psutil", "types-requests"],
    }
    # The same tools for uv, which installs the test group by default (`uv run pytest`).
    assert pyproject["dependency-groups"] == project["optional-dependencies"]
    assert pyproject["tool"]["uv"] == {"default-groups": ["test"]}
    assert project["entry-points"] == {
        "ansys.tools.local_product_launcher.launcher": {
            "example_httpserver.direct": f"{PACKAGE}:Launcher",
            "example_httpserver.__fallback__": f"{PACKAGE}:Launcher",
        }
    }
    assert set(pyproject["tool"]) == {"flit", "uv", "pytest", "ruff", "mypy"}
    assert pyproject["tool"]["mypy"]["strict"] is True


def test_the_version_and_description_live_in_the_package_the_flit_way(
    default_project: Path,
) -> None:
    init = ast.parse((default_project / f"src/{PACKAGE}/__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(init) == (
        "Launcher plugin that starts example_httpserver through the Ansys Local Product Launcher."
    )
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in init.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert assigned["__version__"] == "0.1.0"
    assert assigned["__all__"] == ["LaunchError", "Launcher", "LauncherConfig", "__version__"]


def test_the_ci_workflow_tests_linux_and_windows_on_python_3_10_to_3_14_with_uv(
    default_project: Path,
) -> None:
    workflow = yaml.safe_load(
        (default_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    )
    job = workflow["jobs"]["test"]
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["strategy"]["matrix"] == {
        "os": ["ubuntu-latest", "windows-latest"],
        "python-version": ["3.10", "3.11", "3.12", "3.13", "3.14"],
    }
    setup_uv = next(step for step in job["steps"] if "astral-sh/setup-uv@" in step.get("uses", ""))
    assert setup_uv["with"] == {"python-version": "${{ matrix.python-version }}"}
    runs = [step["run"] for step in job["steps"] if "run" in step]
    commands = [command for script in runs for command in script.splitlines()]
    assert commands == [
        "uv run --group lint ruff check .",
        "uv run --group lint ruff format --check .",
        "uv run --group lint mypy",
        "uv run pytest",
    ]


# `uses: owner/name@<40 hex digits> # vX.Y.Z`: a full commit hash, the version it is in a
# comment (the form Dependabot keeps up to date).
PINNED = re.compile(r"^ *- uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


@pytest.mark.parametrize("license_name", ["MIT", "Proprietary"])
def test_the_workflows_pin_actions_and_grant_each_job_only_what_it_needs(
    cookies: Any, license_name: str
) -> None:
    result = cookies.bake(extra_context={"license": license_name})
    for path in sorted((result.project_path / ".github/workflows").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        uses = [line for line in text.splitlines() if "uses:" in line]
        assert uses, path
        assert [line for line in uses if not PINNED.match(line)] == [], path.name
        workflow = yaml.safe_load(text)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assert job["permissions"], (path.name, name)
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, name)


def test_zizmor_finds_nothing_in_the_workflows(default_project: Path) -> None:
    """zizmor audits GitHub workflows and Dependabot files (unpinned actions, credentials left
    in the checkout, broad permissions, template injection, cache poisoning, no cooldown);
    ``--offline`` skips the audits that ask GitHub. It exits non-zero on a finding, and the
    test then fails with its report."""
    executable = Path(sys.executable).parent / "zizmor"
    output = run([str(executable), "--offline", "--no-progress", ".github"], cwd=default_project)
    assert "No findings to report" in output, output


def check_jsonschema(schema: str, *files: Path) -> None:
    """Validate ``files`` against one of check-jsonschema's built-in schemas (no network)."""
    executable = Path(sys.executable).parent / "check-jsonschema"
    run([str(executable), "--builtin-schema", schema, *map(str, files)], cwd=files[0].parent)


@pytest.mark.parametrize("license_name", ["MIT", "Proprietary"])
def test_the_workflows_and_dependabot_config_validate_against_their_schemas(
    cookies: Any, license_name: str
) -> None:
    result = cookies.bake(extra_context={"license": license_name})
    github = result.project_path / ".github"
    check_jsonschema("vendor.github-workflows", *sorted((github / "workflows").glob("*.yml")))
    check_jsonschema("vendor.dependabot", github / "dependabot.yml")
    dependabot = yaml.safe_load((github / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
    assert ecosystems == {"github-actions", "pip"}
    # An update is proposed once it has been out for a week: a bad release is often pulled.
    assert {update["cooldown"]["default-days"] for update in dependabot["updates"]} == {7}


def test_a_version_tag_builds_checks_and_publishes_with_trusted_publishing(
    default_project: Path,
) -> None:
    text = (default_project / ".github/workflows/release.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML reads the key "on" as True
    assert workflow["permissions"] == {}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    commands = "\n".join(step.get("run", "") for step in build["steps"])
    assert "uv build" in commands
    # twine 7.0 is the first that reads Metadata-Version 2.5, which flit writes.
    assert 'uvx --from "twine>=7.0" twine check --strict dist/*' in commands
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    # PEP 740 attestations, said explicitly (the action's default since v1.11).
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert publish["steps"][-1]["with"] == {"attestations": True}
    assert "secrets." not in text
    assert "password" not in text


def test_a_proprietary_project_builds_on_a_version_tag_but_publishes_nothing(
    cookies: Any,
) -> None:
    result = cookies.bake(extra_context={"license": "Proprietary"})
    release = result.project_path / ".github/workflows/release.yml"
    workflow = yaml.safe_load(release.read_text(encoding="utf-8"))
    assert set(workflow["jobs"]) == {"build"}
    assert "gh-action-pypi-publish" not in release.read_text(encoding="utf-8")


def test_the_pre_commit_config_runs_ruff_and_mypy(default_project: Path) -> None:
    config = yaml.safe_load(
        (default_project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    hook_ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy"} <= hook_ids


def test_the_answers_are_recorded_for_regeneration(default_project: Path) -> None:
    recorded = json.loads((default_project / ".cookiecutter.json").read_text(encoding="utf-8"))
    answers = recorded["cookiecutter"]
    assert answers["product_name"] == "example_httpserver"
    assert answers["package_name"] == PACKAGE
    assert answers["register_fallback"] is True
    assert answers["launcher_library"] == "ansys-tools-local-product-launcher"
    public = {name for name in answers if not name.startswith("_")}
    assert public == {name for name in COOKIECUTTER_JSON if not name.startswith("_")}
    assert not {"_output_dir", "_repo_dir", "_checkout"} & set(answers)


@pytest.mark.parametrize("answers", choice_params())
def test_every_choice_bakes_a_well_formed_project(cookies: Any, answers: dict[str, str]) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    assert_well_formed(result.project_path)
    assert files_of(result.project_path) == expected_files(answers)


@pytest.mark.parametrize("license_name", CHOICES["license"])
def test_the_license_file_and_metadata_match_the_chosen_license(
    cookies: Any, license_name: str
) -> None:
    result = cookies.bake(extra_context={"license": license_name})
    project = result.project_path
    expected_metadata = {"Proprietary": "LicenseRef-Proprietary"}.get(license_name, license_name)
    assert pyproject_of(project)["project"]["license"] == expected_metadata
    first_line = (project / "LICENSE").read_text(encoding="utf-8").strip().splitlines()[0]
    assert {
        "MIT": "MIT License",
        "Apache-2.0": "Apache License",
        "BSD-3-Clause": "BSD 3-Clause License",
        "Proprietary": "Copyright (c)",
    }[license_name] in first_line


def test_without_fallback_only_the_launch_mode_is_registered(cookies: Any) -> None:
    result = cookies.bake(extra_context={"register_fallback": False, "launch_mode": "local"})
    entry_points = pyproject_of(result.project_path)["project"]["entry-points"]
    assert entry_points == {
        "ansys.tools.local_product_launcher.launcher": {
            "example_httpserver.local": f"{PACKAGE}:Launcher"
        }
    }
    tests = (result.project_path / "tests/test_launcher.py").read_text(encoding="utf-8")
    assert "fallback" not in tests


def test_ansys_tools_common_changes_group_imports_and_dependencies(cookies: Any) -> None:
    result = cookies.bake(extra_context={"launcher_library": "ansys-tools-common"})
    project = pyproject_of(result.project_path)["project"]
    assert project["dependencies"] == [
        "ansys-tools-common>=0.4",
        "grpcio>=1.60",
        "grpcio-health-checking>=1.60",
        "platformdirs>=3.6",
        "psutil>=6",
        "requests>=2.32.4",
    ]
    assert set(project["entry-points"]) == {"ansys.tools.common.launcher"}
    for path in result.project_path.rglob("*.py"):
        assert "ansys.tools.local_product_launcher" not in path.read_text(encoding="utf-8"), path


HOSTILE_DESCRIPTION = (
    "Serves \"quoted\" and 'single' text, a back\\slash, \\n that is not a newline, \"\"\" and ''', "
    "naïve façades, 日本語 and ☃;" + " long text" * 30
)
HOSTILE_AUTHOR = 'Ünïcødé O\'Brien "the" \\ Author'
HOSTILE_LABEL = HOSTILE_AUTHOR + " | piped, `ticked`"


@pytest.fixture(scope="module")
def hostile_project(cookies_session: Any) -> Path:
    """Bake with quotes, backslashes, apostrophes, non-ASCII and long text in free answers."""
    fields = {
        "directory": {"type": "str", "default": "", "description": HOSTILE_AUTHOR},
        "label": {"type": "str", "default": HOSTILE_LABEL, "description": HOSTILE_DESCRIPTION},
    }
    result = cookies_session.bake(
        extra_context={
            "description": HOSTILE_DESCRIPTION,
            "author_name": HOSTILE_AUTHOR,
            "config_fields": json.dumps(fields),
            "product_command": json.dumps(["{python}", "--label={label}", "{directory}"]),
        }
    )
    assert result.exit_code == 0, result.exception
    return result.project_path


def test_hostile_text_renders_valid_python_toml_yaml_and_json(hostile_project: Path) -> None:
    assert_well_formed(hostile_project)
    init = (hostile_project / f"src/{PACKAGE}/__init__.py").read_text(encoding="utf-8")
    assert ast.get_docstring(ast.parse(init)) == HOSTILE_DESCRIPTION
    assert pyproject_of(hostile_project)["project"]["authors"][0]["name"] == HOSTILE_AUTHOR
    recorded = json.loads((hostile_project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert recorded["cookiecutter"]["description"] == HOSTILE_DESCRIPTION
    assert HOSTILE_AUTHOR in (hostile_project / "LICENSE").read_text(encoding="utf-8")
    launcher = ast.parse((hostile_project / f"src/{PACKAGE}/config.py").read_text(encoding="utf-8"))
    config_class = next(
        node
        for node in launcher.body
        if isinstance(node, ast.ClassDef) and node.name == "LauncherConfig"
    )
    field_calls = {
        node.target.id: {keyword.arg: keyword.value for keyword in node.value.keywords}
        for node in config_class.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert ast.literal_eval(field_calls["label"]["default"]) == HOSTILE_LABEL
    metadata = field_calls["label"]["metadata"]
    assert ast.literal_eval(metadata.values[0]) == HOSTILE_DESCRIPTION


def test_hostile_text_leaves_the_project_clean_under_ruff(hostile_project: Path) -> None:
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=hostile_project)
    run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=hostile_project)


def test_a_plugin_for_a_real_product_has_no_demo_server(cookies: Any) -> None:
    """The demo server is generated only for a command that runs it: a plugin for a real
    product would otherwise ship a module nothing uses."""
    result = cookies.bake(extra_context=ACP_LIKE)
    assert result.exit_code == 0, result.exception
    files = files_of(result.project_path)
    assert "src/acp_plugin/launcher.py" in files
    texts = [(result.project_path / name).read_text(encoding="utf-8").lower() for name in files]
    assert [name for name in files if "demo" in name] == []
    assert [text for text in texts if "demo" in text] == []


def test_an_http_plugin_readme_speaks_of_no_socket_folder(default_project: Path) -> None:
    readme = (default_project / "README.md").read_text(encoding="utf-8").lower()
    assert "socket folder" not in readme


def test_a_command_without_host_is_not_said_to_listen_on_loopback_only(cookies: Any) -> None:
    """The launcher cannot make a product listen on this machine only; its command can."""
    command = ["{python}", "-m", "http.server", "--directory={directory}", "{port}"]
    result = cookies.bake(extra_context={"product_command": json.dumps(command)})
    assert result.exit_code == 0, result.exception
    assert "loopback only" not in (result.project_path / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_grpc_bake_declares_grpc_and_the_connect_entry_point(cookies: Any) -> None:
    result = cookies.bake(extra_context={"server_type": "grpc", "include_connect_mode": True})
    project = pyproject_of(result.project_path)["project"]
    assert project["dependencies"] == [
        "ansys-tools-local-product-launcher>=0.3",
        "ansys-tools-common>=0.4",
        "grpcio>=1.60",
        "grpcio-health-checking>=1.60",
        "platformdirs>=3.6",
        "psutil>=6",
    ]
    assert project["optional-dependencies"] == {
        "test": ["cryptography>=42", "pytest>=8"],
        "lint": ["mypy>=1.13", "ruff>=0.9", "types-grpcio", "types-psutil"],
    }
    groups = pyproject_of(result.project_path)["dependency-groups"]
    assert groups == project["optional-dependencies"]
    assert project["entry-points"] == {
        "ansys.tools.local_product_launcher.launcher": {
            "example_grpc.direct": "example_grpc_plugin:Launcher",
            "example_grpc.__fallback__": "example_grpc_plugin:Launcher",
            "example_grpc.connect": "example_grpc_plugin.connect:ConnectLauncher",
        }
    }


def test_the_slurm_mode_adds_its_entry_point_and_no_dependency(cookies: Any) -> None:
    plain = pyproject_of(cookies.bake(extra_context={"server_type": "grpc"}).project_path)
    result = cookies.bake(extra_context={"server_type": "grpc", "include_slurm_mode": True})
    project = pyproject_of(result.project_path)["project"]
    assert project["dependencies"] == plain["project"]["dependencies"]
    assert project["entry-points"]["ansys.tools.local_product_launcher.launcher"] == {
        "example_grpc.direct": "example_grpc_plugin:Launcher",
        "example_grpc.__fallback__": "example_grpc_plugin:Launcher",
        "example_grpc.slurm": "example_grpc_plugin.slurm:SlurmLauncher",
    }


def test_hostile_text_keeps_the_readme_option_table_in_shape(hostile_project: Path) -> None:
    readme = (hostile_project / "README.md").read_text(encoding="utf-8").splitlines()
    header = readme.index("| option | type | default | meaning |")
    rows = readme[header + 2 : header + 4]
    assert [row.split(" | ")[0] for row in rows] == ["| `directory`", "| `label`"]
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_a_field_found_in_the_ansys_installation_declares_ansys_tools_common(cookies: Any) -> None:
    fields = {
        "binary": {"type": "path", "default": "", "description": "d", "ansys_path": "A/b"},
    }
    answers = {"config_fields": json.dumps(fields), "product_command": '["{binary}", "{port}"]'}
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    assert pyproject_of(result.project_path)["project"]["dependencies"] == [
        "ansys-tools-local-product-launcher>=0.3",
        "ansys-tools-common>=0.4",
        "platformdirs>=3.6",
        "psutil>=6",
        "requests>=2.32.4",
    ]


def test_a_bake_with_no_config_fields_and_no_placeholders_is_ruff_clean(cookies: Any) -> None:
    result = cookies.bake(
        extra_context={
            "config_fields": "{}",
            "product_command": json.dumps(["{python}", "-m", "http.server", "--bind={host}", "0"]),
        }
    )
    assert result.exception is None, result.exception
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=result.project_path)
    run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=result.project_path,
    )


def test_the_templates_own_workflow_validates_and_runs_ci_run_off_windows() -> None:
    workflow = TEMPLATE / ".github" / "workflows" / "ci.yml"
    check_jsonschema("vendor.github-workflows", workflow)
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["test"]["steps"]
    assert {"if": "runner.os != 'Windows'", "run": "bash .ci/run"}.items() <= next(
        step for step in steps if step.get("run") == "bash .ci/run"
    ).items()


def test_the_roles_reach_the_code_as_metadata_and_the_launchers_find_fields_by_role(
    cookies: Any,
) -> None:
    grpc = cookies.bake(extra_context=RENAMED_GRPC)
    assert grpc.exception is None, grpc.exception
    package = grpc.project_path / "src" / "renamed_grpc_plugin"
    config = (package / "config.py").read_text(encoding="utf-8")
    assert 'METADATA_KEY_ROLE: "transport"' in config
    assert 'METADATA_KEY_ROLE: "certs_dir"' in config
    assert config.count("METADATA_KEY_ROLE:") == 2  # the field named transport is ordinary
    launcher = (package / "launcher.py").read_text(encoding="utf-8")
    assert 'values["transport"]' not in launcher
    assert '"certs_dir"]' not in launcher
    readme = (grpc.project_path / "README.md").read_text(encoding="utf-8")
    assert "| `{transport_mode}` | the transport in use" in readme
    assert "| `{transport}` | the value of the config field `transport`" in readme
    http = cookies.bake(extra_context=RENAMED_HTTP)
    assert http.exception is None, http.exception
    launcher = (http.project_path / "src" / "renamed_http_plugin" / "launcher.py").read_text(
        encoding="utf-8"
    )
    assert "existing_directory" in launcher
    assert '"directory"' not in launcher
    readme = (http.project_path / "README.md").read_text(encoding="utf-8")
    assert "direct --site_root=PATH" in readme


def test_without_a_folder_role_the_http_launcher_has_no_folder_checks(cookies: Any) -> None:
    fields = {"directory": {"type": "path", "default": "", "description": "d"}}
    command = ["{python}", "-m", "http.server", "--directory={directory}", "0"]
    result = cookies.bake(
        extra_context={"config_fields": json.dumps(fields), "product_command": json.dumps(command)}
    )
    assert result.exception is None, result.exception
    package = result.project_path / "src" / result.project_path.name
    assert "existing_directory" not in (package / "launcher.py").read_text(encoding="utf-8")
    assert "METADATA_KEY_ROLE" not in (package / "config.py").read_text(encoding="utf-8")


def container_command_of(project: Path, package: str) -> Any:
    """Return ``CONTAINER_COMMAND`` of the baked ``container.py``."""
    source = (project / "src" / package / "container.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "CONTAINER_COMMAND":
            return ast.literal_eval(node.value)
    raise AssertionError("no CONTAINER_COMMAND in container.py")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ["-m", "http.server", "--bind={host}", "--directory={directory}", "0"]),
        ("[]", []),
        ('["python3", "-m", "http.server", "--port={port}"]', None),
    ],
)
def test_the_container_mode_registers_its_entry_point_and_runs_the_container_command(
    cookies: Any, given: str | None, expected: list[str] | None
) -> None:
    answers: dict[str, Any] = {"include_container_mode": True}
    if given is not None:
        answers["container_command"] = given
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    entry_points = pyproject_of(result.project_path)["project"]["entry-points"]
    (group,) = entry_points.values()
    assert group["example_httpserver.container"] == f"{PACKAGE}.container:ContainerLauncher"
    wanted = json.loads(given) if expected is None else expected
    assert container_command_of(result.project_path, PACKAGE) == wanted


def test_a_bake_from_the_templates_the_session_compiled_once_is_a_bake_compiled_afresh(
    cookies: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests compile each template file and string once (``CompiledTemplates``,
    ``CompiledStrings``); what they bake is what cookiecutter bakes compiling everything."""
    answers = {"server_type": "grpc", "include_slurm_mode": True, "include_container_mode": True}
    loaded: list[str] = []
    load = CompiledTemplates.load_bytecode
    strings: list[str] = []
    code = CompiledStrings.code

    def counted(self: CompiledTemplates, bucket: Any) -> None:
        load(self, bucket)
        if bucket.code is not None:
            loaded.append(bucket.key)

    def counted_strings(self: CompiledStrings, environment: Any, source: str) -> Any:
        if (tuple(environment.extensions), source) in self.entries:
            strings.append(source)
        return code(self, environment, source)

    monkeypatch.setattr(CompiledTemplates, "load_bytecode", counted)
    monkeypatch.setattr(CompiledStrings, "code", counted_strings)
    cookies.bake(extra_context=answers)  # compiles what no bake of this worker compiled yet
    loaded.clear()
    strings.clear()
    kept = cookies.bake(extra_context=answers).project_path
    assert len(loaded) >= 20  # the project's files, from the code compiled before
    assert len(strings) >= 40  # the answers' defaults, the paths and the hooks, likewise
    assert any("def main()" in source for source in strings)  # a hook
    monkeypatch.setattr(CompiledTemplates, "load_bytecode", lambda self, bucket: None)
    monkeypatch.setattr(StrictEnvironment, "from_string", jinja2.Environment.from_string)
    afresh = cookies.bake(extra_context=answers).project_path

    def contents(project: Path) -> dict[str, bytes]:
        return {
            path.relative_to(project).as_posix(): path.read_bytes()
            for path in project.rglob("*")
            if path.is_file()
        }

    assert contents(kept) == contents(afresh)
