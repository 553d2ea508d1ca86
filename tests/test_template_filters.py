"""The Jinja filters that write answers as Python and TOML literals."""

from __future__ import annotations

import ast
import sys

import pytest

import launcher_filters as extensions  # conftest puts the template folder on sys.path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

TEXTS = [
    "plain",
    "",
    'double "quoted"',
    "single 'quoted'",
    'both "double" and \'single\' and more ""',
    "back\\slash at the end\\",
    "triple \"\"\" and '''",
    "ünïcødé 日本語 ☃",
    "line\nbreak\ttab\rreturn",
]


@pytest.mark.parametrize("text", TEXTS)
def test_python_strings_read_back_as_the_same_text(text: str) -> None:
    assert ast.literal_eval(extensions.python_string(text)) == text


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("ünï", '"ünï"'),
    ],
)
def test_python_strings_use_the_quotes_ruff_format_prefers(text: str, literal: str) -> None:
    assert extensions.python_string(text) == literal


@pytest.mark.parametrize("text", TEXTS)
def test_toml_strings_read_back_as_the_same_text(text: str) -> None:
    assert tomllib.loads(f"value = {extensions.toml_string(text)}")["value"] == text


def test_the_compile_cache_keeps_environments_with_other_settings_apart() -> None:
    from jinja2 import Environment

    source = "x\n{% if true %}\n  y{% endif %}"
    plain = Environment(extensions=[extensions.LauncherTemplate], keep_trailing_newline=True)
    trimmed = Environment(
        extensions=[extensions.LauncherTemplate],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert plain.from_string(source).render() == "x\n\n  y"
    assert trimmed.from_string(source).render() == "x\n  y"
    assert plain.from_string(source).render() == "x\n\n  y"
