"""The hooks: every validation rule alone, and as a failing bake that writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CHOICES, TEMPLATE, load_module
from cookiecutter.exceptions import FailedHookException
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

pre_gen = load_module("hooks/pre_gen_project.py")
post_gen = load_module("hooks/post_gen_project.py")


@pytest.mark.parametrize(
    "value", ["example_httpserver", "Fluent", "mapdl-2025", "a", "my_product_2"]
)
def test_valid_product_names_pass(value: str) -> None:
    assert pre_gen.validate_product_name(value) is None


@pytest.mark.parametrize("value", ["example_httpserver_plugin", "_private", "pkg2", "a"])
def test_valid_package_names_pass(value: str) -> None:
    assert pre_gen.validate_package_name(value) is None


@pytest.mark.parametrize("value", ["0.1.0", "1.2.0rc1", "2.0.dev3", "1.0.post1", "3"])
def test_valid_versions_pass(value: str) -> None:
    assert pre_gen.validate_version(value) is None


@pytest.mark.parametrize("server_type", CHOICES["server_type"])
def test_the_default_answers_pass(server_type: str) -> None:
    context = generate_context(
        str(TEMPLATE / "cookiecutter.json"), extra_context={"server_type": server_type}
    )
    assert pre_gen.validate_answers(prompt_for_config(context, no_input=True)) == []


def test_a_command_and_environment_with_every_grpc_placeholder_pass() -> None:
    fields = (
        '{"transport": {"type": "str", "description": "d"},'
        ' "certs_dir": {"type": "path", "description": "d", "env": "CERTS"},'
        ' "binary": {"type": "path", "default": "", "description": "d", "ansys_path": "A/b"}}'
    )
    command = (
        '["{binary}", "--mode={transport}", "--dir={uds_dir}", "--id={uds_id}", "--at={address}",'
        ' "--host={host}", "--port={port}", "--certs={certs_dir}", "--python={python}"]'
    )
    assert pre_gen.validate_config_fields(fields, False, "grpc") is None
    assert pre_gen.validate_product_command(command, fields, "grpc") is None
    assert pre_gen.validate_product_env('{"PORT": "{port}", "FIXED": ""}', fields, "grpc") is None


def test_an_empty_folder_may_receive_the_project(tmp_path: Path) -> None:
    assert pre_gen.validate_output_folder(str(tmp_path)) is None


def test_the_post_generation_hook_names_the_folder_and_the_test_command() -> None:
    steps = post_gen.next_steps("/somewhere/example_httpserver_plugin")
    assert "cd /somewhere/example_httpserver_plugin" in steps
    assert "python -m pytest" in steps


GRPC_FIELDS_WITH_INT_CERTS = (
    '{"transport": {"type": "str", "default": "", "description": "d"},'
    ' "certs_dir": {"type": "int", "default": 0, "description": "d"}}'
)
# (answers, words the message must contain)
BAD_ANSWERS = [
    ({"product_name": "my.product"}, ["product_name='my.product'", "no dots"]),
    ({"product_name": "my product"}, ["product_name='my product'", "spaces"]),
    ({"product_name": ""}, ["product_name=''", "one or more letters"]),
    ({"product_name": "prod/uct", "package_name": "product"}, ["product_name='prod/uct'"]),
    ({"package_name": "class"}, ["package_name='class'", "keyword"]),
    ({"package_name": "2fast"}, ["package_name='2fast'", "not starting with a digit"]),
    ({"package_name": "my-plugin"}, ["package_name='my-plugin'", "no '-'"]),
    ({"package_name": "MyPlugin"}, ["package_name='MyPlugin'", "lowercase"]),
    ({"package_name": "json"}, ["package_name='json'", "shadow"]),
    ({"launch_mode": "__fallback__"}, ["launch_mode='__fallback__'", "reserved"]),
    ({"launch_mode": "a.b"}, ["launch_mode='a.b'", "no dots"]),
    ({"launch_mode": "-local"}, ["launch_mode='-local'", "takes '-...' for an option"]),
    (
        {"product_name": "-fluent", "package_name": "fluent_plugin"},
        ["product_name='-fluent'", "start with a letter, digit or '_'"],
    ),
    ({"launch_mode": "direct mode"}, ["launch_mode='direct mode'", "spaces"]),
    ({"config_fields": "{not json"}, ["config_fields='{not json'", "write a JSON object"]),
    ({"config_fields": '["directory"]'}, ["config_fields='[\"directory\"]'", "JSON object"]),
    (
        {"config_fields": '{"my-field": {"type": "str", "description": "d"}}'},
        ["config_fields='my-field'", "Python identifier"],
    ),
    (
        {"config_fields": '{"Directory": {"type": "str", "description": "d"}}'},
        ["config_fields='Directory'", "lowercase"],
    ),
    (
        {"config_fields": '{"self": {"type": "str", "description": "d"}}'},
        ["config_fields='self'", "reserved"],
    ),
    (
        {"config_fields": '{"class": {"type": "str", "description": "d"}}'},
        ["config_fields='class'", "not a keyword"],
    ),
    (
        {"config_fields": '{"python": {"type": "str", "description": "d"}}'},
        ["config_fields='python'", "reserved"],
    ),
    ({"config_fields": '{"x": "str"}'}, ["config_fields['x']='str'", '{"type": "str"}']),
    (
        {"config_fields": '{"x": {"type": "list", "description": "d"}}'},
        ["config_fields['x'].type='list'", "['str', 'path', 'int', 'float', 'bool']"],
    ),
    (
        {"config_fields": '{"x": {"type": "int", "default": "3", "description": "d"}}'},
        ["config_fields['x'].default='3'", "give an int (JSON integer)"],
    ),
    (
        {"config_fields": '{"x": {"type": "int", "default": true, "description": "d"}}'},
        ["config_fields['x'].default=True", "JSON integer"],
    ),
    (
        {"config_fields": '{"x": {"type": "float", "default": NaN, "description": "d"}}'},
        ["config_fields['x'].default=nan", "JSON number"],
    ),
    (
        {"config_fields": '{"x": {"type": "bool", "default": "yes", "description": "d"}}'},
        ["config_fields['x'].default='yes'", "true or false"],
    ),
    (
        {"config_fields": '{"x": {"type": "str", "defualt": "", "description": "d"}}'},
        ["config_fields['x']=", "not ['defualt']"],
    ),
    ({"config_fields": '{"x": {"type": "str"}}'}, ["config_fields['x'].description=None"]),
    (
        {"config_fields": '{"x": {"type": "str", "description": "d", "prompt": "no"}}'},
        ["config_fields['x'].prompt='no'", "true or false"],
    ),
    (
        {"config_fields": '{"x": {"type": "int", "description": "d"}}'},
        ["register_fallback=true", "['x'] have none"],
    ),
    ({"product_command": "python -m http.server"}, ["product_command=", "JSON list"]),
    ({"product_command": "[]"}, ["product_command='[]'", "non-empty list"]),
    ({"product_command": '["{python}", 8080]'}, ["product_command=", "non-empty strings"]),
    (
        {"product_command": '["{python}", "--dir={folder}"]'},
        ["product_command='--dir={folder}'", "{folder} names no config field", "{directory}"],
    ),
    (
        {"product_command": '["{python}", "{directory!r}"]'},
        ["product_command='{directory!r}'", "names no config field"],
    ),
    (
        {"product_command": '["{python", "-m", "http.server"]'},
        ["product_command='{python'", "double a brace"],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"transport": {"type": "str", "description": "d"}}',
        },
        ["server_type='grpc'", "add ['certs_dir']"],
    ),
    (
        {"server_type": "grpc", "product_command": '["{python}", "--listen={addr}"]'},
        ["{addr} names no config field", "{address}"],
    ),
    (
        {"product_command": '["{python}", "--listen={address}"]'},
        ["{address} names no config field"],
    ),
    (
        {"include_connect_mode": True, "launch_mode": "connect"},
        ["launch_mode='connect'", "registers the 'connect' launch mode"],
    ),
    (
        {"config_fields": '{"port": {"type": "int", "default": 1, "description": "d"}}'},
        ["config_fields='port'", "reserved"],
    ),
    (
        {"config_fields": '{"x": {"type": "str", "description": "d", "env": "1BAD"}}'},
        ["config_fields['x'].env='1BAD'", "name an environment variable"],
    ),
    (
        {
            "config_fields": '{"x": {"type": "str", "default": "", "description": "d",'
            ' "ansys_path": "ACP/x"}}'
        },
        ["config_fields['x'].ansys_path='ACP/x'", '"type": "path"'],
    ),
    (
        {
            "config_fields": '{"x": {"type": "path", "default": "/opt", "description": "d",'
            ' "ansys_path": "ACP/x"}}'
        },
        ["config_fields['x'].ansys_path='ACP/x'", '"default": ""'],
    ),
    (
        {
            "config_fields": '{"x": {"type": "path", "default": "", "description": "d",'
            ' "ansys_path": "/opt/ACP/x"}}'
        },
        ["config_fields['x'].ansys_path='/opt/ACP/x'", "not absolute"],
    ),
    (
        {
            "config_fields": '{"x": {"type": "path", "default": "", "description": "d",'
            ' "ansys_path": "ACP/../x"}}'
        },
        ["config_fields['x'].ansys_path='ACP/../x'", "no '.' or '..' parts"],
    ),
    (
        {"server_type": "grpc", "config_fields": GRPC_FIELDS_WITH_INT_CERTS},
        ["config_fields=", "certs_dir (str or path)"],
    ),
    (
        {"product_command": '["{python}", "--socket={uds_dir}"]'},
        ["product_command='--socket={uds_dir}'", "names no config field", "{port}"],
    ),
    ({"product_env": '["LICENSE"]'}, ["product_env='[\"LICENSE\"]'", "JSON object"]),
    ({"product_env": '{"1A": "x"}'}, ["product_env='1A'", "name each environment variable"]),
    ({"product_env": '{"A": 1}'}, ["product_env['A']=1", "JSON string"]),
    ({"product_env": '{"A": "{nope}"}'}, ["product_env['A']='{nope}'", "names no config field"]),
    (
        {"config_fields": '{"directory": {"type": ["path"], "description": "d"}}'},
        ["config_fields['directory'].type=['path']"],
    ),
    (
        {"config_fields": '{"x": {"type": "str", "description": "d", "prompt": false}}'},
        ["config_fields['x'].prompt=False", "needs a default"],
    ),
    ({"product_command": '["{python}", "a\\u0000b"]'}, ["product_command='a\\x00b'", "printable"]),
    ({"product_env": '{"A": "tab\\there"}'}, ["product_env['A']='tab\\there'", "printable"]),
    ({"uds_service": "a/b"}, ["uds_service='a/b'", "<uds_service>-<uds_id>.sock"]),
    ({"author_name": ""}, ["author_name=''", "non-empty line"]),
    ({"author_name": "Ann\tLee"}, ["author_name='Ann\\tLee'", "no line breaks or tabs"]),
    ({"description": "Two\nlines"}, ["description='Two\\nlines'", "no line breaks"]),
    ({"description": " padded "}, ["description=' padded '", "no spaces at either end"]),
    ({"author_email": "not-an-address"}, ["author_email='not-an-address'", "name@example.com"]),
    ({"version": "one"}, ["version='one'", "0.1.0"]),
    ({"version": "1.0-beta"}, ["version='1.0-beta'", "1.2.0rc1"]),
]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [pytest.param(answers, expected, id=expected[0]) for answers, expected in BAD_ANSWERS],
)
def test_a_bad_answer_stops_the_bake_with_a_message_and_leaves_nothing(
    cookies: Any,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    answers: dict[str, str],
    expected: list[str],
) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException)
    error = capfd.readouterr().err
    assert error.startswith("ERROR: "), error
    for words in expected:
        assert words in error
    assert "is not allowed" in error
    output_dir = Path(str(tmp_path)) / "cookies" / "bake00"
    assert list(output_dir.iterdir()) == []


def test_the_first_bad_answer_is_the_one_reported(capfd: pytest.CaptureFixture[str]) -> None:
    messages = pre_gen.validate_answers(
        {
            "product_name": "a.b",
            "package_name": "class",
            "launch_mode": "direct",
            "register_fallback": True,
            "server_type": "http",
            "include_connect_mode": False,
            "config_fields": "{}",
            "product_command": '["{python}"]',
            "product_env": "{}",
            "uds_service": "s",
            "author_name": "A",
            "author_email": "a@example.com",
            "description": "D",
            "version": "1",
        }
    )
    assert [message.split("=")[0] for message in messages] == ["product_name", "package_name"]


def test_an_existing_folder_is_never_overwritten(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "example_httpserver_plugin"
    existing.mkdir()
    (existing / "pyproject.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE), no_input=True, output_dir=str(tmp_path), overwrite_if_exists=True
        )
    assert "already exists and holds files" in capfd.readouterr().err
    assert [path.name for path in existing.iterdir()] == ["pyproject.toml"]
    assert (existing / "pyproject.toml").read_text(encoding="utf-8") == "# mine\n"
