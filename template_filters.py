"""Jinja filters that turn template answers into literals of the language they land in.

Cookiecutter loads ``LauncherTemplateFilters`` through ``_extensions`` in ``cookiecutter.json``.
Free-text answers (description, author, ...) are validated to be single printable
lines by ``hooks/pre_gen_project.py``; these filters make any such line a valid,
formatter-stable literal.

The module's name changes whenever its filters do (it was ``local_extensions`` until the
plugins for real products): ``cruft update`` renders a project's old template version and the
current one in one process, and Python keeps the first module imported under a name, so the
current template would otherwise render with the old version's filters.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

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
    """Return ``value`` as a TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(str(value), ensure_ascii=False)


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
        return repr(float(value))
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

    Returns ``{"fields": [...], "directory": bool, "all_defaults": bool, "noprompt": bool,
    "command_metadata": [...]}``; each field has ``name``, ``type`` (as answered), ``annotation``
    (its Python type), ``doc`` (a Python literal of its help text), ``prompt``, ``path``, ``env``
    and ``ansys_path`` (Python literals, or ``None``), ``default`` (a Python literal, or ``None``
    when the field has no default), and ``description_text`` and ``default_text`` for Markdown
    table cells. ``command_metadata`` lists the metadata keys of ``command.py`` the fields use.
    """
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
            "default": python_literal(spec["type"], spec["default"]) if "default" in spec else None,
            "default_text": (
                _table_cell(python_literal(spec["type"], spec["default"]))
                if "default" in spec
                else None
            ),
        }
        for name, spec in load_json_answer(value).items()
    ]
    metadata = [
        ("METADATA_KEY_ANSYS_PATH", any(field["ansys_path"] for field in fields)),
        ("METADATA_KEY_ENV", any(field["env"] for field in fields)),
        ("METADATA_KEY_PATH", any(field["path"] for field in fields)),
    ]
    return {
        "fields": fields,
        "directory": any(f["name"] == "directory" and f["annotation"] == "str" for f in fields),
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


# Context entries that describe this machine's bake, not the answers.
_NOT_RECORDED = ("_output_dir", "_repo_dir", "_checkout")


def answers_record(context: dict[str, Any]) -> str:
    """Return the answers as Cookiecutter's replay file, without this machine's paths."""
    answers = {key: value for key, value in sorted(context.items()) if key not in _NOT_RECORDED}
    return json.dumps({"cookiecutter": answers}, indent=2, ensure_ascii=False)


class LauncherTemplateFilters(Extension):
    """Adds this template's filters to cookiecutter's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            py_str=python_string,
            toml_str=toml_string,
            config_model=launcher_config,
            command_literals=command_arguments,
            environment_literals=environment_items,
            command_text=command_display,
            environment_text=environment_pairs,
            replay_json=answers_record,
        )
