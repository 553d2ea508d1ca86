"""Validate the answers before cookiecutter writes any file of the project.

Cookiecutter renders this file with Jinja before it runs it: apart from the one line in
``main()`` that receives the answers, it must not contain double braces.

Each ``validate_*`` function returns ``None`` when the value is allowed, or one
message that names the variable, the value and what is allowed. ``main()`` prints
the first message and exits non-zero; cookiecutter then removes the folder it
created for the project and writes nothing else.
"""

from __future__ import annotations

import json
import keyword
import math
import os
import re
import string
import sys

TYPE_CHECKING = False  # importing typing would cost every bake time; type checkers know this name
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

FALLBACK_LAUNCH_MODE = "__fallback__"
_ENTRY_POINT_PART = re.compile(r"[A-Za-z0-9_-]+")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Public version identifiers of PEP 440, without epochs and local parts.
_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
FIELD_TYPES = {"str": str, "path": str, "int": int, "float": float, "bool": bool}
FIELD_KEYS = {"type", "default", "description", "prompt", "env", "ansys_path"}
# Placeholders of ``product_command`` that the launcher fills in itself, per server type.
BUILTIN_PLACEHOLDERS = {
    "http": {"python", "host", "port"},
    "grpc": {"python", "host", "port", "address", "uds_dir", "uds_id"},
}
# Names the generated dataclass cannot take as fields, or that the placeholders use.
RESERVED_FIELDS = set().union(*BUILTIN_PLACEHOLDERS.values(), {"self", "dataclasses"})
# Config fields the gRPC launcher reads to choose how clients reach the server, and their types.
GRPC_FIELDS = {"transport": ("str",), "certs_dir": ("str", "path")}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UDS_SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
CONNECT_LAUNCH_MODE = "connect"
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Top-level names a plugin package must not shadow.
_RESERVED_PACKAGES = frozenset(sys.stdlib_module_names) | {"ansys", "requests", "grpc", "tests"}


def _braced(name: str) -> str:
    """Return ``{name}``, written so that Jinja leaves it alone."""
    return "{" + name + "}"


def _problem(variable: str, value: object, allowed: str) -> str:
    return f"{variable}={value!r} is not allowed: {allowed}."


def validate_entry_point_part(variable: str, value: str) -> str | None:
    """Check a product name or launch mode: one part of a ``<product>.<mode>`` entry point."""
    if not _ENTRY_POINT_PART.fullmatch(value):
        return _problem(
            variable,
            value,
            "use one or more letters, digits, '_' or '-' (no dots, spaces or other characters),"
            " because the launcher splits entry point names at the dot",
        )
    if value == FALLBACK_LAUNCH_MODE:
        return _problem(variable, value, f"{FALLBACK_LAUNCH_MODE!r} is reserved by the launcher")
    if value.startswith("-"):
        return _problem(
            variable, value, "start with a letter, digit or '_': the CLI takes '-...' for an option"
        )
    return None


def validate_product_name(value: str) -> str | None:
    """Check ``product_name``."""
    return validate_entry_point_part("product_name", value)


def validate_launch_mode(value: str) -> str | None:
    """Check ``launch_mode``."""
    return validate_entry_point_part("launch_mode", value)


def validate_package_name(value: str) -> str | None:
    """Check ``package_name``: a lowercase identifier, not a keyword, not a shadowing name."""
    if not _PACKAGE.fullmatch(value):
        return _problem(
            "package_name",
            value,
            "use a lowercase Python identifier: letters a-z, digits and '_', not starting"
            " with a digit (no '-', '.' or spaces)",
        )
    if keyword.iskeyword(value):
        return _problem("package_name", value, "it is a Python keyword; pick another name")
    if value in _RESERVED_PACKAGES:
        return _problem(
            "package_name",
            value,
            "it would shadow an existing module of the same name; pick another name",
        )
    return None


def validate_text(variable: str, value: str) -> str | None:
    """Check a free-text answer: one non-empty line of printable characters, trimmed."""
    if not value.strip() or not value.isprintable() or value != value.strip():
        return _problem(
            variable,
            value,
            "use one non-empty line of printable text, with no line breaks or tabs"
            " and no spaces at either end",
        )
    return None


def validate_author_email(value: str) -> str | None:
    """Check ``author_email``."""
    if not _EMAIL.fullmatch(value):
        return _problem("author_email", value, "use an address of the form name@example.com")
    return None


def validate_version(value: str) -> str | None:
    """Check ``version``: a public version number as in PEP 440."""
    if not _VERSION.fullmatch(value):
        return _problem(
            "version", value, "use a version number such as 0.1.0, 1.2.0rc1 or 2.0.dev3"
        )
    return None


def validate_register_fallback(value: object) -> str | None:
    """Check ``register_fallback``: cookiecutter turns yes/no answers into booleans."""
    if not isinstance(value, bool):
        return _problem("register_fallback", value, "answer true or false (yes/no)")
    return None


def parse_json_answer(variable: str, value: Any, kind: type) -> tuple[Any, str | None]:
    """Parse a JSON answer (text from the command line, or an object from the Python API)."""
    described = "a JSON list" if kind is list else "a JSON object"
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError as error:
        return None, _problem(variable, value, f"write {described} ({error})")
    if not isinstance(parsed, kind):
        return None, _problem(variable, value, f"write {described}")
    return parsed, None


def _article(word: str) -> str:
    """Return the indefinite article for ``word``: "an int", "a str"."""
    return "an" if word[:1] in "aeiou" else "a"


def _default_matches(kind: str, default: Any) -> bool:
    if kind == "float":
        is_number = isinstance(default, (int, float)) and not isinstance(default, bool)
        return is_number and math.isfinite(default)
    if kind == "int":
        return isinstance(default, int) and not isinstance(default, bool)
    return isinstance(default, FIELD_TYPES[kind])


def validate_field(name: Any, spec: Any) -> str | None:
    """Check one entry of ``config_fields``: its name, type, default, description and prompt."""
    variable = f"config_fields[{name!r}]"
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name) or keyword.iskeyword(name):
        return _problem(
            "config_fields",
            name,
            "name each field with a lowercase Python identifier that starts with a letter"
            " (a-z, digits and '_') and is not a keyword",
        )
    if name in RESERVED_FIELDS:
        return _problem(
            "config_fields", name, f"the field names {sorted(RESERVED_FIELDS)} are reserved"
        )
    if not isinstance(spec, dict):
        return _problem(variable, spec, 'describe the field with an object such as {"type": "str"}')
    unknown = set(spec) - FIELD_KEYS
    if unknown:
        return _problem(
            variable, spec, f"use only the keys {sorted(FIELD_KEYS)}, not {sorted(unknown)}"
        )
    if not isinstance(spec.get("type"), str) or spec["type"] not in FIELD_TYPES:
        return _problem(f"{variable}.type", spec.get("type"), f"use one of {list(FIELD_TYPES)}")
    if "default" in spec and not _default_matches(spec["type"], spec["default"]):
        return _problem(
            f"{variable}.default",
            spec["default"],
            f"give {_article(spec['type'])} {spec['type']} (JSON {_JSON_NAMES[spec['type']]}) to"
            " match the field's type",
        )
    if not isinstance(spec.get("description"), str):
        return _problem(f"{variable}.description", spec.get("description"), "give one line of text")
    problem = validate_text(f"{variable}.description", spec["description"])
    if problem:
        return problem
    if not isinstance(spec.get("prompt", True), bool):
        return _problem(f"{variable}.prompt", spec["prompt"], "use true or false")
    if spec.get("prompt") is False and "default" not in spec:
        return _problem(
            f"{variable}.prompt",
            False,
            "a field that is not prompted for needs a default, or ansys-launcher configure"
            " stores nothing for it",
        )
    if "env" in spec and not (isinstance(spec["env"], str) and _ENV_NAME.fullmatch(spec["env"])):
        return _problem(
            f"{variable}.env",
            spec["env"],
            "name an environment variable: letters, digits and '_', not starting with a digit",
        )
    if "ansys_path" in spec:
        return validate_ansys_path(variable, spec)
    return None


def validate_ansys_path(variable: str, spec: dict[str, Any]) -> str | None:
    """Check ``ansys_path``: a relative path inside an installation, on an empty path field."""
    value = spec["ansys_path"]
    parts = value.split("/") if isinstance(value, str) else []
    if (
        not parts
        or any(part in ("", ".", "..") or "\\" in part for part in parts)
        or not all(part.isprintable() for part in parts)
    ):
        return _problem(
            f"{variable}.ansys_path",
            value,
            "give a path inside the installation folder with '/' between its parts,"
            " such as 'ACP/acp_grpcserver' (not absolute, no '.' or '..' parts, no backslashes)",
        )
    if spec["type"] != "path" or spec.get("default") != "":
        return _problem(
            f"{variable}.ansys_path",
            value,
            "the Ansys installation is looked up when the field is empty: use it on a field with"
            ' "type": "path" and "default": ""',
        )
    return None


_JSON_NAMES = {"str": "string", "int": "integer", "float": "number", "bool": "true or false"}


def validate_config_fields(value: Any, register_fallback: bool, server_type: str) -> str | None:
    """Check ``config_fields``; with a fallback, every field needs a default; gRPC needs the
    fields that choose the transport."""
    fields, problem = parse_json_answer("config_fields", value, dict)
    if problem:
        return problem
    for name, spec in fields.items():
        problem = validate_field(name, spec)
        if problem:
            return problem
    if server_type == "grpc":
        lacking = [
            name
            for name, types in GRPC_FIELDS.items()
            if fields.get(name, {}).get("type") not in types
        ]
        if lacking:
            return _problem(
                "config_fields",
                value,
                "with server_type='grpc' the launcher chooses the transport from the fields"
                " transport (str) and certs_dir (str or path); add " + str(lacking),
            )
    missing = [name for name, spec in fields.items() if "default" not in spec]
    if register_fallback and missing:
        return _problem(
            "config_fields",
            value,
            f"the fallback launch mode (register_fallback=true) starts the product with every"
            f" field's default, but {missing} have none; give them a default or answer"
            " register_fallback=false",
        )
    return None


def _placeholder_problem(variable: str, text: str, allowed: list[str]) -> str | None:
    """Check one argument or environment value: printable, with ``{name}`` placeholders."""
    if not text.isprintable():
        return _problem(variable, text, "use printable characters only (no control characters)")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as error:
        return _problem(
            variable,
            text,
            "write placeholders as " + _braced("name") + ", and double a brace that is meant"
            f" literally ({error})",
        )
    for _, placeholder, spec, conversion in parts:
        if placeholder is None:
            continue
        if placeholder not in allowed or spec or conversion:
            return _problem(
                variable,
                text,
                f"the placeholder {_braced(placeholder)} names no config field; use one of"
                f" {', '.join(_braced(name) for name in allowed)}",
            )
    return None


def _placeholders_allowed(config_fields: Any, server_type: str) -> list[str]:
    fields, _ = parse_json_answer("config_fields", config_fields, dict)
    return sorted(BUILTIN_PLACEHOLDERS.get(server_type, set()) | set(fields or {}))


def validate_product_command(value: Any, config_fields: Any, server_type: str) -> str | None:
    """Check ``product_command``: a list of arguments whose placeholders name config fields."""
    arguments, problem = parse_json_answer("product_command", value, list)
    if problem:
        return problem
    if not arguments or not all(isinstance(argument, str) and argument for argument in arguments):
        return _problem("product_command", value, "give a non-empty list of non-empty strings")
    allowed = _placeholders_allowed(config_fields, server_type)
    for argument in arguments:
        problem = _placeholder_problem("product_command", argument, allowed)
        if problem:
            return problem
    return None


def validate_product_env(value: Any, config_fields: Any, server_type: str) -> str | None:
    """Check ``product_env``: environment variable names -> values with placeholders."""
    variables, problem = parse_json_answer("product_env", value, dict)
    if problem:
        return problem
    allowed = _placeholders_allowed(config_fields, server_type)
    for name, text in variables.items():
        if not _ENV_NAME.fullmatch(name):
            return _problem(
                "product_env",
                name,
                "name each environment variable with letters, digits and '_',"
                " not starting with a digit",
            )
        if not isinstance(text, str):
            return _problem(f"product_env[{name!r}]", text, "give the value as a JSON string")
        problem = _placeholder_problem(f"product_env[{name!r}]", text, allowed)
        if problem:
            return problem
    return None


def validate_uds_service(value: str) -> str | None:
    """Check ``uds_service``: the start of a socket file name."""
    if not _UDS_SERVICE.fullmatch(value):
        return _problem(
            "uds_service",
            value,
            "use letters, digits, '_', '.' and '-', starting with a letter, digit or '_';"
            " the socket is <uds_dir>/<uds_service>-<uds_id>.sock",
        )
    return None


def validate_connect_mode(include_connect_mode: object, launch_mode: str) -> str | None:
    """Check ``include_connect_mode``: a boolean, and no clash with the launch mode's name."""
    if not isinstance(include_connect_mode, bool):
        return _problem("include_connect_mode", include_connect_mode, "answer true or false")
    if include_connect_mode and launch_mode == CONNECT_LAUNCH_MODE:
        return _problem(
            "launch_mode",
            launch_mode,
            f"include_connect_mode=true registers the {CONNECT_LAUNCH_MODE!r} launch mode"
            " itself; name the launch mode that starts the product differently",
        )
    return None


def validate_output_folder(folder: str) -> str | None:
    """Refuse to write into a folder that already holds files (``--overwrite-if-exists``)."""
    if os.listdir(folder):
        return (
            f"The output folder {os.path.abspath(folder)!r} already exists and holds files;"
            " nothing was changed. Bake into another --output-dir, or move the folder away."
        )
    return None


def validate_answers(answers: Mapping[str, Any]) -> list[str]:
    """Return the messages for every answer that is not allowed, in question order."""
    checks: list[tuple[str, Callable[[Any], str | None]]] = [
        ("product_name", validate_product_name),
        ("package_name", validate_package_name),
        ("launch_mode", validate_launch_mode),
        ("register_fallback", validate_register_fallback),
        ("author_name", lambda value: validate_text("author_name", value)),
        ("author_email", validate_author_email),
        ("description", lambda value: validate_text("description", value)),
        ("version", validate_version),
        ("uds_service", validate_uds_service),
    ]
    messages = [check(answers[name]) for name, check in checks]
    fallback = answers["register_fallback"] is True
    server_type = answers["server_type"]
    messages[4:4] = [
        validate_connect_mode(answers["include_connect_mode"], answers["launch_mode"]),
        validate_config_fields(answers["config_fields"], fallback, server_type),
        validate_product_command(answers["product_command"], answers["config_fields"], server_type),
        validate_product_env(answers["product_env"], answers["config_fields"], server_type),
    ]
    return [message for message in messages if message is not None]


def main() -> int:
    """Validate the rendered answers; print the first problem and return 1 if any."""
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    messages = validate_answers(answers)
    folder_problem = None if messages else validate_output_folder(os.getcwd())
    if folder_problem:
        messages.append(folder_problem)
    if not messages:
        return 0
    print(f"ERROR: {messages[0]}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
