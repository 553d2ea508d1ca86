"""The README's variable table matches cookiecutter.json."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import CHOICES, COOKIECUTTER_JSON, TEMPLATE

ROW = re.compile(
    r"^\| `(?P<name>[a-z_]+)` \| (`(?P<default>[^`]*)`|see below) \| (?P<allowed>.*) \|$"
)
JSON_ANSWERS = ("config_fields", "product_command", "product_env", "container_command")
"""Answers with a section of their own, which shows their defaults as JSON blocks."""


def readme_rows() -> dict[str, tuple[str | None, str]]:
    """Return ``{variable: (default, allowed)}`` from the README's variable table."""
    text = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    return {
        found["name"]: (found["default"], found["allowed"])
        for found in map(ROW.match, text.splitlines())
        if found
    }


def test_the_variable_table_lists_every_question_with_its_default(cookies: Any) -> None:
    rendered = cookies.bake().context
    public = [name for name in COOKIECUTTER_JSON if not name.startswith("_")]
    rows = readme_rows()
    assert list(rows) == public
    for name in public:
        if rows[name][0] is None:  # "see below"
            assert name in JSON_ANSWERS
            continue
        default = rendered[name]
        if isinstance(default, bool):
            default = str(default).lower()
        assert rows[name][0] == default, name


def test_the_variable_table_lists_every_choice() -> None:
    rows = readme_rows()
    for name, values in CHOICES.items():
        for choice in values[1:]:
            assert f"`{choice}`" in rows[name][1], (name, choice)


def json_blocks(section: str) -> list[Any]:
    """Return the JSON code blocks of the README's section ``### `section```, parsed."""
    text = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    body = text.split(f"### `{section}`\n", 1)[1].split("\n#", 1)[0]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", body, re.S)]


@pytest.mark.parametrize("server_type", CHOICES["server_type"])
def test_each_json_answer_has_a_section_showing_its_defaults(
    cookies: Any, server_type: str
) -> None:
    rendered = cookies.bake(extra_context={"server_type": server_type}).context
    for name in JSON_ANSWERS:
        assert f"](#{name})" in readme_rows()[name][1]
        assert json.loads(rendered[name]) in json_blocks(name), (name, server_type)
