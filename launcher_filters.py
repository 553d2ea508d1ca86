"""Jinja filters that turn template answers into literals of the language they land in, and
the check of the answers before anything is written.

Cookiecutter loads ``LauncherTemplate`` through ``_extensions`` in ``cookiecutter.json``. When
cookiecutter renders the name of the project folder, before it creates the folder, the
extension checks every answer with ``launcher_rules`` (so the rules hold with
``--accept-hooks no`` too) and stops the bake with every refused answer at once, an answers
file for ``--config-file`` and the command that re-runs the bake. Free-text answers are then
single printable lines; the filters make any such line a valid, formatter-stable literal.

``cruft update`` renders a project's old template version and the current one in one process,
from the same folder: each new Jinja environment checks that this module and ``launcher_rules``
are those of the files now in the folder, and loads them again when they changed (see
:func:`_fresh`), so a new version of either keeps its name.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cookiecutter.exceptions import FailedHookException
from cookiecutter.prompt import render_variable
from jinja2 import BytecodeCache, Environment, pass_context
from jinja2.bccache import Bucket
from jinja2.ext import Extension
from jinja2.runtime import Context

from launcher_rules import FIELD_ROLES, Problem, refused_answers, validate_answers

_PY_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def python_string(value: str) -> str:
    """Return ``value`` as a Python string literal, quoted the way ruff format prefers.

    Double quotes unless the text holds more double than single quotes, so that
    ``ruff format --check`` accepts the rendered file as it is.
    """
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = "".join(_PY_ESCAPES.get(char, char) for char in text)
    escaped = escaped.replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


def toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string (JSON string escapes are valid TOML; TOML also
    wants DEL escaped)."""
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def load_json_answer(value: Any) -> Any:
    """Return a JSON answer parsed: the command line gives text, the Python API may give objects."""
    return json.loads(value) if isinstance(value, str) else value


def python_literal(kind: str, value: Any) -> str:
    """Return ``value`` as a Python literal of the config field type ``kind``."""
    if kind in ("str", "path"):
        return python_string(value)
    if kind == "bool":
        return "True" if value else "False"
    if kind == "float":
        return repr(float(value)).replace("e+", "e")  # as ruff format writes 1e300
    return str(int(value))


def field_doc(spec: dict[str, Any]) -> str:
    """Return the help text of a config field: its description, and where its value may come
    from when it is left at its default."""
    doc: str = spec["description"]
    if spec.get("env"):
        doc += f" Left at its default, the environment variable {spec['env']} supplies the value."
    if spec.get("ansys_path"):
        doc += f" Still empty, {spec['ansys_path']} in the newest Ansys installation is used."
    return doc


def launcher_config(value: Any) -> dict[str, Any]:
    """Describe the validated ``config_fields`` answer for the templates.

    Returns ``{"fields": [...], "roles": {role: field name}, "all_defaults": bool, "noprompt":
    bool, "command_metadata": [...]}``; each field has ``name``, ``type`` (as answered),
    ``annotation`` (its Python type), ``doc`` (a Python literal of its help text), ``prompt``,
    ``path``, ``env``, ``ansys_path`` and ``role`` (Python literals, or ``None``), ``default`` (a
    Python literal, or ``None`` when the field has no default), and ``description_text`` and
    ``default_text`` for Markdown table cells. ``roles`` maps each role of
    ``launcher_rules.FIELD_ROLES`` to the name of the field that declares it, or ``None``.
    ``command_metadata`` lists the metadata keys of ``_machinery/fields.py`` the fields use.
    """
    answered = load_json_answer(value)
    fields = [
        {
            "name": name,
            "type": spec["type"],
            "annotation": "str" if spec["type"] == "path" else spec["type"],
            "doc": python_string(field_doc(spec)),
            "description_text": _table_cell(field_doc(spec)),
            "prompt": spec.get("prompt", True),
            "path": spec["type"] == "path",
            "env": python_string(spec["env"]) if spec.get("env") else None,
            "ansys_path": python_string(spec["ansys_path"]) if spec.get("ansys_path") else None,
            "role": python_string(spec["role"]) if spec.get("role") else None,
            "default": python_literal(spec["type"], spec["default"]) if "default" in spec else None,
            "default_text": (
                _table_cell(python_literal(spec["type"], spec["default"]))
                if "default" in spec
                else None
            ),
        }
        for name, spec in answered.items()
    ]
    metadata = [
        ("METADATA_KEY_ANSYS_PATH", any(field["ansys_path"] for field in fields)),
        ("METADATA_KEY_ENV", any(field["env"] for field in fields)),
        ("METADATA_KEY_PATH", any(field["path"] for field in fields)),
        ("METADATA_KEY_ROLE", any(field["role"] for field in fields)),
    ]
    return {
        "fields": fields,
        "roles": {
            role: next((name for name, spec in answered.items() if spec.get("role") == role), None)
            for role in FIELD_ROLES
        },
        "all_defaults": all(field["default"] is not None for field in fields),
        "noprompt": any(not field["prompt"] for field in fields),
        "command_metadata": [key for key, used in metadata if used],
    }


def _table_cell(text: str) -> str:
    """Return ``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def command_arguments(value: Any) -> list[str]:
    """Return the validated ``product_command`` answer as Python string literals."""
    return [python_string(argument) for argument in load_json_answer(value)]


def command_display(value: Any) -> str:
    """Return the validated ``product_command`` answer as one line to read: arguments separated
    by spaces, those with spaces or quotes in JSON quotes."""
    return " ".join(
        json.dumps(argument, ensure_ascii=False) if set(argument) & set(" \"'\\") else argument
        for argument in load_json_answer(value)
    )


def environment_pairs(value: Any) -> list[tuple[str, str]]:
    """Return the validated ``product_env`` answer as (name, value) pairs."""
    return list(load_json_answer(value).items())


def environment_items(value: Any) -> list[tuple[str, str]]:
    """Return the validated ``product_env`` answer as pairs of Python string literals."""
    return [
        (python_string(name), python_string(text)) for name, text in load_json_answer(value).items()
    ]


def runs_demo_server(answers: dict[str, Any]) -> bool:
    """Whether the checked answers bake a gRPC plugin whose command runs the generated demo
    server: only then is ``demo_server.py`` generated."""
    if answers.get("server_type") != "grpc":
        return False
    demo = f"{answers.get('package_name')}.demo_server"
    return demo in load_json_answer(answers.get("product_command", "[]"))


def _strings(value: Any) -> list[str]:
    """Return every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _strings(key) + _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def answered_characters(context: dict[str, Any]) -> list[str]:
    """Return the characters beyond ASCII in the free-text answers that land in Python code
    (the description, config fields, command and environment), sorted."""
    texts = [str(context["description"]), str(context["author_name"])]
    for name in ("config_fields", "product_command", "product_env"):
        texts += _strings(load_json_answer(context[name]))
    return sorted({char for text in texts for char in text if not char.isascii()})


# Context entries that describe this machine's bake, not the answers.
_NOT_RECORDED = (
    "_template",
    "_output_dir",
    "_repo_dir",
    "_checkout",
    "_extensions",
    "_copy_without_render",
)


def answers_record(context: dict[str, Any]) -> str:
    """Return the answers as Cookiecutter's replay file, without this machine's paths."""
    answers = {key: value for key, value in sorted(context.items()) if key not in _NOT_RECORDED}
    return json.dumps({"cookiecutter": answers}, indent=2, ensure_ascii=False)


JSON_ANSWERS = ("config_fields", "product_command", "product_env")
PROJECT_FOLDER = "{{cookiecutter.package_name}}"
"""The name of the template's project folder: rendering it runs :func:`check_answers`."""
_CHECK = "{{ launcher_checked_answers() }}"
_TEMPLATE = Path(__file__).resolve().parent
ANSWERS_FILE = "launcher-plugin-answers.yaml"
_ANSWERS_MARK = "# Answers to the launcher plugin template"


class AnswersRefused(FailedHookException):  # type: ignore[misc]  # untyped base
    """Stops a bake whose answers break the template's rules, before the project folder exists.

    A :class:`~cookiecutter.exceptions.FailedHookException`, which the cookiecutter command
    prints without a traceback before it exits with status 1. ``problems`` lists the refused
    answers (empty when the output folder is the reason).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _restore_numbers(rendered: Any, given: Any) -> Any:
    """Cookiecutter renders each string of a dict or list answer and turns its numbers into
    text; take back the numbers that were given."""
    if isinstance(given, dict) and isinstance(rendered, dict) and len(given) == len(rendered):
        return {
            key: _restore_numbers(value, original)
            for (key, value), original in zip(rendered.items(), given.values(), strict=True)
        }
    if isinstance(given, list) and isinstance(rendered, list) and len(given) == len(rendered):
        return [
            _restore_numbers(value, original)
            for value, original in zip(rendered, given, strict=True)
        ]
    number = isinstance(given, (int, float)) and not isinstance(given, bool)
    return given if number and rendered == str(given) else rendered


def _as_rendered(given: Any) -> Any:
    """Return ``given`` as cookiecutter renders a dict or list answer with no Jinja in it:
    numbers become text, line breaks ``\\n``."""
    if isinstance(given, dict):
        return {_as_rendered(key): _as_rendered(value) for key, value in given.items()}
    if isinstance(given, list):
        return [_as_rendered(value) for value in given]
    if given is None or isinstance(given, bool):
        return given
    return str(given).replace("\r\n", "\n").replace("\r", "\n")


def _as_given(environment: Environment, answers: dict[str, Any], name: str, given: Any) -> Any:
    """Return the JSON answer ``name`` with the types it was given (Python API, YAML), unless
    another answer was typed at the prompt."""
    value = answers[name]
    if not isinstance(given, (dict, list)):
        return value
    if isinstance(given, list):
        # Cookiecutter takes a list for a choice and keeps one element: take the whole list.
        value = [render_variable(environment, item, answers) for item in given]
    return _restore_numbers(value, given) if value == _as_rendered(given) else value


@pass_context
def check_answers(context: Context) -> str:
    """Check every answer before the project folder is created; stop the bake if any is refused.

    Also writes JSON answers given as objects or as file names back as JSON text, so that the
    recorded answers (replay, ``.cruft.json``) regenerate the same project. Returns ``""``.
    """
    answers = context.get("cookiecutter")
    if not isinstance(answers, dict) or not all(name in answers for name in _questions()):
        return ""  # an answer that names the folder, rendered while prompting: checked later
    given = context.get("_cookiecutter") or {}
    for name in JSON_ANSWERS:
        answers[name] = _as_given(context.environment, answers, name, given.get(name))
    choices = {name: value for name, value in _questions().items() if isinstance(value, list)}
    problems, parsed = validate_answers(answers, choices)
    problems = _without_echoes(context.environment, answers, problems)
    if problems:
        raise AnswersRefused(_refusal(context.environment, answers, problems), problems)
    folder = _project_folder(answers)
    if folder is not None and folder.is_dir() and any(folder.iterdir()):
        raise AnswersRefused(
            f"The output folder {str(folder)!r} already exists and holds files; nothing was"
            " changed. Bake into another --output-dir, or move the folder away."
        )
    rewritten = False
    for name, value in parsed.items():
        if not isinstance(answers[name], str) or answers[name].strip()[:1] not in "[{":
            answers[name] = json.dumps(value, ensure_ascii=False)
            rewritten = True
    command = _cookiecutter_command()
    if rewritten and command is not None:
        _replay_again(command, answers, given)
    # Unless cookiecutter is to stop because the folder exists (without --overwrite-if-exists).
    creates = folder is not None and not folder.exists()
    if (
        command is not None
        and folder is not None
        and (creates or command.params.get("overwrite_if_exists"))
    ):
        _say(next_steps(folder))
    return ""


def _without_echoes(
    environment: Environment, answers: dict[str, Any], problems: list[Problem]
) -> list[Problem]:
    """Leave out the problems of answers derived from a refused answer, unchanged and showing
    its value (``package_name`` from a refused ``product_name``): the new answer derives them
    again."""
    refused = set(refused_answers(problems))
    echoes = set()
    for name, default in _questions().items():
        if name not in refused or answers[name] != _derived(environment, default, answers):
            continue
        sources = [other for other in refused - {name} if f"cookiecutter.{other}" in str(default)]
        if any(_folded(answers[other]) in _folded(answers[name]) for other in sources):
            echoes.add(name)
    return [problem for problem in problems if problem.answer not in echoes]


def _folded(value: Any) -> str:
    """Return ``value`` as the template derives names from it (``lower``, ``-`` to ``_``)."""
    return str(value).lower().replace("-", "_")


def _derived(environment: Environment, default: Any, answers: dict[str, Any]) -> Any:
    """Return what the template answers itself for a question with the ``default``."""
    if isinstance(default, list):
        default = default[0]
    try:
        return render_variable(environment, default, answers)
    except Exception:  # a default that cannot be derived from these answers
        return None


def _replay_again(command: Any, answers: dict[str, Any], given: dict[str, Any]) -> None:
    """Write cookiecutter's replay file again, now with JSON text where the answers named a
    file or were objects: the command wrote it before the template saw the answers, and
    ``--replay`` would otherwise read the file again (from wherever it runs)."""
    if command.params.get("replay") or command.params.get("replay_file"):
        return  # a replay run writes no replay file
    from cookiecutter.config import get_user_config
    from cookiecutter.replay import dump

    config = get_user_config(
        config_file=command.params.get("config_file"),
        default_config=bool(command.params.get("default_config")),
    )
    template_name = os.path.basename(os.path.abspath(str(answers["_repo_dir"])))
    dump(config["replay_dir"], template_name, {"cookiecutter": answers, "_cookiecutter": given})


@functools.cache
def _questions() -> dict[str, Any]:
    """Return the template's questions and their unrendered defaults, in order (read once)."""
    with (_TEMPLATE / "cookiecutter.json").open(encoding="utf-8") as file:
        template = json.load(file)
    return {name: value for name, value in template.items() if not name.startswith("_")}


def _project_folder(answers: dict[str, Any]) -> Path | None:
    output = answers.get("_output_dir")
    return Path(output, answers["package_name"]) if isinstance(output, str) else None


def next_steps(folder: Path) -> str:
    """Return the commands that test and list the generated plugin: with uv, which makes the
    project's ``.venv`` itself, then with pip (where ``venv`` works: Debian and Ubuntu need the
    package ``python3-venv`` for it)."""
    if os.name == "nt":
        python, venv, launcher = "py", r".venv\Scripts\python", r".venv\Scripts\ansys-launcher"
    else:
        python, venv, launcher = "python3", ".venv/bin/python", ".venv/bin/ansys-launcher"
    return (
        f"Generating {folder}; then, to try the plugin with uv:\n"
        f"  cd {_quoted([str(folder)])}\n"
        "  uv run pytest\n"
        "  uv run ansys-launcher list-plugins\n"
        "or with pip (on Debian and Ubuntu, python3 -m venv needs the package python3-venv):\n"
        f"  {python} -m venv .venv\n"
        f'  {venv} -m pip install -e ".[test,lint]"\n'
        f"  {venv} -m pytest\n"
        f"  {launcher} list-plugins\n"
    )


def _say(text: str) -> None:
    """Print ``text``; a reader that has gone away (``| head``) does not fail the bake."""
    try:
        print(text, flush=True)
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # later writes and the final flush go nowhere
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _refusal(environment: Environment, answers: dict[str, Any], problems: list[Problem]) -> str:
    """Return the message of a refused bake. Run by the cookiecutter command, also write the
    answers file it names; from Python or another tool (cruft), whose caller has the answers,
    write nothing."""
    refused = list(refused_answers(problems))
    lines = ["These answers are not allowed, so no project was generated:"]
    lines += [f"  - {problem.message}" for problem in problems]
    command = _cookiecutter_command()
    if command is None:
        lines.append(f"Answer {_listed(refused)} again.")
        return "\n".join(lines)
    try:
        written = _write_answers(environment, answers, problems, refused)
    except OSError as error:
        lines.append(f"(Your other answers could not be saved: {error}.)")
        return "\n".join(lines)
    lines += [
        f"Your other answers are saved in {written}. Run this to answer only {_listed(refused)}"
        " again (Enter keeps the others):",
        f"  {_rerun_command(command, written)}",
        "or add the answers to that file and run the same command with --no-input.",
    ]
    return "\n".join(lines)


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _changed_answers(
    environment: Environment, answers: dict[str, Any], refused: list[str]
) -> dict[str, Any]:
    """Return the answers that are allowed and differ from what the template would answer
    itself, JSON answers as JSON text. An answer derived from another (``package_name`` from
    ``product_name``) is left out while it equals its derivation, so it follows a new answer."""
    changed: dict[str, Any] = {}
    for name, default in _questions().items():
        value = answers.get(name)
        if name in refused or value is None:
            continue
        if value == _derived(environment, default, answers):
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        changed[name] = value
    return changed


def _write_answers(
    environment: Environment, answers: dict[str, Any], problems: list[Problem], refused: list[str]
) -> Path:
    """Write the allowed answers as a cookiecutter config file; return its path."""
    import yaml  # cookiecutter's own dependency; imported only when a bake is refused

    folder = Path(answers.get("_output_dir") or os.getcwd())
    folder.mkdir(parents=True, exist_ok=True)  # as cookiecutter would have
    path = folder / ANSWERS_FILE
    number = 1
    while path.exists() and not _ours(path):
        number += 1
        path = folder / ANSWERS_FILE.replace(".yaml", f"-{number}.yaml")
    header = [
        f"{_ANSWERS_MARK}, written when a bake refused some of them.",
        "# Use it with: cookiecutter --config-file <this file> <template>",
        "# Left out, to be answered again:",
        *(f"#   {problem.message}" for problem in problems),
    ]
    config: dict[str, Any] = dict(_user_settings())
    config["default_context"] = _changed_answers(environment, answers, refused)
    body = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=2**31 - 1)
    text = "\n".join(header) + "\n" + body
    path.write_text(text.encode("utf-8", "backslashreplace").decode("utf-8"), encoding="utf-8")
    return path.resolve()


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as file:
            return file.readline().startswith(_ANSWERS_MARK)
    except (OSError, UnicodeDecodeError):
        return False


def _user_settings() -> dict[str, Any]:
    """Return the cookiecutter settings of the running command's config file that are not
    answers (clone and replay folders, abbreviations), which ``--config-file`` replaces."""
    command = _cookiecutter_command()
    if command is None or command.params.get("default_config"):
        return {}
    from cookiecutter.config import DEFAULT_CONFIG, get_user_config

    config = get_user_config(config_file=command.params.get("config_file"))
    keys = ("cookiecutters_dir", "replay_dir", "abbreviations")
    return {key: config[key] for key in keys if config.get(key) != DEFAULT_CONFIG.get(key)}


def _cookiecutter_command() -> Any:
    """Return the click context of the running ``cookiecutter`` command, or None when
    cookiecutter runs from Python or from another tool (cruft)."""
    import click

    context = click.get_current_context(silent=True)
    callback = getattr(context.command, "callback", None) if context else None
    return context if getattr(callback, "__module__", "") == "cookiecutter.cli" else None


def _rerun_command(command: Any, answers_file: Path) -> str:
    """Return the cookiecutter command that re-runs this bake with the answers file."""
    template = str(command.params["template"])
    if os.path.exists(template):  # a local template, not a URL or gh:owner/name
        template = os.path.abspath(template)
    words = [*_program(), *_kept_options(command)]
    return _quoted([*words, "--config-file", str(answers_file), template])


# Parameters of the command that the answers file replaces or that would keep it from asking,
# and the command's arguments (the template is added last, the answers are in the file).
_DROPPED = {"version", "no_input", "replay", "replay_file", "config_file", "default_config"}
_DROPPED |= {"list_installed", "template", "extra_context"}


def _kept_options(context: Any) -> list[str]:
    """Return the options the running command was given, but for those in ``_DROPPED``."""
    words: list[str] = []
    for parameter in context.command.params:
        value = context.params.get(parameter.name)
        if parameter.name in _DROPPED or value in (None, False) or value == parameter.default:
            continue
        option = parameter.opts[-1]  # the long form
        if parameter.name == "output_dir":
            value = os.path.abspath(value)  # the command may run from another folder
        words += [option] if parameter.is_flag else [option, str(value)]
    return words


def _program() -> list[str]:
    """Return the words that started cookiecutter, as short as they still work."""
    started = Path(sys.argv[0])
    if started.name == "__main__.py":
        name = Path(sys.executable).name
        found = shutil.which(name)
        same = found and Path(found).resolve() == Path(sys.executable).resolve()
        return [name if same else sys.executable, "-m", "cookiecutter"]
    found = shutil.which("cookiecutter")
    if not started.name.startswith("cookiecutter") or (
        found and Path(found).resolve() == started.resolve()
    ):
        return ["cookiecutter"]  # on PATH, or run from Python (click's test runner)
    return [str(started)]


def _quoted(words: list[str]) -> str:
    return subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words)


class _Compiled(BytecodeCache):
    """Keeps compiled template files in memory, so that bakes in one process (tests, ``cruft
    update``) compile each once. Jinja checks each source's checksum."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()
_CODE: dict[tuple[Any, ...], Any] = {}
"""Compiled code of the templates cookiecutter renders from strings (answers, file names)."""
_CODE_LIMIT = 4096
# The environment's settings that change what a source compiles to.
_COMPILE_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "autoescape",
    "optimized",
    "finalize",
)


def _compile_once(environment: Environment) -> None:
    """Make ``environment`` compile each source once per process: cookiecutter renders every
    answer and every file name from a string, the same ones bake after bake."""
    compile_source: Any = environment.compile

    def compile_once(
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if raw or name is not None or not isinstance(source, str):
            return compile_source(source, name, filename, raw, defer_init)
        settings = (  # the extensions are known once the environment is made
            tuple(sorted(environment.extensions)),
            *(repr(getattr(environment, option)) for option in _COMPILE_OPTIONS),
        )
        key = (source, filename, defer_init, *settings)
        code = _CODE.get(key)
        if code is None:
            if len(_CODE) >= _CODE_LIMIT:
                _CODE.clear()
            code = _CODE[key] = compile_source(source, name, filename, raw, defer_init)
        return code

    environment.compile = compile_once  # type: ignore[method-assign]


_MODULES = ("launcher_rules", __name__)
"""This template's modules, in the order they import each other."""


def _digest(path: str) -> str:
    import hashlib

    with open(path, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


_DIGESTS = {name: _digest(str(sys.modules[name].__file__)) for name in _MODULES}
"""The SHA-256 of each module's source when this module was loaded."""


def _fresh() -> ModuleType:
    """Return this module as its file is now: itself, or, when this module's or the rules'
    source changed since it was loaded (``cruft update`` checks out another commit of the
    template in the same folder), both loaded again from their files."""
    paths = {name: str(sys.modules[name].__file__) for name in _MODULES}
    if all(_digest(paths[name]) == _DIGESTS[name] for name in _MODULES):
        return sys.modules[__name__]
    for name in _MODULES:
        module = ModuleType(name)
        module.__file__ = paths[name]
        sys.modules[name] = module
        with open(paths[name], "rb") as source:
            exec(compile(source.read(), paths[name], "exec"), module.__dict__)
    return sys.modules[__name__]


def install(environment: Environment) -> None:
    """Add this template's filters and globals to ``environment``."""
    environment.filters.update(
        py_str=python_string,
        toml_str=toml_string,
        config_model=launcher_config,
        command_literals=command_arguments,
        environment_literals=environment_items,
        command_text=command_display,
        environment_text=environment_pairs,
        replay_json=answers_record,
        answered_characters=answered_characters,
    )
    environment.globals.update(
        launcher_checked_answers=check_answers, runs_demo_server=runs_demo_server
    )
    if environment.bytecode_cache is None:
        environment.bytecode_cache = _COMPILED
    _compile_once(environment)


MINIMUM_COOKIECUTTER = (2, 7)
"""The oldest cookiecutter this template works with: 2.4 to 2.6 take ``true`` on the command
line for a yes/no answer as text, older ones refuse yes/no defaults."""


def check_cookiecutter() -> None:
    """Raise ``ImportError`` naming the version needed if cookiecutter is older than
    ``MINIMUM_COOKIECUTTER``: cookiecutter then stops with "Unable to load extension: ..."."""
    import re

    from cookiecutter import __version__

    found = tuple(int(part) for part in re.findall(r"[0-9]+", __version__)[:2])
    if found < MINIMUM_COOKIECUTTER:
        needed = ".".join(map(str, MINIMUM_COOKIECUTTER))
        raise ImportError(
            f"this template needs cookiecutter {needed} or later, not {__version__}; upgrade it"
            f" with: python -m pip install --upgrade 'cookiecutter>={needed}'"
        )


class LauncherTemplate(Extension):
    """Adds this template's filters to cookiecutter's Jinja environment, and the check of the
    answers to the rendering of the project folder's name."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        check_cookiecutter()
        current = _fresh()
        current.install(environment)
        self._preprocess = current.preprocess_source

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Prefix the project folder's name with the check of the answers."""
        result: str = self._preprocess(source)
        return result


def preprocess_source(source: str) -> str:
    """Return ``source`` with the check of the answers before it if it is the project folder's
    name."""
    return _CHECK + source if source == PROJECT_FOLDER else source
