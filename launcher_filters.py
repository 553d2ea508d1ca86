"""Jinja filters and globals of the launcher plugin template.

Cookiecutter loads ``LauncherTemplate`` through ``_extensions`` in ``cookiecutter.json``. The
filters turn answers into literals of the language they land in (Python, TOML, Markdown); the
answers were checked by ``hooks/pre_gen_project.py`` before any file is rendered, so free-text
answers are single printable lines, and any such line becomes a valid, formatter-stable literal.
``file_answer`` runs while cookiecutter prompts: it reads the file a JSON answer names, in the
folder the command runs in, into a private variable of ``cookiecutter.json``.

``cruft update`` renders a project's old template version and the current one in one process,
from the same folder: each new Jinja environment checks that this module and ``launcher_rules``
are those of the files now in the folder, and loads them again when they changed (see
:func:`_fresh`), so a new version of either keeps its name.
"""

from __future__ import annotations

import json
import os
import sys
from types import ModuleType
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

from launcher_rules import (
    FIELD_ROLES,
    FILE_ANSWER_PREFIX,
    JINJA_MARKERS,
    JSON_ANSWERS,
    file_answer,
    json_answers,
    listening_report,
    parse_container_command,
    server_specs,
    template_questions,
)

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


def python_bytes(value: str) -> str:
    """Return the ASCII text ``value`` as a Python bytes literal."""
    return "b" + python_string(value)


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


def _strings(value: Any) -> list[str]:
    """Return every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _strings(key) + _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


# Context entries that describe this machine's bake, not the answers.
_NOT_RECORDED = (
    "_template",
    "_output_dir",
    "_repo_dir",
    "_checkout",
    "_extensions",
    "_copy_without_render",
)


@pass_context
def launcher_answer(context: Context, name: str) -> Any:
    """Return the JSON answer ``name`` (``config_fields``, ``product_command`` or
    ``product_env``) parsed, as ``hooks/pre_gen_project.py`` checked it."""
    answers = context.get("cookiecutter") or {}
    value = json_answers(answers, context.get("_cookiecutter") or {})[name]
    return load_json_answer(value)


@pass_context
def answers_record(context: Context) -> str:
    """Return the answers as cookiecutter's replay file, without this machine's paths, the JSON
    answers as JSON text (the file an answer named is not needed again)."""
    answers = context.get("cookiecutter") or {}
    record = {key: value for key, value in sorted(answers.items()) if key not in _NOT_RECORDED}
    for name in JSON_ANSWERS:
        record[name] = json.dumps(launcher_answer(context, name), ensure_ascii=False)
        record[FILE_ANSWER_PREFIX + name] = ""  # the answer holds the content now
    return json.dumps({"cookiecutter": record}, indent=2, ensure_ascii=False)


@pass_context
def runs_demo_server(context: Context) -> bool:
    """Whether the checked answers bake a gRPC plugin whose command runs the generated demo
    server: only then is ``demo_server.py`` generated."""
    answers = context.get("cookiecutter") or {}
    if answers.get("server_type") != "grpc":
        return False
    return f"{answers.get('package_name')}.demo_server" in launcher_answer(
        context, "product_command"
    )


@pass_context
def container_command(context: Context) -> list[str]:
    """Return the command given to the image in the container launch mode: the
    ``container_command`` answer, or (``null``) ``product_command`` without its program."""
    answers = context.get("cookiecutter") or {}
    arguments = parse_container_command(answers.get("container_command", "null"))
    if arguments is None:
        return list(launcher_answer(context, "product_command")[1:])
    return list(arguments)


@pass_context
def servers(context: Context) -> dict[str, dict[str, Any]]:
    """Return the checked ``servers`` answer: ``{name: {"kind", "command",
    "container_command"}}``, ``main`` first; a server's ``container_command`` is its command
    without its program when not given (``None`` for the servers ``product_command`` serves)."""
    answers = context.get("cookiecutter") or {}
    default = json.dumps({"main": answers.get("server_type")})
    specs = server_specs(answers.get("servers") or default)
    for spec in specs.values():
        if spec["command"] is not None and spec["container_command"] is None:
            spec["container_command"] = spec["command"][1:]
    return specs


@pass_context
def answered_characters(context: Context) -> list[str]:
    """Return the characters beyond ASCII in the free-text answers that land in Python code
    (the description, config fields, command and environment), sorted."""
    answers = context.get("cookiecutter") or {}
    texts = [str(answers["description"]), str(answers["author_name"])]
    for name in JSON_ANSWERS:
        texts += _strings(launcher_answer(context, name))
    texts += _strings(servers(context))
    return sorted({char for text in texts for char in text if not char.isascii()})


@pass_context
def derived_answers(context: Context) -> dict[str, Any]:
    """Return what the template answers itself to each question given the bake's answers: its
    default in ``cookiecutter.json`` rendered with them (a choice's first value), or None where
    it cannot be rendered from them. The pre-generation hook leaves an answer equal to it out of
    the answers file it writes, so that the answer follows the new answers it derives from."""
    answers = context.get("cookiecutter") or {}
    with open(os.path.join(template_folder(), "cookiecutter.json"), encoding="utf-8") as file:
        questions = template_questions(json.load(file))
    derived: dict[str, Any] = {}
    for name, default in questions.items():
        value = default[0] if isinstance(default, list) else default
        if not (isinstance(value, str) and any(marker in value for marker in JINJA_MARKERS)):
            derived[name] = value  # no Jinja in it: every bake renders this, so no rendering
            continue
        try:
            derived[name] = context.environment.from_string(value).render(cookiecutter=answers)
        except Exception:  # a default that cannot be derived from these answers
            derived[name] = None
    return derived


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


def template_folder() -> str:
    """Return the template's folder (where this module is), for the hooks to import the rules
    from whatever runs the bake."""
    return os.path.dirname(os.path.abspath(__file__))


def context_json(value: Any) -> str:
    """Return a context of the bake as JSON text, ASCII only, keys in their order."""
    return json.dumps(value, default=str)


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
        file_answer=file_answer,
        py_bytes=python_bytes,
        listening_report=listening_report,
        context_json=context_json,
    )
    environment.globals.update(
        launcher_answer=launcher_answer,
        answers_record=answers_record,
        answered_characters=answered_characters,
        runs_demo_server=runs_demo_server,
        container_command=container_command,
        servers=servers,
        launcher_template_folder=template_folder,
        derived_answers=derived_answers,
    )


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
    """Adds this template's filters and globals to cookiecutter's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        check_cookiecutter()
        _fresh().install(environment)
