"""Jinja filters that turn template answers into literals of the language they land in.

Cookiecutter loads ``LauncherTemplateFilters`` through ``_extensions`` in ``cookiecutter.json``.
Free-text answers (description, author, ...) are validated to be single printable
lines by ``hooks/pre_gen_project.py``; these filters make any such line a valid,
formatter-stable literal.
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
    if kind == "str":
        return python_string(value)
    if kind == "bool":
        return "True" if value else "False"
    if kind == "float":
        return repr(float(value))
    return str(int(value))


def launcher_config(value: Any) -> dict[str, Any]:
    """Describe the validated ``config_fields`` answer for the templates.

    Returns ``{"fields": [...], "directory": bool, "all_defaults": bool, "noprompt": bool}``;
    each field has ``name``, ``type``, ``description`` (a Python literal), ``prompt``,
    ``default`` (a Python literal, or ``None`` when the field has no default), and
    ``description_text`` and ``default_text`` for Markdown table cells.
    """
    fields = [
        {
            "name": name,
            "type": spec["type"],
            "description": python_string(spec["description"]),
            "description_text": _table_cell(spec["description"]),
            "prompt": spec.get("prompt", True),
            "default": python_literal(spec["type"], spec["default"]) if "default" in spec else None,
            "default_text": (
                _table_cell(python_literal(spec["type"], spec["default"]))
                if "default" in spec
                else None
            ),
        }
        for name, spec in load_json_answer(value).items()
    ]
    return {
        "fields": fields,
        "directory": any(f["name"] == "directory" and f["type"] == "str" for f in fields),
        "all_defaults": all(field["default"] is not None for field in fields),
        "noprompt": any(not field["prompt"] for field in fields),
    }


def _table_cell(text: str) -> str:
    """Return ``text`` safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def command_arguments(value: Any) -> list[str]:
    """Return the validated ``product_command`` answer as Python string literals."""
    return [python_string(argument) for argument in load_json_answer(value)]


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
            replay_json=answers_record,
        )
