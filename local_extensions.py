"""Jinja filters that turn template answers into literals of the language they land in.

Cookiecutter loads this module through ``_extensions`` in ``cookiecutter.json``.
Free-text answers (description, author, ...) are validated to be single printable
lines by ``hooks/pre_gen_project.py``; these filters make any such line a valid,
formatter-stable literal.
"""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter

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


@simple_filter
def py_str(value: str) -> str:
    """Jinja filter: a Python string literal."""
    return python_string(value)


@simple_filter
def toml_str(value: str) -> str:
    """Jinja filter: a TOML basic string."""
    return toml_string(value)
