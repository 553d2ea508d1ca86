"""Shared helpers: the template's answers, hook modules, and baked plugins installed in venvs."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, NamedTuple

import jinja2
import jinja2.bccache
import pytest
import uv
import yaml
from cookiecutter.environment import StrictEnvironment

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

TEMPLATE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE))  # the rules and filters modules, as cookiecutter imports them
COOKIECUTTER_JSON: dict[str, Any] = json.loads(
    (TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8")
)
CHOICES: dict[str, list[str]] = {
    name: value
    for name, value in COOKIECUTTER_JSON.items()
    if isinstance(value, list) and not name.startswith("_")
}


SESSION_TEMP = pytest.StashKey[tuple[str, pytest.MonkeyPatch]]()
COMPILED = pytest.StashKey[pytest.MonkeyPatch]()
HOME_FILES = pytest.StashKey[dict[str, tuple[int, int]]]()
# Cookiecutter's folders in the home folder, which the tests must leave as they found them.
HOME_FOLDERS = (".cookiecutter_replay", ".cookiecutters")


def with_session_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return ``settings`` for a cookiecutter config file, with the session's own: replay files
    and clones in the session's folder, not the home folder."""
    session = yaml.safe_load(Path(os.environ["COOKIECUTTER_CONFIG"]).read_text(encoding="utf-8"))
    return {**session, **settings}


def write_cookiecutter_config(path: Path, settings: dict[str, Any]) -> Path:
    """Write a cookiecutter config file of ``settings`` and the session's own to ``path``."""
    text = yaml.safe_dump(with_session_settings(settings), allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def home_files() -> dict[str, tuple[int, int]]:
    """Return the files in ``HOME_FOLDERS``, with their modification times and sizes."""
    files = {}
    for folder in HOME_FOLDERS:
        for path in (Path.home() / folder).rglob("*"):
            if path.is_file():
                status = path.stat()
                files[str(path)] = (status.st_mtime_ns, status.st_size)
    return files


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled code of the template files, kept in memory (a ``BytecodeCache``, as
    Jinja documents it: Jinja checks each entry against its file's source before using it)."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.entries.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.entries[bucket.key] = bucket.bytecode_to_string()


class CompiledStrings:
    """Jinja's compiled code of the strings a bake renders with ``from_string`` (each answer's
    default, the file and folder names, the hooks), kept in memory by their source and the
    extensions of the environment, which are all that differs between cookiecutter's
    environments here: ``BytecodeCache`` covers template files only."""

    def __init__(self) -> None:
        self.entries: dict[tuple[tuple[str, ...], str], CodeType] = {}

    def code(self, environment: jinja2.Environment, source: str) -> CodeType:
        key = (tuple(environment.extensions), source)
        code = self.entries.get(key)
        if code is None:
            code = self.entries[key] = environment.compile(source)
        return code


def compile_templates_once() -> pytest.MonkeyPatch:
    """Give the Jinja environment of each bake in this process one ``CompiledTemplates`` and
    one ``CompiledStrings``, so that a template file or string is compiled once, not once per
    bake: compiling took 40 % of a bake. A file whose source changed (another template commit)
    is compiled again. The bakes' output is the same; cookiecutter run as a command (as users
    run it, and as several tests do) is not changed. Return the patch, to undo."""
    cache = CompiledTemplates()
    strings = CompiledStrings()
    create = StrictEnvironment.__init__
    from_string = jinja2.Environment.from_string  # StrictEnvironment keeps it

    def create_with_the_cache(self: StrictEnvironment, **kwargs: Any) -> None:
        create(self, **kwargs)
        self.bytecode_cache = cache

    def from_string_compiled_once(
        self: StrictEnvironment,
        source: str | jinja2.nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if not isinstance(source, str):
            return from_string(self, source, globals, template_class)
        # What Jinja's from_string does, with the code compiled before.
        template = template_class or self.template_class
        return template.from_code(self, strings.code(self, source), self.make_globals(globals))

    patch = pytest.MonkeyPatch()
    patch.setattr(StrictEnvironment, "__init__", create_with_the_cache)
    patch.setattr(StrictEnvironment, "from_string", from_string_compiled_once)
    return patch


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Put every temporary file of the session (the bakes, their venvs and test runs,
    cookiecutter's rendered hooks, product logs and sockets) in one folder, removed at the end.

    Workers and subprocesses inherit it through ``TMPDIR`` (``TEMP`` and ``TMP`` on Windows);
    workers get their ``basetemp`` inside it.
    """
    config.option.template = str(TEMPLATE)  # pytest-cookies' template, wherever pytest starts
    config.stash[COMPILED] = compile_templates_once()
    if hasattr(config, "workerinput"):
        return
    config.stash[HOME_FILES] = home_files()
    folder = tempfile.mkdtemp(prefix="tt-")  # short: Unix socket paths are made inside it
    patch = pytest.MonkeyPatch()  # undone at the end of the session
    config.stash[SESSION_TEMP] = (folder, patch)
    for name in ("TMPDIR", "TEMP", "TMP"):
        patch.setenv(name, folder)
    patch.setattr(tempfile, "tempdir", folder)
    # Logs of the products the tests launch, never in the user's cache folder.
    patch.setenv("ANSYS_LAUNCHER_LOG_DIR", os.path.join(folder, "logs"))
    # Cookiecutter's replay files and clones, never in the home folder.
    config_file = os.path.join(folder, "cookiecutter-config.yaml")
    with open(config_file, "w", encoding="utf-8") as file:
        for name in ("replay_dir", "cookiecutters_dir"):
            file.write(f"{name}: {json.dumps(os.path.join(folder, name))}\n")
    patch.setenv("COOKIECUTTER_CONFIG", config_file)
    if config.option.basetemp is None:
        config.option.basetemp = os.path.join(folder, "basetemp")


# The groups of tests that take longest (each a file, or an ``xdist_group`` named in it; a
# name here is the start of a group's name), longest first: they start first, so that the
# workers end together instead of one of them finishing a long group alone. pytest-xdist runs
# the groups in this order (``--no-loadscope-reorder``), not by their numbers of tests.
LONGEST_FIRST = (
    "venv-http-ansys-tools-local-product-launcher",  # the default rows and their slow tests
    "venv-grpc-ansys-tools-local-product-launcher",
    "test_answers",
    "venv-",
    "test_properties",
    "lowest-grpc",
    "test_slurm_cluster",
    "test_bake",
    "test_real_http_product",
    "lowest-",
    "test_real_grpc_product",  # then the groups of 5 to 15 s, so that short ones end the run
    "test_container_engine",
    "front-ends",
    "test_updates",
    "test_bootstrap",
    "test_products",
)


def shared_venv_group(answers: dict[str, Any]) -> pytest.MarkDecorator:
    """Return the ``xdist_group`` of the bakes with ``answers``' server type and launcher
    library, which decide what a bake declares (its requirements), but for a few extras: they
    run on one worker, one after the other, and share its venvs (``install_shared``), so that
    each set of requirements is installed, imported and type-checked cold once."""
    server_type = answers.get("server_type", CHOICES["server_type"][0])
    library = answers.get("launcher_library", CHOICES["launcher_library"][0])
    return pytest.mark.xdist_group(f"venv-{server_type}-{library}")


def group_of(item: pytest.Item) -> str:
    """Return the name of the ``xdist_group`` of ``item``."""
    marker = item.get_closest_marker("xdist_group")
    return str(marker.args[0] if marker.args else marker.kwargs["name"]) if marker else ""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep a file's tests on one worker (its bakes and venvs are shared), unless they name an
    ``xdist_group`` of their own (``--dist loadgroup``); start with the longest groups."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))

    def rank(item: pytest.Item) -> int:
        group = group_of(item)
        starts = [index for index, name in enumerate(LONGEST_FIRST) if group.startswith(name)]
        return starts[0] if starts else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a group's tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the CPUs this process may use. A worker spends a
    fifth to a third of its time waiting (on products starting and stopping, the Slurm and
    Docker daemons, and the timeouts the generated tests wait out), which the extra worker
    fills."""
    if sys.platform == "linux":
        return len(os.sched_getaffinity(0)) + 1
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Stop the run if pytest-xdist did not take the groups: each worker would then make the
    bakes and venvs of a group again. (pytest-xdist 3.8 marks a test's group in
    ``item._nodeid``, which pytest 9.2 no longer reads: requirements-test.txt keeps pytest
    below 9.2.) Every test has a group (``pytest_collection_modifyitems``)."""
    if node.config.getvalue("dist") != "loadgroup":
        return
    ungrouped = [nodeid for nodeid in ids if "@" not in nodeid]
    if ungrouped:
        pytest.exit(
            f"pytest-xdist's --dist loadgroup did not group {len(ungrouped)} tests, such as"
            f" {ungrouped[0]}: pytest {pytest.__version__} does not work with this pytest-xdist",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if the tests wrote to cookiecutter's folders in the home folder."""
    if HOME_FILES not in session.config.stash:
        return  # a worker: the controller checks once all have finished
    before, after = session.config.stash[HOME_FILES], home_files()
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "the tests wrote to the home folder", red=True)
            reporter.write_line("\n".join(changed), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's temporary folder, and point the environment where it pointed."""
    if COMPILED in config.stash:
        config.stash[COMPILED].undo()
    if SESSION_TEMP in config.stash:
        folder, patch = config.stash[SESSION_TEMP]
        patch.undo()
        shutil.rmtree(folder, ignore_errors=True)


class Refusal(NamedTuple):
    """A bake the pre-generation hook refused: what it printed, and its problem lines."""

    output: str
    messages: list[str]

    @property
    def answers(self) -> list[str]:
        """The questions the problems name, in order (``config_fields`` for
        ``config_fields['x'].default=...``)."""
        return [re.match(r"[a-z_]+", message).group(0) for message in self.messages]  # type: ignore[union-attr]


def problem_lines(output: str) -> list[str]:
    """Return the problems a refused bake listed (its lines ``  - ...``)."""
    return [line[4:] for line in output.splitlines() if line.startswith("  - ")]


@contextlib.contextmanager
def hook_output() -> Iterator[list[str]]:
    """Collect what the hooks of bakes run in this process print to the standard error stream
    (cookiecutter runs them as programs of their own): a list with one string, after the
    block."""
    collected: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as file:
        os.dup2(file.fileno(), 2)
        try:
            yield collected
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            file.seek(0)
            collected.append(file.read().decode("utf-8", "replace"))


def refused_bake(template: str | Path = TEMPLATE, **options: Any) -> Refusal:
    """Run ``cookiecutter(template, **options)``, which must be refused by the hook; return
    what the hook printed."""
    from cookiecutter.exceptions import FailedHookException
    from cookiecutter.main import cookiecutter

    with hook_output() as output, pytest.raises(FailedHookException):
        cookiecutter(str(template), **options)
    return Refusal(output[0], problem_lines(output[0]))


def load_module(relative_path: str) -> ModuleType:
    """Import a Python file of the template (a hook, the Jinja extensions) by its path."""
    path = TEMPLATE / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BOOLEANS: list[str] = [name for name, value in COOKIECUTTER_JSON.items() if isinstance(value, bool)]


def choice_params() -> list[Any]:
    """One ``pytest.param`` per value of every choice and yes/no question in cookiecutter.json,
    with ids such as ``license:MIT`` and ``register_fallback:false``."""
    choices = [(name, value, value) for name, values in CHOICES.items() for value in values]
    booleans = [(name, value, str(value).lower()) for name in BOOLEANS for value in (True, False)]
    return [
        pytest.param({name: value}, id=f"{name}:{shown}")
        for name, value, shown in choices + booleans
    ]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``; on failure, fail the test showing the command's whole output."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited with {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


GIT = ["git", "-c", "user.name=Template Test", "-c", "user.email=test@example.com"]


def commit_all(folder: Path, message: str) -> None:
    """Commit everything in ``folder``, making it a git repository first if needed."""
    if not (folder / ".git").exists():
        run([*GIT, "init", "--quiet"], cwd=folder)
    run([*GIT, "add", "--all"], cwd=folder)
    run([*GIT, "commit", "--quiet", "--message", message], cwd=folder)


def copy_of_the_template(folder: Path) -> Path:
    """Return a copy of the template's working tree in ``folder``, committed to a git repository."""
    template = folder / "template"
    shutil.copytree(
        TEMPLATE,
        template,
        ignore=shutil.ignore_patterns(".git", ".venv*", "__pycache__", ".*_cache"),
    )
    commit_all(template, "Template")
    return template


def uv_command(*args: str) -> list[str]:
    """Return the command line of uv with ``args``."""
    return [uv.find_uv_bin(), *args]


@dataclass(frozen=True)
class Plugin:
    """A baked plugin project, installed with what it declares into a venv of its own."""

    root: Path
    python: Path
    config_path: Path
    mypy_caches: Path | None = None
    """mypy's caches for this bake, one per platform checked for (see ``mypy_caches``)."""

    def run(
        self, *args: str, environment: dict[str, str] | None = None, cwd: Path | None = None
    ) -> str:
        """Run the venv's ``python ARGS`` in ``cwd`` (the project folder), with ``environment``
        added; ``-m`` is added before a module name."""
        command = [str(self.python), *(args if args[0].startswith("-") else ("-m", *args))]
        return run(command, cwd=cwd or self.root, env={**self._env(), **(environment or {})})

    def passes_its_own_checks(
        self,
        minimum_passed: int = 1,
        *,
        slow: bool = True,
        machinery: bool = True,
        mypy: bool = True,
    ) -> str:
        """Run the project's own tests (at least ``minimum_passed`` must pass, none fail), ruff
        and (with ``mypy``) mypy --strict; return the test output.

        Without ``slow``, the tests marked ``slow`` (timing, load and lifetime tests that depend
        on ``server_type`` only) are deselected: the matrix runs them once per server type.
        Without ``machinery``, so are those marked ``machinery`` (of ``_machinery/`` alone,
        which no answer changes): the matrix runs them for the default answers of one server
        type, and with the lowest versions of the dependencies.
        """
        deselected = [name for name, run in (("slow", slow), ("machinery", machinery)) if not run]
        selection = ["-m", " and ".join(f"not {name}" for name in deselected)] if deselected else []
        output = self.run("pytest", "-p", "no:cacheprovider", "-q", "-rs", *selection)
        passed = re.search(r"(\d+) passed", output)
        assert passed is not None, output
        assert int(passed.group(1)) >= minimum_passed, output
        assert "failed" not in output, output
        self.run("ruff", "check", "--no-cache", ".")
        self.run("ruff", "format", "--check", "--no-cache", ".")
        if mypy:
            self.type_checks()
        return output

    def type_checks(self, platform: str | None = None) -> None:
        """Run mypy --strict for ``platform`` (this one by default), with the cache for that
        platform in ``mypy_caches``, holding its lock: the runs that share a cache take turns,
        so that none reads a module's cache while another writes it."""
        options = ["--strict", *(["--platform", platform] if platform else [])]
        if self.mypy_caches is None:
            self.run("mypy", *options)
            return
        with taking_turns(self.mypy_caches / "lock"):
            cache = self.mypy_caches / (platform or sys.platform)
            self.run("mypy", *options, "--cache-dir", str(cache))

    def script(self, name: str, *args: str) -> str:
        """Run the console script ``name`` installed in the venv."""
        scripts = self.python.parent
        executable = scripts / (f"{name}.exe" if sys.platform == "win32" else name)
        return run([str(executable), *args], cwd=self.root, env=self._env())

    def _env(self) -> dict[str, str]:
        """This environment, with the plugin's own launcher configuration file."""
        env = {**os.environ, "ANSYS_LAUNCHER_CONFIG_PATH": str(self.config_path)}
        for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            env.pop(name, None)
        return env


def mypy_caches(venv: Path) -> Path:
    """Return the folder of mypy's caches for a bake installed in ``venv``. On POSIX the bakes
    of the session share it, in the session's temporary folder: the standard library's stubs
    and what the venvs install alike are analysed once, not once per venv (3 s of a cold run
    of 4 s). mypy checks each module's cache against the hash of the module's source, wherever
    it is installed, and analyses again what differs, such as each bake's own package. Elsewhere
    (no ``fcntl`` for ``taking_turns``), each venv has its own."""
    if sys.platform == "win32":
        return venv / "mypy-caches"
    return Path(tempfile.gettempdir(), "mypy-caches")


@contextlib.contextmanager
def taking_turns(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``lock`` (``fcntl.flock``, POSIX; elsewhere none is
    needed: see ``mypy_caches``), waiting for it."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        yield
        return
    import fcntl

    with lock.open("a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def venv_python(venv: Path) -> Path:
    """Return the interpreter of ``venv`` on this platform."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def new_venv(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """Create an empty venv for this Python in a new temporary folder named after ``name``."""
    venv = tmp_path_factory.mktemp(name)
    run(uv_command("venv", "--quiet", "--python", sys.executable, str(venv)), cwd=venv)
    return venv


@pytest.fixture(scope="session")
def install(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Plugin]:
    """Bake with the given answers and install the project with its ``test`` and ``lint``
    extras into a fresh venv; each set of answers is baked and installed once per session."""
    installed: dict[str, Plugin] = {}

    def bake_and_install(**answers: Any) -> Plugin:
        key = json.dumps(answers, sort_keys=True)
        if key not in installed:
            result = cookies_session.bake(extra_context=answers)
            assert result.exception is None, result.exception
            venv = new_venv(tmp_path_factory, "venv")
            python = venv_python(venv)
            requirement = f"{result.project_path}[test,lint]"
            run(uv_command("pip", "install", "--quiet", "--python", str(python), requirement), venv)
            config_path = tmp_path_factory.mktemp("launcher-config") / "config.json"
            installed[key] = Plugin(result.project_path, python, config_path)
        return installed[key]

    return bake_and_install


def declared_requirements(project: Path) -> list[str]:
    """Return what ``project`` declares it needs: its dependencies and test and lint extras."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    return sorted({*pyproject["project"]["dependencies"], *extras["test"], *extras["lint"]})


@pytest.fixture(scope="session")
def install_shared(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Plugin]:
    """Bake with the given answers and install the project into a venv shared by the bakes that
    declare the same requirements; use the returned plugin before the next call.

    The first bake of a set of requirements installs them; the next ones replace the project
    alone (``--no-deps``, no build isolation). mypy's caches are shared (``mypy_caches``), so
    the dependencies are analysed once. Bytecode is compiled on first import and cached in the venv
    (``.ci/run`` unsets ``PYTHONDONTWRITEBYTECODE``): that compiles what the tests import, where
    ``--compile-bytecode`` compiled every installed module and made the suite slower here.
    """
    venvs: dict[str, tuple[Path, list[str]]] = {}

    def bake_and_install(**answers: Any) -> Plugin:
        result = cookies_session.bake(extra_context=answers)
        assert result.exception is None, result.exception
        project = result.project_path
        requirements = declared_requirements(project)
        key = json.dumps(requirements)
        install = uv_command("pip", "install", "--quiet")
        if key not in venvs:
            venv = new_venv(tmp_path_factory, "shared-venv")
            python = venv_python(venv)
            build = "flit_core>=3.12,<5"  # the build backend, for --no-build-isolation later
            run([*install, "--python", str(python), build, f"{project}[test,lint]"], venv)
            venvs[key] = (venv, [project.name])
        else:
            venv, installed = venvs[key]
            python = venv_python(venv)
            stale = [name for name in installed if name != project.name]
            if stale:  # another project of the same requirements: only one is installed
                run(
                    uv_command("pip", "uninstall", "--quiet", "--python", str(python), *stale), venv
                )
            options = ["--no-deps", "--no-build-isolation", "--reinstall-package", project.name]
            run([*install, *options, "--python", str(python), str(project)], venv)
            venvs[key] = (venv, [project.name])
        config_path = tmp_path_factory.mktemp("launcher-config") / "config.json"
        return Plugin(project, venv_python(venv), config_path, mypy_caches=mypy_caches(venv))

    return bake_and_install


VERSIONS = (
    "import importlib.metadata as m, json;"
    " print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
)


@pytest.fixture(scope="session")
def install_lowest(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Plugin]:
    """Bake with the given answers and install the project into a venv of its own with the
    lowest versions its bounds allow (``uv pip install --resolution lowest-direct``); fail unless
    each ``>=`` bound is the version installed (a bound that no install can reach is not true)."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    def bake_and_install(**answers: Any) -> Plugin:
        result = cookies_session.bake(extra_context=answers)
        assert result.exception is None, result.exception
        project = result.project_path
        venv = new_venv(tmp_path_factory, "lowest-venv")
        python = venv_python(venv)
        install = ["pip", "install", "--quiet", "--resolution", "lowest-direct"]
        run(uv_command(*install, "--python", str(python), f"{project}[test,lint]"), cwd=venv)
        installed = json.loads(run([str(python), "-c", VERSIONS], cwd=venv))
        for requirement in map(Requirement, declared_requirements(project)):
            bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
            if bounds:
                bound, version = Version(bounds[0]), Version(installed[requirement.name.lower()])
                assert version.release[: len(bound.release)] == bound.release, (
                    f"{requirement} resolved to {version}: the bound is not the lowest installable"
                )
        config_path = tmp_path_factory.mktemp("launcher-config") / "config.json"
        return Plugin(project, python, config_path)

    return bake_and_install
