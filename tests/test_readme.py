"""The README's variable table matches cookiecutter.json."""

from __future__ import annotations

import re
from typing import Any

from conftest import CHOICES, COOKIECUTTER_JSON, TEMPLATE

ROW = re.compile(r"^\| `(?P<name>[a-z_]+)` \| `(?P<default>[^`]*)` \| (?P<allowed>.*) \|$")


def readme_rows() -> dict[str, tuple[str, str]]:
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
        default = rendered[name]
        if isinstance(default, bool):
            default = str(default).lower()
        assert rows[name][0] == default, name


def test_the_variable_table_lists_every_choice() -> None:
    rows = readme_rows()
    for name, values in CHOICES.items():
        for choice in values[1:]:
            assert f"`{choice}`" in rows[name][1], (name, choice)
