"""The answers: every rule alone, every route to the same result, and a refused bake that
writes nothing but the answers to try again with."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from conftest import (
    CHOICES,
    COOKIECUTTER_JSON,
    TEMPLATE,
    copy_of_the_template,
    hook_output,
    problem_lines,
    refused_bake,
    write_cookiecutter_config,
)
from cookiecutter.exceptions import FailedHookException
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config

import launcher_rules as rules
from launcher_rules import ANSWERS_FILE

COOKIECUTTER = [sys.executable, "-m", "cookiecutter"]
QUESTIONS = [name for name in COOKIECUTTER_JSON if not name.startswith("_")]


@pytest.mark.parametrize(
    "value", ["example_httpserver", "Fluent", "mapdl-2025", "a", "my_product_2", "p" * 50]
)
def test_valid_product_names_pass(value: str) -> None:
    assert rules.validate_entry_point_part("product_name", value) == []


@pytest.mark.parametrize("value", ["example_httpserver_plugin", "_private", "pkg2", "a"])
def test_valid_package_names_pass(value: str) -> None:
    assert rules.validate_package_name(value) == []


@pytest.mark.parametrize("value", ["0.1.0", "1.2.0rc1", "2.0.dev3", "1.0.post1", "3"])
def test_valid_versions_pass(value: str) -> None:
    assert rules.validate_version(value) == []


def answers_for(**given: Any) -> dict[str, Any]:
    """Return the answers cookiecutter renders with ``given`` and the template's defaults."""
    context = generate_context(str(TEMPLATE / "cookiecutter.json"), extra_context=given)
    return dict(prompt_for_config(context, no_input=True))


@pytest.mark.parametrize("server_type", CHOICES["server_type"])
def test_the_default_answers_pass(server_type: str) -> None:
    problems, parsed = rules.validate_answers(answers_for(server_type=server_type))
    assert problems == []
    assert set(parsed) == {"config_fields", "product_command", "product_env"}


@pytest.mark.parametrize(
    "command",
    ["null", "[]", '["python3", "-m", "http.server", "--bind={host}", "--port={port}"]'],
)
def test_a_container_command_of_null_an_empty_list_or_placeholders_passes(command: str) -> None:
    answers = answers_for(include_container_mode=True, container_command=command)
    problems, _ = rules.validate_answers(answers)
    assert problems == []


def test_a_server_of_its_own_takes_the_placeholders_and_switches_of_product_command() -> None:
    fields = {
        "directory": {"type": "path", "default": "", "description": "d", "role": "folder"},
        "quiet": {"type": "bool", "default": False, "description": "q"},
    }
    command = ["{python}", "-m", "status", "--port={port:status}", "{quiet:--quiet|--loud}"]
    answers = answers_for(
        config_fields=json.dumps(fields),
        product_command='["{python}", "-m", "http.server", "--directory={directory}", "0"]',
        servers=json.dumps({"main": "http", "status": {"kind": "http", "command": command}}),
    )
    problems, _ = rules.validate_answers(answers)
    assert problems == []


def test_a_grpc_bake_has_a_grpc_product_name_by_default() -> None:
    answers = answers_for(server_type="grpc")
    assert answers["product_name"] == "example_grpc"
    assert answers["package_name"] == "example_grpc_plugin"
    assert answers_for()["product_name"] == "example_httpserver"


def test_a_command_and_environment_with_every_grpc_placeholder_pass() -> None:
    answers = answers_for(
        server_type="grpc",
        config_fields=(
            '{"transport": {"type": "str", "default": "", "description": "d", "role": "transport"},'
            ' "certs_dir": {"type": "path", "default": "", "description": "d", "env": "CERTS",'
            ' "role": "certs_dir"},'
            ' "binary": {"type": "path", "default": "", "description": "d", "ansys_path": "A/b"}}'
        ),
        product_command=(
            '["{binary}", "--mode={transport}", "--dir={uds_dir}", "--id={uds_id}",'
            ' "--at={address}", "--host={host}", "--port={port}", "--certs={certs_dir}",'
            ' "--python={python}"]'
        ),
        product_env='{"PORT": "{port}", "FIXED": ""}',
    )
    assert rules.validate_answers(answers)[0] == []


GRPC_FIELDS_WITH_INT_CERTS = (
    '{"transport": {"type": "str", "default": "", "description": "d", "role": "transport"},'
    ' "certs_dir": {"type": "int", "default": 0, "description": "d", "role": "certs_dir"}}'
)
# The gRPC role fields under other names, and an HTTP folder field under another name.
GRPC_ROLES = (
    '"mode": {"type": "str", "default": "", "description": "d", "role": "transport"},'
    ' "certs": {"type": "path", "default": "", "description": "d", "role": "certs_dir"}'
)
HTTP_COMMAND = '["{python}", "-m", "http.server", "--directory={site_root}", "0"]'

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
        ["product_command='{python'", "with no brace on its own"],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"transport": {"type": "str", "description": "d",'
            ' "role": "transport"}}',
        },
        ["server_type='grpc'", "no field has 'certs_dir'; add \"role\"", '"role": "certs_dir"'],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"transport": {"type": "str", "default": "", "description": "d"},'
            ' "certs_dir": {"type": "path", "default": "", "description": "d"}}',
        },
        [
            "config_fields=",
            "the roles 'transport' (type str) and 'certs_dir' (type path or str)",
            "no field has 'transport' or 'certs_dir'",
            '"role": "transport"',
        ],
    ),
    (
        {
            "config_fields": '{"site_root": {"type": "path", "default": "", "description": "d",'
            ' "role": "home"}}',
            "product_command": HTTP_COMMAND,
        },
        [
            "config_fields['site_root'].role='home'",
            "use one of ['folder', 'transport', 'certs_dir', 'keep_work_dir']",
        ],
    ),
    (
        {
            "config_fields": '{"site_root": {"type": "str", "default": "", "description": "d",'
            ' "role": "transport"}}',
            "product_command": HTTP_COMMAND,
        },
        [
            "config_fields['site_root'].role='transport'",
            "is for server_type='grpc' only, not 'http'; with 'http' use 'folder'",
        ],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": "{" + GRPC_ROLES + ', "site": {"type": "path", "default": "",'
            ' "description": "d", "role": "folder"}}',
            "product_command": '["{python}", "--address={address}", "--site={site}"]',
        },
        [
            "config_fields['site'].role='folder'",
            "is for server_type='http' only, not 'grpc'; with 'grpc' use 'transport' or 'certs_dir'",
        ],
    ),
    (
        {
            "config_fields": '{"site_root": {"type": "str", "default": "", "description": "d",'
            ' "role": "folder"}}',
            "product_command": HTTP_COMMAND,
        },
        [
            "config_fields['site_root'].role='folder'",
            "a field with the role 'folder' must have the type 'path', not 'str'",
        ],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"mode": {"type": "int", "default": 0, "description": "d",'
            ' "role": "transport"}, "certs": {"type": "path", "default": "",'
            ' "description": "d", "role": "certs_dir"}}',
        },
        [
            "config_fields['mode'].role='transport'",
            "must have the type 'str', not 'int'",
        ],
    ),
    (
        {
            "config_fields": '{"site_root": {"type": "path", "default": "", "description": "d",'
            ' "role": "folder"}, "other": {"type": "path", "default": "", "description": "d",'
            ' "role": "folder"}}',
            "product_command": '["{python}", "--a={site_root}", "--b={other}"]',
        },
        ["config_fields=", "the fields ['site_root', 'other'] all have the role 'folder'"],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": "{" + GRPC_ROLES + ', "mode2": {"type": "str", "default": "",'
            ' "description": "d", "role": "transport"}}',
            "product_command": '["{python}", "--address={address}"]',
        },
        ["config_fields=", "the fields ['mode', 'mode2'] all have the role 'transport'"],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"transport": {"type": "str", "default": "", "description": "d",'
            ' "role": "transport"}, "certs_dir": {"type": "path", "default": "",'
            ' "description": "d", "role": "certs_dir"}, "directory": {"type": "path",'
            ' "default": "", "description": "d"}}',
            "product_command": '["{python}", "--address={address}"]',
        },
        ["product_command=", "names {directory}, so the product would never get that field"],
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
        {"product_command": '["{python}", "-m", "http.server", "--bind={host}", "0"]'},
        ["product_command=", "product_env names {directory}, so the product would never get that"],
    ),
    (
        {
            "server_type": "grpc",
            "config_fields": '{"transport": {"type": "str", "default": "", "description": "d",'
            ' "role": "transport"}, "certs_dir": {"type": "path", "default": "",'
            ' "description": "d", "role": "certs_dir"},'
            ' "binary_path": {"type": "path", "default": "", "description": "d"},'
            ' "license": {"type": "str", "default": "", "description": "d", "env": "LICENSE"}}',
        },
        ["product_command=", "names {binary_path}, {license}, so", "--option={binary_path}"],
    ),
    (
        {"include_connect_mode": True, "launch_mode": "connect"},
        ["launch_mode='connect'", "registers the 'connect' launch mode"],
    ),
    (
        {"include_slurm_mode": True, "launch_mode": "slurm"},
        ["launch_mode='slurm'", "registers the 'slurm' launch mode"],
    ),
    (
        {
            "include_slurm_mode": True,
            "config_fields": '{"partition": {"type": "str", "default": "", "description": "d"}}',
            "product_command": '["{python}", "--bind={host}", "--queue={partition}"]',
        },
        ["config_fields='partition'", "include_slurm_mode=true adds the fields"],
    ),
    (
        {"include_container_mode": True, "launch_mode": "container"},
        ["launch_mode='container'", "registers the 'container' launch mode"],
    ),
    (
        {
            "include_container_mode": True,
            "config_fields": '{"image": {"type": "str", "default": "", "description": "d"},'
            ' "directory": {"type": "path", "default": "", "description": "d", "role": "folder"}}',
            "product_command": '["{python}", "--image={image}", "--directory={directory}"]',
        },
        ["config_fields='image'", "adds the config fields container_engine, engine_options"],
    ),
    (
        {"container_command": '["{python}", "-m", "http.server"]'},
        ["container_command='{python}'", "not in the image; name the image's own program"],
    ),
    (
        {"container_command": '["--listen={addr}"]'},
        ["container_command='--listen={addr}'", "{addr} names no config field"],
    ),
    (
        {"container_command": '{"run": "x"}'},
        ["container_command=", "write a JSON list of strings, or null"],
    ),
    (
        {"container_command": '["serve", ""]'},
        ["container_command=", "a list of non-empty strings"],
    ),
    (
        {
            "server_type": "grpc",
            "servers": '{"main": "grpc", "ft": {"kind": "grpc", "command": ["ft", "--port={port:ft}"]}}',
        },
        ["servers['ft']=", "over the default transport, uds", "tell it where with {address:ft}"],
    ),
    (
        {
            "servers": '{"main": "http", "x": {"kind": "http", "command": null, "container_command": []}}'
        },
        ["servers['x']=", "a container_command of its own needs its command too"],
    ),
    (
        {"servers": '["main"]'},
        ["servers=['main']", "write a JSON object such as"],
    ),
    (
        {"servers": '{"server": "http"}'},
        ["servers=", 'name the server that product_command starts "main"'],
    ),
    (
        {"servers": '{"main": "http", "File-Transfer": "http"}'},
        ["servers='File-Transfer'", "a lowercase identifier of at most 30 characters"],
    ),
    (
        {"servers": '{"main": "http", "files": "grpc"}'},
        ["servers['files']['kind']='grpc'", "speaks server_type's protocol; answer 'http'"],
    ),
    (
        {"servers": '{"main": "http", "files": "http"}'},
        ["servers['files']='http'", "product_command must tell server files where to listen"],
    ),
    (
        {"servers": '{"main": {"kind": "http", "command": ["x"]}}'},
        ["servers['main']=", "main is started by product_command"],
    ),
    (
        {"servers": '{"main": "http", "files": {"kind": "http", "command": []}}'},
        ["servers['files']['command']=[]", "a non-empty list of non-empty strings"],
    ),
    (
        {"servers": '{"main": "http", "files": {"kind": "http", "cmd": ["x"]}}'},
        ["servers['files']=", 'an object with "kind" and optionally "command"'],
    ),
    (
        {"servers": '{"main": "http", "files": {"kind": "http", "command": ["f", "{addr}"]}}'},
        ["servers['files']['command']='{addr}'", "{addr} names no config field"],
    ),
    (
        {
            "include_slurm_mode": True,
            "servers": '{"main": "http", "x": {"kind": "http", "command": ["x", "--port={port:x}",'
            ' "--main={port}", "--dir={work_dir}"]}}',
        },
        ["servers['x']['command']='{port}, {work_dir}'", "in the slurm mode server x is a job"],
    ),
    (
        {
            "include_slurm_mode": True,
            "product_command": '["{python}", "-m", "http.server", "--directory={directory}",'
            ' "--files-port={port:files}", "0"]',
            "servers": '{"main": "http", "files": "http"}',
        },
        ["servers='files'", "runs each server as a batch job of its own"],
    ),
    (
        {
            "include_container_mode": True,
            "servers": '{"main": "http", "files": {"kind": "http", "command": ["f", "--p={port:files}"],'
            ' "container_command": ["--serve"]}}',
        },
        ["servers['files']=", "its own container command must tell server files where to listen"],
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
        [
            "config_fields['certs_dir'].role='certs_dir'",
            "must have the type 'path' or 'str', not 'int'",
        ],
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
    # Accepted before, and the bake was broken or the bake crashed:
    (
        {
            "config_fields": '{"directory": {"type": "path", "default": "a\\u0000b", "description": "d"}}'
        },
        ["config_fields['directory'].default='a\\x00b'", "printable"],
    ),
    ({"author_email": "a\x7fb@example.com"}, ["author_email='a\\x7fb@example.com'", "printable"]),
    (
        {"config_fields": '{"l": {"type": "str", "default": "", "description": "d"}}'},
        ["config_fields='l'", "E741"],
    ),
    ({"version": "\u0663"}, ["version='\u0663'", "ASCII digits"]),
    ({"description": "\ud800"}, ["description='\\ud800'", "no lone surrogates"]),
    (
        {
            "config_fields": '{"directory": {"type": "str", "default": "\\ud800", "description": "d"}}'
        },
        ["config_fields['directory'].default='\\ud800'", "lone surrogates"],
    ),
    ({"product_command": '["{python}", "\\udfff"]'}, ["product_command='\\udfff'", "surrogates"]),
    ({"description": "right\u200fto left"}, ["description='right\\u200fto left'", "format"]),
    (
        {
            "config_fields": '{"n": {"type": "int", "default": '
            + "9" * 4301
            + ', "description": "d"}}'
        },
        ['config_fields=\'{"n"', "characters)", "write a JSON object", "4300"],
    ),
    (
        {
            "config_fields": '{"n": {"type": "int", "default": 9223372036854775808, "description": "d"}}'
        },
        ["config_fields['n'].default=9223372036854775808", "between -2**63 and 2**63 - 1"],
    ),
    (
        {"config_fields": '{"x": {"type": "float", "default": 1e400, "description": "d"}}'},
        ["config_fields['x'].default=inf", "finite float"],
    ),
    (
        {
            "config_fields": '{"x": {"type": "float", "default": '
            + "9" * 400
            + ', "description": "d"}}'
        },
        ["config_fields['x'].default=999", "within the float range"],
    ),
    ({"product_command": "[" * 3000 + "]" * 3000}, ["product_command='[[[", "write a JSON list"]),
    ({"product_name": "a" * 51}, ["product_name='aaa", "at most 50 characters"]),
    (
        {"product_name": "p" * 200},
        ["product_name='ppp", "at most 50 characters", "(202 characters)"],
    ),
    ({"package_name": "p" * 61}, ["package_name='ppp", "at most 60 characters"]),
    ({"config_fields": "missing.toml"}, ["config_fields='missing.toml'", "readable UTF-8 file"]),
    (
        {
            "include_slurm_mode": True,
            "product_command": '["{python}", "-m", "http.server", "--bind={host}", "0",'
            ' "--peer={port:peer}", "--dir={work_dir}"]',
        },
        [
            "product_command='{port:peer}, {work_dir}'",
            "include_slurm_mode=true cannot fill in {port:peer}, {work_dir}",
        ],
    ),
    (
        {
            "include_container_mode": True,
            "container_command": '["serve", "--token={token}"]',
        },
        ["product_command='{token}'", "include_container_mode=true cannot fill in {token}"],
    ),
    ({"startup_timeout": "0"}, ["startup_timeout='0'", "above 0 and at most 86400"]),
    ({"startup_timeout": "soon"}, ["startup_timeout='soon'", "above 0"]),
    ({"listening_pattern": "port ([0-9]+)"}, ["listening_pattern='port ([0-9]+)'", "named group"]),
    ({"listening_pattern": "port (?P<port>[0-9]+"}, ["listening_pattern=", "missing )"]),
    (
        {"listening_pattern": "(?<=x)(?P<port>[0-9]+)"},
        ["listening_pattern=", "no line could be made that it matches"],
    ),
    (
        {"listening_pattern": "at (?P<url>[a-z]+)"},
        ["listening_pattern=", "a URL holds ://HOST:PORT"],
    ),
    (
        {
            "config_fields": '{"x": {"type": "path", "default": "", "description": "d",'
            ' "ansys_path": "C:/ACP/x"}}'
        },
        ["config_fields['x'].ansys_path='C:/ACP/x'", "no drive"],
    ),
    ({"http_scheme": "ftp"}, ["http_scheme='ftp'", "answer http, or https"]),
    (
        {"server_type": "grpc", "http_scheme": "https"},
        ["http_scheme='https'", "server_type http only"],
    ),
    ({"token_header": "Authorization"}, ["token_header='Authorization'", "'Name: value'"]),
    (
        {"token_header": "X-Key: {token}{port}"},
        ["token_header='X-Key: {token}{port}'", "no other placeholder"],
    ),
    (
        {"token_header": "X-Key: {token}"},
        ["token_header='X-Key: {token}'", "the product never learns the token"],
    ),
]


def only_the_answers_file(folder: Path) -> dict[str, Any]:
    """Assert that ``folder`` holds nothing but the answers file; return the file's settings."""
    assert [path.name for path in folder.iterdir()] == [ANSWERS_FILE]
    settings: dict[str, Any] = yaml.safe_load((folder / ANSWERS_FILE).read_text("utf-8"))
    return settings


@pytest.mark.parametrize(
    ("answers", "expected"),
    [pytest.param(answers, expected, id=expected[0][:60]) for answers, expected in BAD_ANSWERS],
)
def test_a_bad_answer_stops_the_bake_with_a_message_and_leaves_nothing(
    cookies: Any, tmp_path: Path, answers: dict[str, str], expected: list[str]
) -> None:
    with hook_output() as output:
        result = cookies.bake(extra_context=answers)
    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException), result.exception
    message = output[0]
    assert "is not allowed" in message
    for words in expected:
        assert words in message
    assert problem_lines(message)
    # No project folder: the answers file only.
    only_the_answers_file(tmp_path / "cookies" / "bake00")


class Baked(NamedTuple):
    exit_code: int
    output: str


def cli_bake(*arguments: str) -> Baked:
    """Run the cookiecutter command with no input; return its status and all it printed."""
    with tempfile.TemporaryDirectory() as settings:
        done = run_cookiecutter(
            "--no-input", str(TEMPLATE), *arguments, cwd=Path.cwd(), settings=Path(settings)
        )
    return Baked(done.returncode, done.stdout + done.stderr)


def test_every_refused_answer_is_named_at_once_and_the_others_are_kept(tmp_path: Path) -> None:
    given = ["product_name=my product", "version=one", "author_name=Ada", "license=BSD-3-Clause"]
    result = cli_bake("--output-dir", str(tmp_path), *given)
    assert result.exit_code == 1
    message = result.output
    assert "product_name='my product'" in message
    assert "version='one'" in message
    # package_name and uds_service, derived from the refused product name, follow the new one.
    assert "package_name=" not in message
    assert "uds_service=" not in message
    settings = only_the_answers_file(tmp_path)
    assert settings["default_context"] == {"author_name": "Ada", "license": "BSD-3-Clause"}
    rerun = f"--config-file {tmp_path / ANSWERS_FILE} --output-dir {tmp_path} {TEMPLATE}"
    assert rerun in message


def test_answers_the_template_derives_itself_are_left_to_derive_again(tmp_path: Path) -> None:
    given = ["product_name=Fluent-Solver", "description=x\ty", "launch_mode=local"]
    result = cli_bake("--output-dir", str(tmp_path), *given)
    assert result.exit_code == 1
    assert "character 2 is '\\t'" in result.output
    settings = only_the_answers_file(tmp_path)
    expected = {"product_name": "Fluent-Solver", "launch_mode": "local"}
    assert settings["default_context"] == expected


def test_the_hook_of_a_refused_bake_loads_no_jinja(
    cookies: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cookiecutter renders what the template derives itself into the hook: the hook, a
    program of its own for each bake, writes the answers file without loading Jinja (which
    took it a tenth of a second)."""
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")  # Python lists each module it imports
    with hook_output() as output:
        result = cookies.bake(extra_context={"product_name": "My Product", "version": "x"})
    assert isinstance(result.exception, FailedHookException), result.exception
    imported = {
        line.rpartition("|")[2].strip()
        for line in output[0].splitlines()
        if line.startswith("import time:")
    }
    assert {"launcher_rules", "yaml"} <= imported  # it checked and wrote the answers file
    assert not {name for name in imported if name.partition(".")[0] in {"jinja2", "markupsafe"}}
    settings = only_the_answers_file(tmp_path / "cookies" / "bake00")
    assert settings["default_context"] == {}  # package_name and the rest follow a new name


def test_a_name_derived_from_a_refused_one_is_not_reported_again(tmp_path: Path) -> None:
    result = cli_bake("--output-dir", str(tmp_path), "product_name=My Product")
    assert result.exit_code == 1
    assert "product_name='My Product'" in result.output
    assert "package_name" not in result.output
    assert "uds_service" not in result.output


def test_the_answers_file_never_replaces_a_file_of_the_user(tmp_path: Path) -> None:
    (tmp_path / ANSWERS_FILE).write_text("mine: true\n", encoding="utf-8")
    result = cli_bake("--output-dir", str(tmp_path), "version=x")
    assert result.exit_code == 1
    assert (tmp_path / ANSWERS_FILE).read_text(encoding="utf-8") == "mine: true\n"
    second = tmp_path / ANSWERS_FILE.replace(".yaml", "-2.yaml")
    assert str(second) in result.output
    assert yaml.safe_load(second.read_text(encoding="utf-8"))["default_context"] == {}


def test_answers_with_jinja_syntax_are_refused(tmp_path: Path) -> None:
    """Cookiecutter renders answers as Jinja: an answer that renders to Jinja syntax would
    fail when the bake runs again (the answers file, cruft update)."""
    command = json.dumps(["{python}", "--x={{ '{{' }}a}}"])
    result = cli_bake(
        "--output-dir", str(tmp_path), "description=A {{ '{%' }} b", f"product_command={command}"
    )
    assert result.exit_code == 1
    assert "description='A {% b' is not allowed: leave out '{%'" in result.output
    assert "product_command='--x={{a}}' is not allowed: leave out '{{'" in result.output


def test_a_replay_file_cannot_bring_a_value_that_is_no_choice(tmp_path: Path) -> None:
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "a")))
    recorded = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    recorded["cookiecutter"].update(server_type="ftp", license="GPL-3.0")
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(recorded), encoding="utf-8")
    refusal = refused_bake(replay=str(edited), output_dir=str(tmp_path / "b"))
    assert sorted(message.split(" is not")[0] for message in refusal.messages) == [
        "license='GPL-3.0'",
        "server_type='ftp'",
    ]
    assert "choose one of ['MIT', 'Apache-2.0', 'BSD-3-Clause', 'Proprietary']" in refusal.output


def test_a_command_is_not_refused_for_fields_that_could_not_be_read(tmp_path: Path) -> None:
    command = json.dumps(["{python}", "--count={count}"])
    refusal = refused_bake(
        no_input=True,
        output_dir=str(tmp_path),
        extra_context={"config_fields": "fieldz.toml", "product_command": command},
    )
    assert refusal.answers == ["config_fields"]


def test_next_steps_are_printed_only_for_a_folder_cookiecutter_creates(tmp_path: Path) -> None:
    (tmp_path / "example_httpserver_plugin").mkdir()
    result = cli_bake("--output-dir", str(tmp_path))
    assert result.exit_code != 0
    assert "Generated" not in result.output
    assert "already exists" in result.output
    result = cli_bake("--output-dir", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Generated {tmp_path / 'new' / 'example_httpserver_plugin'}")
    # uv first: it makes the venv itself, where a stock Debian or Ubuntu has no ensurepip.
    assert result.output.index("uv run pytest") < result.output.index(" -m venv .venv")


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    existing = tmp_path / "example_httpserver_plugin"
    existing.mkdir()
    (existing / "pyproject.toml").write_text("# mine\n", encoding="utf-8")
    refusal = refused_bake(no_input=True, output_dir=str(tmp_path), overwrite_if_exists=True)
    assert "already exists and holds files" in refusal.output
    assert [path.name for path in existing.iterdir()] == ["pyproject.toml"]
    assert (existing / "pyproject.toml").read_text(encoding="utf-8") == "# mine\n"


def run_cookiecutter(
    *arguments: str, cwd: Path, stdin: str = "", settings: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command, answering its prompts with ``stdin``; its settings (no
    user configuration, no replay files in the home folder) go to ``settings`` (``cwd``)."""
    settings = settings or cwd
    config = settings / "empty-config.yaml"
    config.write_text(f"replay_dir: {json.dumps(str(settings / 'replay'))}\n", encoding="utf-8")
    # A home folder of its own: a re-run with --config-file (the answers file) replays into it.
    home = settings / "home"
    home.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "COOKIECUTTER_CONFIG": str(config),
        "COLUMNS": "400",
        "HOME": str(home),
    }
    return subprocess.run(
        [*COOKIECUTTER, *arguments],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_the_checks_are_the_hook_and_the_readme_says_that_no_hooks_skips_them(
    tmp_path: Path,
) -> None:
    checked = run_cookiecutter("--no-input", str(TEMPLATE), "launch_mode=bad mode", cwd=tmp_path)
    assert checked.returncode == 1
    assert "launch_mode='bad mode' is not allowed" in checked.stderr
    assert not (tmp_path / "example_httpserver_plugin").exists()
    unchecked = run_cookiecutter(
        "--no-input", "--accept-hooks", "no", str(TEMPLATE), "launch_mode=bad mode", cwd=tmp_path
    )
    assert unchecked.returncode == 0, unchecked.stderr  # as the README warns
    readme = " ".join((TEMPLATE / "README.md").read_text(encoding="utf-8").split())
    assert "`--accept-hooks no` skips these checks" in readme


def test_a_closed_pipe_does_not_cost_the_project(tmp_path: Path) -> None:
    # The session's settings only: no user configuration.
    config = write_cookiecutter_config(tmp_path / "config.yaml", {})
    command = shlex.join([*COOKIECUTTER, "--no-input", str(TEMPLATE)])
    done = subprocess.run(
        f"set -o pipefail; {command} | head -n 1",
        shell=True,
        executable="/bin/bash",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COOKIECUTTER_CONFIG": str(config)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Generated ")
    assert (tmp_path / "example_httpserver_plugin" / "pyproject.toml").is_file()
    assert (tmp_path / "example_httpserver_plugin" / "tests" / "test_launcher.py").is_file()


def prompt_answers(**typed: str) -> str:
    """Return what a person types at the prompts: ``typed`` answers, Enter for the others."""
    assert set(typed) <= set(QUESTIONS)
    return "".join(typed.get(name, "") + "\n" for name in QUESTIONS)


def test_two_typos_at_the_prompt_are_fixed_by_one_re_run_retyping_nothing_else(
    tmp_path: Path,
) -> None:
    first = run_cookiecutter(
        str(TEMPLATE),
        cwd=tmp_path,
        stdin=prompt_answers(
            product_name="fluent solver",
            launch_mode="local",
            author_name="Ada Lovelace",
            version="1.0-beta",
        ),
    )
    assert first.returncode == 1, first.stderr
    assert "product_name='fluent solver' is not allowed" in first.stderr
    assert "version='1.0-beta' is not allowed" in first.stderr
    assert not (tmp_path / "fluent solver_plugin").exists()
    command = re.search(r"^  (\S.* --config-file .*)$", first.stderr, re.MULTILINE)
    assert command is not None, first.stderr
    words = shlex.split(command.group(1))
    assert words[-1] == str(TEMPLATE)

    again = run_cookiecutter(
        *words[words.index("cookiecutter") + 1 :],
        cwd=tmp_path,
        stdin=prompt_answers(product_name="fluent", version="1.0b1"),
    )
    assert again.returncode == 0, again.stdout + again.stderr
    recorded = json.loads((tmp_path / "fluent_plugin" / ".cookiecutter.json").read_text("utf-8"))
    answers = recorded["cookiecutter"]
    assert answers["product_name"] == "fluent"
    assert answers["package_name"] == "fluent_plugin"
    assert answers["version"] == "1.0b1"
    assert answers["launch_mode"] == "local"
    assert answers["author_name"] == "Ada Lovelace"


FIELDS = {
    "port_base": {"type": "int", "default": 8, "description": "First port; 8 means 8000."},
    "ratio": {"type": "float", "default": 2.5, "description": "A float."},
    "verbose": {"type": "bool", "default": False, "description": "More output."},
    "directory": {"type": "path", "default": "", "description": "Where to serve from."},
}
COMMAND = [
    "{python}",
    *("-X", "ratio={ratio}", "-X", "verbose={verbose}"),
    *("-m", "http.server", "--bind={host}", "--directory={directory}", "0"),
]
ENVIRONMENT = {"LEVEL": "{port_base}"}
# The command and environment that name every field of FIELDS, as command-line answers.
USED = [f"product_command={json.dumps(COMMAND)}", f"product_env={json.dumps(ENVIRONMENT)}"]
FIELDS_TOML = """
[port_base]
type = "int"
default = 8
description = "First port; 8 means 8000."

[ratio]
type = "float"
default = 2.5
description = "A float."

[verbose]
type = "bool"
default = false
description = "More output."

[directory]
type = "path"
default = ""
description = "Where to serve from."
"""


def files_of(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def test_every_route_bakes_the_same_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text (the command line), objects (the Python API, a YAML config file) and files."""
    monkeypatch.chdir(tmp_path)
    as_text = {
        "config_fields": json.dumps(FIELDS),
        "product_command": json.dumps(COMMAND),
        "product_env": json.dumps(ENVIRONMENT),
    }
    as_objects = {"config_fields": FIELDS, "product_command": COMMAND, "product_env": ENVIRONMENT}
    (tmp_path / "fields.json").write_text(json.dumps(FIELDS), encoding="utf-8")
    (tmp_path / "fields.toml").write_text(FIELDS_TOML, encoding="utf-8")
    (tmp_path / "command.json").write_text(json.dumps(COMMAND), encoding="utf-8")
    config = write_cookiecutter_config(tmp_path / "config.yaml", {"default_context": as_objects})
    routes: dict[str, dict[str, Any]] = {
        "text": {"extra_context": as_text},
        "objects": {"extra_context": as_objects},
        "yaml": {"config_file": str(config)},
        "json file": {"extra_context": {**as_text, "config_fields": "fields.json"}},
        "command file": {"extra_context": {**as_text, "product_command": "command.json"}},
    }
    if sys.version_info >= (3, 11):
        routes["toml file"] = {"extra_context": {**as_text, "config_fields": "fields.toml"}}
    baked = {
        route: files_of(
            Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=route, **options))
        )
        for route, options in routes.items()
    }
    reference = baked.pop("text")
    config_py = reference["src/example_httpserver_plugin/config.py"].decode()
    assert "port_base: int = dataclasses.field(\n        default=8," in config_py
    assert "ratio: float = dataclasses.field(\n        default=2.5," in config_py
    for route, files in baked.items():
        assert files == reference, route


def test_every_route_refuses_the_same_answers_with_the_same_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fields = {"x": {"type": "int", "default": "3", "description": "d"}, "l": {"type": "str"}}
    command = ["{python}", "--at={nowhere}"]
    objects = {"config_fields": fields, "product_command": command, "version": "one"}
    text = {**objects, "config_fields": json.dumps(fields), "product_command": json.dumps(command)}
    config = write_cookiecutter_config(tmp_path / "config.yaml", {"default_context": objects})
    routes: dict[str, dict[str, Any]] = {
        "text": {"extra_context": text},
        "objects": {"extra_context": objects},
        "yaml": {"config_file": str(config)},
    }
    refused = {
        route: refused_bake(no_input=True, output_dir=route, **options).messages
        for route, options in routes.items()
    }
    assert refused["text"] == refused["objects"] == refused["yaml"]
    assert [message.split("=")[0] for message in refused["text"]] == [
        "config_fields['x'].default",
        "config_fields",  # 'l', which ruff calls ambiguous
        "product_command",
        "version",
    ]


def test_a_dict_typed_at_the_prompt_keeps_its_own_types(tmp_path: Path) -> None:
    """Numbers are taken back from a dict in the config file only when it is the answer."""
    config = tmp_path / "config.yaml"
    fields = {
        "directory": {"type": "path", "default": "", "description": "d"},
        "port_base": {"type": "int", "default": 8080, "description": "p"},
    }
    command = ["{python}", "-X", "tag={tag}", "-m", "http.server", "--directory={directory}"]
    context = {"config_fields": fields, "product_command": json.dumps(command)}
    write_cookiecutter_config(config, {"default_context": context})
    typed = {
        "directory": {"type": "path", "default": "", "description": "d"},
        "tag": {"type": "str", "default": "8080", "description": "t"},
    }
    questions = len(QUESTIONS) - 1  # the dict is asked last
    done = run_cookiecutter(
        "--config-file",
        str(config),
        str(TEMPLATE),
        cwd=tmp_path,
        stdin="\n" * questions + json.dumps(typed) + "\n",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config_py = tmp_path / "example_httpserver_plugin" / "src" / "example_httpserver_plugin"
    text = (config_py / "config.py").read_text(encoding="utf-8")
    assert 'tag: str = dataclasses.field(\n        default="8080",' in text


def test_a_replay_of_a_bake_whose_fields_came_from_a_file_needs_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fields.json").write_text(json.dumps(FIELDS), encoding="utf-8")
    config = tmp_path / "config.yaml"  # a replay folder of this test's own
    config.write_text(f"replay_dir: {json.dumps(str(tmp_path / 'replay'))}\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli_bake(
        "--config-file", str(config), "--output-dir", "first", "config_fields=fields.json", *USED
    )
    assert result.exit_code == 0, result.output
    (tmp_path / "fields.json").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = Path(
        cookiecutter(str(TEMPLATE), replay=True, output_dir="second", config_file=str(config))
    )
    assert files_of(again) == files_of(tmp_path / "first" / "example_httpserver_plugin")


def test_the_re_run_command_works_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FIELDS.JSON").write_text(json.dumps(FIELDS), encoding="utf-8")
    result = cli_bake("--output-dir", "out", "config_fields=FIELDS.JSON", *USED, "version=x")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("  - ")] == [
        "  - version='x' is not allowed: use a version number of ASCII digits such as 0.1.0,"
        " 1.2.0rc1 or 2.0.dev3."
    ]  # the file name in capitals was read as a file
    assert f"--config-file {tmp_path / 'out' / ANSWERS_FILE} --output-dir {tmp_path / 'out'}" in (
        result.output
    )


def test_the_check_does_not_depend_on_how_the_project_folder_is_spelled(tmp_path: Path) -> None:
    """A copy of the template whose project folder is ``{{ cookiecutter.package_name }}``
    (with spaces) refuses the same answers: the check is the hook's, not the folder name's."""
    template = copy_of_the_template(tmp_path / "copy")
    (template / "{{cookiecutter.package_name}}").rename(
        template / "{{ cookiecutter.package_name }}"
    )
    refusal = refused_bake(
        template,
        no_input=True,
        output_dir=str(tmp_path / "out"),
        extra_context={"product_name": "bad name"},
    )
    assert refusal.answers == ["product_name"]
    assert [path.name for path in (tmp_path / "out").iterdir()] == [ANSWERS_FILE]
