"""The rules every answer to this template must follow: one definition, applied while rendering.

``launcher_filters.LauncherTemplate`` calls :func:`validate_answers` when cookiecutter renders
the project folder's name, before it creates the folder. The rules therefore hold for the
command line, the Python API, ``--config-file``, ``--replay``, ``--accept-hooks no`` and cruft
alike.

Each rule returns :class:`Problem` entries: the question whose answer is refused, and one
message naming the variable, the value and what is allowed. :func:`validate_answers` returns
every problem of every answer, in question order.
"""

from __future__ import annotations

import contextlib
import functools
import json
import keyword
import math
import re
import string
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

FALLBACK_LAUNCH_MODE = "__fallback__"
CONNECT_LAUNCH_MODE = "connect"
SLURM_LAUNCH_MODE = "slurm"
# The fields the slurm launch mode adds to the product's own (SlurmConfig in slurm.py).
SLURM_FIELDS = (
    "partition",
    "account",
    "time_limit",
    "nodes",
    "ntasks",
    "cpus_per_task",
    "memory",
    "sbatch_options",
    "setup",
    "work_dir",
    "startup_timeout",
    "allow_remote_host",
)
CONTAINER_LAUNCH_MODE = "container"
# Placeholders the command inside a container cannot take: the launching interpreter is not
# in the image.
NOT_IN_CONTAINERS = {"python"}
# The config fields the container launch mode adds to the product's.
CONTAINER_FIELDS = {"image", "container_engine", "pull", "network", "engine_options"}
MAIN_SERVER = "main"
# The keys of a server's object in the ``servers`` answer.
SERVER_KEYS = ("kind", "command", "container_command")
_SERVER_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}")
_ENTRY_POINT_PART = re.compile(r"[A-Za-z0-9_-]+")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+", re.ASCII)
# Public version identifiers of PEP 440, without epochs and local parts (ASCII digits only).
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UDS_SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
FIELD_TYPES = {"str": str, "path": str, "int": int, "float": float, "bool": bool}
FIELD_KEYS = {"type", "default", "description", "prompt", "env", "ansys_path", "role"}
_JSON_NAMES = {"str": "string", "path": "string", "int": "integer", "float": "number"}
_JSON_NAMES["bool"] = "true or false"
# Placeholders of ``product_command`` that the launcher fills in itself, per server type.
BUILTIN_PLACEHOLDERS = {
    "http": {"python", "host", "port", "work_dir", "token"},
    "grpc": {"python", "host", "port", "address", "uds_dir", "uds_id", "work_dir", "token"},
}
# Names the generated dataclass cannot take as fields, or that the placeholders use.
RESERVED_FIELDS = set().union(
    *BUILTIN_PLACEHOLDERS.values(), {"self", "dataclasses", "startup_timeout"}
)
# Names ruff reports as ambiguous (E741): a field named so fails the generated lint step.
AMBIGUOUS_FIELDS = {"l"}
# Roles a config field may declare ("role" in its spec): what the launcher does with its value
# besides filling in its placeholder; per role the server types that know it and the field
# types it takes. A folder field must name an existing folder (empty: the current folder, unless
# it holds private files); the gRPC launcher chooses how clients reach the server from the
# transport and certs_dir fields; a true keep_work_dir field keeps a launch's {work_dir} after stop.
FIELD_ROLES = {
    "folder": (("http",), ("path",)),
    "transport": (("grpc",), ("str",)),
    "certs_dir": (("grpc",), ("path", "str")),
    "keep_work_dir": (("http", "grpc"), ("bool",)),
}
# Roles that must each be on one field, per server type.
REQUIRED_ROLES = {"http": (), "grpc": ("transport", "certs_dir")}
# The roles whose fields the launcher reads itself: the command need not name them.
READ_ROLES = {"transport", "certs_dir", "keep_work_dir"}
# Top-level names a plugin package must not shadow.
_RESERVED_PACKAGES = frozenset(sys.stdlib_module_names) | {"ansys", "requests", "grpc", "tests"}
# Longest names: folders, log files and socket paths are built from them.
NAME_LIMIT = 50
PACKAGE_LIMIT = 60
# An int default must fit the 64-bit integers products take.
INT_LIMIT = 2**63
# JSON answers may name a file instead: ``config_fields=fields.toml``.
FILE_SUFFIXES = (".json", ".toml")
# Jinja syntax, which cookiecutter would render in an answer.
JINJA_MARKERS = ("{{", "{%", "{#")
# Values longer than this are shortened in messages.
_SHOWN = 120


class Problem(NamedTuple):
    """A refused answer: ``answer`` is the question to answer again, ``message`` says why."""

    answer: str
    message: str


class AnswerError(ValueError):
    """Raised by :func:`load_json_answer` with the problem of an answer that cannot be read."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _braced(name: str) -> str:
    return "{" + name + "}"


def shown(value: object) -> str:
    """Return ``repr(value)``, shortened when long, for a message."""
    text = repr(value)
    if len(text) <= _SHOWN:
        return text
    return f"{text[: _SHOWN - 20]}... ({len(text)} characters)"


def _problem(answer: str, variable: str, value: object, allowed: str) -> Problem:
    return Problem(answer, f"{variable}={shown(value)} is not allowed: {allowed}.")


def _where(value: object) -> str:
    """Return where the first unprintable character of ``value`` is, for a message."""
    if isinstance(value, str):
        for index, char in enumerate(value):
            if not char.isprintable():
                return f" (character {index + 1} is {char!r})"
    return ""


def _jinja_problem(answer: str, variable: str, value: str) -> Problem | None:
    """Refuse Jinja syntax: cookiecutter renders every answer as a Jinja template, also when
    a bake runs again (the answers file, ``--replay``, ``cruft update``)."""
    marker = next((marker for marker in JINJA_MARKERS if marker in value), None)
    if marker is None:
        return None
    return _problem(
        answer,
        variable,
        value,
        f"leave out {marker!r}: cookiecutter reads every answer as a Jinja template, also when"
        " the bake runs again (cruft update, the answers file), where it would fail",
    )


def _text_problem(answer: str, variable: str, value: object) -> Problem | None:
    """Refuse what is not one printable line: control characters, line breaks, lone
    surrogates, format characters such as right-to-left marks; and Jinja syntax."""
    if isinstance(value, str) and value.isprintable():
        return _jinja_problem(answer, variable, value)
    return _problem(
        answer,
        variable,
        value,
        "use printable characters only (no line breaks, tabs, control or format characters,"
        " or lone surrogates)" + _where(value),
    )


def validate_entry_point_part(variable: str, value: Any) -> list[Problem]:
    """Check a product name or launch mode: one part of a ``<product>.<mode>`` entry point."""
    if not isinstance(value, str) or not _ENTRY_POINT_PART.fullmatch(value):
        allowed = (
            "use one or more letters, digits, '_' or '-' (no dots, spaces or other characters),"
            " because the launcher splits entry point names at the dot"
        )
    elif value == FALLBACK_LAUNCH_MODE:
        allowed = f"{FALLBACK_LAUNCH_MODE!r} is reserved by the launcher"
    elif value.startswith("-"):
        allowed = "start with a letter, digit or '_': the CLI takes '-...' for an option"
    elif len(value) > NAME_LIMIT:
        allowed = f"use at most {NAME_LIMIT} characters (it has {len(value)})"
    else:
        return []
    return [_problem(variable, variable, value, allowed)]


def validate_package_name(value: Any) -> list[Problem]:
    """Check ``package_name``: a lowercase identifier, not a keyword, not a shadowing name."""
    if not isinstance(value, str) or not _PACKAGE.fullmatch(value):
        allowed = (
            "use a lowercase Python identifier: letters a-z, digits and '_', not starting"
            " with a digit (no '-', '.' or spaces)"
        )
    elif keyword.iskeyword(value):
        allowed = "it is a Python keyword; pick another name"
    elif value in _RESERVED_PACKAGES:
        allowed = "it would shadow an existing module of the same name; pick another name"
    elif len(value) > PACKAGE_LIMIT:
        allowed = f"use at most {PACKAGE_LIMIT} characters (it has {len(value)})"
    else:
        return []
    return [_problem("package_name", "package_name", value, allowed)]


def validate_text(variable: str, value: Any) -> list[Problem]:
    """Check a free-text answer: one non-empty line of printable characters, trimmed."""
    if isinstance(value, str) and value.strip() and value == value.strip() and value.isprintable():
        problem = _jinja_problem(variable, variable, value)
        return [problem] if problem else []
    return [
        _problem(
            variable,
            variable,
            value,
            "use one non-empty line of printable text, with no line breaks or tabs"
            " and no spaces at either end (no control or format characters, no lone surrogates)"
            + _where(value),
        )
    ]


def validate_author_email(value: Any) -> list[Problem]:
    """Check ``author_email``."""
    if isinstance(value, str) and value.isprintable() and _EMAIL.fullmatch(value):
        return []
    return [
        _problem(
            "author_email",
            "author_email",
            value,
            "use an address of the form name@example.com, of printable characters",
        )
    ]


def validate_version(value: Any) -> list[Problem]:
    """Check ``version``: a public version number as in PEP 440."""
    if isinstance(value, str) and _VERSION.fullmatch(value):
        return []
    return [
        _problem(
            "version",
            "version",
            value,
            "use a version number of ASCII digits such as 0.1.0, 1.2.0rc1 or 2.0.dev3",
        )
    ]


def validate_boolean(variable: str, value: Any) -> list[Problem]:
    """Check a yes/no answer: cookiecutter turns yes/no, true/false and 1/0 into booleans."""
    if isinstance(value, bool):
        return []
    return [_problem(variable, variable, value, "answer true or false (yes/no)")]


def validate_uds_service(value: Any) -> list[Problem]:
    """Check ``uds_service``: the start of a socket file name."""
    if isinstance(value, str) and _UDS_SERVICE.fullmatch(value) and len(value) <= NAME_LIMIT:
        return []
    return [
        _problem(
            "uds_service",
            "uds_service",
            value,
            "use letters, digits, '_', '.' and '-', starting with a letter, digit or '_', at"
            f" most {NAME_LIMIT} characters; the socket is <uds_dir>/<uds_service>-<uds_id>.sock",
        )
    ]


STARTUP_TIMEOUT_LIMIT = 86400.0
"""The longest start-up timeout, in seconds (a day)."""


def validate_startup_timeout(value: Any) -> list[Problem]:
    """Check ``startup_timeout``: seconds, a positive number of at most a day."""
    try:
        seconds = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        seconds = math.nan
    if math.isfinite(seconds) and 0 < seconds <= STARTUP_TIMEOUT_LIMIT:
        return []
    return [
        _problem(
            "startup_timeout",
            "startup_timeout",
            value,
            f"give the seconds a start may take, a number above 0 and at most {STARTUP_TIMEOUT_LIMIT:g}",
        )
    ]


def validate_readiness_path(value: Any) -> list[Problem]:
    """Check ``readiness_path``: a URL path from ``/``, with an optional query, printable ASCII
    without spaces, whose only placeholder is ``{token}``."""
    allowed = (
        "write the path the launcher requests to learn that an HTTP product is ready, from '/'"
        " (such as /api/status or /api/status?token={token}), ASCII without spaces, with no"
        " placeholder but {token}"
    )
    problem = _text_problem("readiness_path", "readiness_path", value)
    if problem:
        return [problem]
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or not value.isascii()
        or " " in value
        or "#" in value
    ):
        return [_problem("readiness_path", "readiness_path", value, allowed)]
    try:
        named = {part[1] for part in string.Formatter().parse(value) if part[1] is not None}
        specs = [part[2] or part[3] for part in string.Formatter().parse(value) if part[1]]
    except ValueError:
        return [_problem("readiness_path", "readiness_path", value, allowed)]
    if named - {"token"} or any(specs):
        return [_problem("readiness_path", "readiness_path", value, allowed)]
    return []


HTTP_SCHEMES = ("http", "https")


def validate_http_scheme(value: Any, server_type: str) -> list[Problem]:
    """Check ``http_scheme``: ``http``, or ``https`` for an HTTP product that serves TLS."""
    if value in HTTP_SCHEMES and (value == "http" or server_type == "http"):
        return []
    allowed = (
        "answer http, or https for a product that serves HTTP over TLS (server_type http only)"
    )
    return [_problem("http_scheme", "http_scheme", value, allowed)]


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def validate_token_header(value: Any, server_type: str, parsed: Mapping[str, Any]) -> list[Problem]:
    """Check ``token_header``: empty, or ``Name: value`` whose value holds ``{token}`` (its
    only placeholder), printable ASCII, for an HTTP product whose command or environment gives
    it ``{token}``."""
    allowed = (
        "leave it empty, or write the header that carries the token as 'Name: value' with"
        " {token} in the value and no other placeholder, in printable ASCII, such as"
        " 'Authorization: token {token}' (server_type http only)"
    )
    problem = _text_problem("token_header", "token_header", value)
    if problem:
        return [problem]
    if value == "":
        return []
    name, colon, rest = str(value).partition(":")
    rest = rest.strip()
    wrong = server_type != "http" or not colon or not _HEADER_NAME.fullmatch(name) or not rest
    wrong = wrong or not rest.isascii()
    if not wrong:
        try:
            parts = list(string.Formatter().parse(rest))
        except ValueError:
            wrong = True
        else:
            named = [part[1] for part in parts if part[1] is not None]
            wrong = named != ["token"] or any(part[2] or part[3] for part in parts if part[1])
    if wrong:
        return [_problem("token_header", "token_header", value, allowed)]
    texts = [*(parsed.get("product_command") or []), *(parsed.get("product_env") or {}).values()]
    if not any(isinstance(text, str) and "{token}" in text for text in texts):
        return [
            _problem(
                "token_header",
                "token_header",
                value,
                "the product never learns the token: put {token} in product_command or"
                " product_env too, or leave token_header empty",
            )
        ]
    return []


# The named groups a listening pattern may have, per server type, and a sample value of each.
LISTENING_GROUPS = {"http": ("port", "url"), "grpc": ("port", "address")}
_GROUP_SAMPLES = {"port": "43617", "url": "http://127.0.0.1:43617/", "address": "127.0.0.1:43617"}


def validate_listening_pattern(value: Any, server_type: Any) -> list[Problem]:
    """Check ``listening_pattern``: an ASCII regular expression with one named group of
    ``LISTENING_GROUPS``, from which an example line can be made that it matches."""
    groups = LISTENING_GROUPS.get(server_type, ("port",))
    allowed = (
        "write a regular expression (ASCII) with one named group, "
        + " or ".join(f"(?P<{name}>...)" for name in groups)
        + ", that finds where the product listens in its output"
    )
    problem = _text_problem("listening_pattern", "listening_pattern", value)
    if problem:
        return [problem]
    if not isinstance(value, str) or not value.isascii():
        return [_problem("listening_pattern", "listening_pattern", value, allowed)]
    try:
        compiled = re.compile(value)
    except (re.error, RecursionError, OverflowError) as error:
        return [_problem("listening_pattern", "listening_pattern", value, f"{allowed} ({error})")]
    named = [name for name in compiled.groupindex if name in groups]
    if len(named) != 1:
        return [_problem("listening_pattern", "listening_pattern", value, allowed)]
    report = listening_report(value)
    line = report.format(**_GROUP_SAMPLES) if report is not None else None
    found = compiled.search(line) if line is not None else None
    sample = _GROUP_SAMPLES["address" if named[0] == "address" else "port"]
    if found is None or sample not in found.group(named[0]):
        return [
            _problem(
                "listening_pattern",
                "listening_pattern",
                value,
                f"{allowed}; no line could be made that it matches with {sample!r} in its group"
                " (the generated tests' stand-in prints such a line; a URL holds ://HOST:PORT):"
                " use plainer parts",
            )
        ]
    return []


def listening_report(pattern: str) -> str | None:
    """Return a line that ``pattern`` matches, as a ``str.format`` template whose named group is
    ``{port}``, ``{url}`` or ``{address}``; None if the pattern uses what cannot be written out
    (the caller checks that the line matches)."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # Python 3.10
        import sre_parse  # type: ignore[no-redef,unused-ignore]
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    names = {number: name for name, number in parsed.state.groupdict.items()}
    try:
        return "".join(_example(list(parsed), names))
    except (LookupError, ValueError, TypeError, RecursionError):
        return None


_CANDIDATES = "x0a-_:/.Z "
_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_NOT_DIGIT": lambda char: not char.isdigit(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda char: not char.isspace(),
    "CATEGORY_WORD": lambda char: char.isalnum() or char == "_",
    "CATEGORY_NOT_WORD": lambda char: not (char.isalnum() or char == "_"),
}


def _in_set(char: str, items: list[Any]) -> bool:
    negate = False
    found = False
    for op, argument in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            found = found or ord(char) == argument
        elif name == "RANGE":
            found = found or argument[0] <= ord(char) <= argument[1]
        elif name == "CATEGORY":
            found = found or _CATEGORIES[str(argument)](char)
        else:
            raise ValueError(name)
    return found != negate


def _matches(name: str, argument: Any, char: str) -> bool:
    """Whether one character matches the pattern item ``name`` (``NOT_LITERAL``, ``ANY`` or
    ``IN``) with ``argument``."""
    if name == "NOT_LITERAL":
        return bool(ord(char) != argument)
    if name == "ANY":
        return char != "\n"
    return _in_set(char, argument)


def _example(items: list[Any], names: dict[int, str]) -> list[str]:
    """Return the parts of an example line of the parsed pattern ``items``."""
    parts: list[str] = []
    for op, argument in items:
        name = str(op)
        if name == "LITERAL":
            parts.append(chr(argument).replace("{", "{{").replace("}", "}}"))
        elif name in ("NOT_LITERAL", "ANY", "IN"):
            parts.append(next(char for char in _CANDIDATES if _matches(name, argument, char)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, repeated = argument
            parts.extend(_example(list(repeated), names) * low)
        elif name == "SUBPATTERN":
            group, _, _, sub = argument
            if group in names and names[group] == "url":
                # The URL as the pattern writes it, with the port the stand-in listens on.
                url = "".join(_example(list(sub), names))
                parts.append(re.sub(r"^([a-z]+://[^/:]+:)[0-9]+", r"\1{port}", url, count=1))
                if "{port}" not in parts[-1]:
                    raise ValueError(url)
            elif group in names and names[group] in _GROUP_SAMPLES:
                parts.append("{" + names[group] + "}")
            else:
                parts.extend(_example(list(sub), names))
        elif name == "BRANCH":
            parts.extend(_example(list(argument[1][0]), names))
        elif name == "AT":
            continue
        elif name == "ATOMIC_GROUP":
            parts.extend(_example(list(argument), names))
        else:  # look-arounds, back references, conditionals: not written out
            raise ValueError(name)
    return parts


def load_json_answer(variable: str, value: Any, kind: type) -> Any:
    """Return a JSON answer parsed: JSON text, the name of a JSON or TOML file holding it, or
    (from the Python API and ``--config-file``) the object itself.

    Raises :class:`AnswerError` when the answer cannot be read as ``kind``.
    """
    described = "a JSON list" if kind is list else "a JSON object"
    if isinstance(value, UnreadableAnswer):
        raise AnswerError(Problem(variable, str(value)))
    if not isinstance(value, str):
        parsed = value
    elif value.strip().lower().endswith(FILE_SUFFIXES) and value.strip()[:1] not in "[{":
        parsed = _load_file(variable, value, described)
    else:
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError) as error:  # also too deep, or too many digits
            reason = f"write {described}, or name a .json or .toml file ({str(error)[:200]})"
            raise AnswerError(_problem(variable, variable, value, reason)) from None
    if not isinstance(parsed, kind):
        raise AnswerError(_problem(variable, variable, value, f"write {described}"))
    return parsed


def _load_file(variable: str, value: str, described: str) -> Any:
    """Read the JSON or TOML file an answer names, relative to the current folder."""
    path = Path(value.strip()).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = f"name a readable UTF-8 file holding {described} ({error})"
        raise AnswerError(_problem(variable, variable, value, reason)) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        if sys.version_info < (3, 11):
            reason = "TOML files need Python 3.11 or later; use a JSON file"
            raise AnswerError(_problem(variable, variable, value, reason))
        import tomllib  # only when a TOML file is named

        return tomllib.loads(text)
    except (ValueError, RecursionError) as error:
        reason = f"the file must hold {described} ({str(error)[:200]})"
        raise AnswerError(_problem(variable, variable, value, reason)) from None


def _article(word: str) -> str:
    """Return the indefinite article for ``word``: "an int", "a str"."""
    return "an" if word[:1] in "aeiou" else "a"


def _default_problem(variable: str, kind: str, default: Any) -> Problem | None:
    number = isinstance(default, (int, float)) and not isinstance(default, bool)
    if kind == "int" and isinstance(default, int) and number:
        if -INT_LIMIT <= default < INT_LIMIT:
            return None
        allowed = "give an int between -2**63 and 2**63 - 1"
        return _problem("config_fields", f"{variable}.default", default, allowed)
    if kind == "float" and number:
        try:
            if math.isfinite(float(default)):
                return None
        except OverflowError:
            pass
        allowed = "give a finite float (JSON number) within the float range"
        return _problem("config_fields", f"{variable}.default", default, allowed)
    if kind in ("str", "path") and isinstance(default, str):
        return _text_problem("config_fields", f"{variable}.default", default)
    if kind == "bool" and isinstance(default, bool):
        return None
    return _problem(
        "config_fields",
        f"{variable}.default",
        default,
        f"give {_article(kind)} {kind} (JSON {_JSON_NAMES[kind]}) to match the field's type",
    )


def validate_field(name: Any, spec: Any) -> Problem | None:
    """Check one entry of ``config_fields``: its name, type, default, description and prompt."""
    variable = f"config_fields[{shown(name)}]"

    def refused(key: str, value: Any, allowed: str) -> Problem:
        return _problem("config_fields", f"{variable}.{key}" if key else variable, value, allowed)

    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name) or keyword.iskeyword(name):
        return _problem(
            "config_fields",
            "config_fields",
            name,
            "name each field with a lowercase Python identifier that starts with a letter"
            " (a-z, digits and '_') and is not a keyword",
        )
    if name in RESERVED_FIELDS:
        allowed = f"the field names {sorted(RESERVED_FIELDS)} are reserved"
        return _problem("config_fields", "config_fields", name, allowed)
    if name in AMBIGUOUS_FIELDS:
        allowed = "ruff reports 'l' as ambiguous (E741), so the generated lint step would fail"
        return _problem("config_fields", "config_fields", name, allowed)
    if len(name) > NAME_LIMIT:
        allowed = f"name each field with at most {NAME_LIMIT} characters"
        return _problem("config_fields", "config_fields", name, allowed)
    if not isinstance(spec, dict):
        return refused("", spec, 'describe the field with an object such as {"type": "str"}')
    unknown = set(spec) - FIELD_KEYS
    if unknown:
        return refused("", spec, f"use only the keys {sorted(FIELD_KEYS)}, not {sorted(unknown)}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in FIELD_TYPES:
        return refused("type", kind, f"use one of {list(FIELD_TYPES)}")
    if "default" in spec:
        problem = _default_problem(variable, kind, spec["default"])
        if problem:
            return problem
    description = spec.get("description")
    if not isinstance(description, str):
        return refused("description", description, "give one line of text")
    problems = validate_text("config_fields", description)
    if problems:
        return refused(
            "description",
            description,
            problems[0].message.split("is not allowed: ", 1)[1].rstrip("."),
        )
    if not isinstance(spec.get("prompt", True), bool):
        return refused("prompt", spec["prompt"], "use true or false")
    if spec.get("prompt") is False and "default" not in spec:
        return refused(
            "prompt",
            False,
            "a field that is not prompted for needs a default, or ansys-launcher configure"
            " stores nothing for it",
        )
    if "env" in spec and not (isinstance(spec["env"], str) and _ENV_NAME.fullmatch(spec["env"])):
        return refused(
            "env",
            spec["env"],
            "name an environment variable: letters, digits and '_', not starting with a digit",
        )
    if "role" in spec and not (isinstance(spec["role"], str) and spec["role"] in FIELD_ROLES):
        return refused("role", spec["role"], f"use one of {list(FIELD_ROLES)}, or leave role out")
    if "role" in spec and kind not in FIELD_ROLES[spec["role"]][1]:
        types = " or ".join(repr(name) for name in FIELD_ROLES[spec["role"]][1])
        return refused(
            "role",
            spec["role"],
            f"a field with the role {spec['role']!r} must have the type {types}, not {kind!r}",
        )
    if "ansys_path" in spec:
        return validate_ansys_path(variable, spec)
    return None


def validate_ansys_path(variable: str, spec: dict[str, Any]) -> Problem | None:
    """Check ``ansys_path``: a relative path inside an installation, on an empty path field."""
    value = spec["ansys_path"]
    parts = value.split("/") if isinstance(value, str) else []
    if (
        not parts
        or any(part in ("", ".", "..") or "\\" in part or ":" in part for part in parts)
        or not all(part.isprintable() for part in parts)
    ):
        return _problem(
            "config_fields",
            f"{variable}.ansys_path",
            value,
            "give a path inside the installation folder with '/' between its parts,"
            " such as 'ACP/acp_grpcserver' (not absolute, no drive, no '.' or '..' parts, no"
            " backslashes)",
        )
    if spec["type"] != "path" or spec.get("default") != "":
        return _problem(
            "config_fields",
            f"{variable}.ansys_path",
            value,
            "the Ansys installation is looked up when the field is empty: use it on a field with"
            ' "type": "path" and "default": ""',
        )
    return None


def _role_problems(fields: dict[str, Any], shown_as: Any, server_type: str) -> list[Problem]:
    """Check the roles of the fields: each known to ``server_type``, on one field only, and the
    roles the server type needs present."""
    problems = []
    holders: dict[str, list[str]] = {}
    for name, spec in fields.items():
        if "role" in spec:
            holders.setdefault(spec["role"], []).append(name)
    for role, names in holders.items():
        servers = FIELD_ROLES[role][0]
        if server_type in BUILTIN_PLACEHOLDERS and server_type not in servers:
            problems.append(
                _problem(
                    "config_fields",
                    f"config_fields[{shown(names[0])}].role",
                    role,
                    f"the role {role!r} is for server_type={' or '.join(map(repr, servers))}"
                    f" only, not {server_type!r}; with {server_type!r} use "
                    + (
                        " or ".join(
                            repr(other)
                            for other, (known, _) in FIELD_ROLES.items()
                            if server_type in known
                        )
                        or "no role"
                    ),
                )
            )
        if len(names) > 1:
            problems.append(
                _problem(
                    "config_fields",
                    "config_fields",
                    shown_as,
                    f"the fields {names} all have the role {role!r}; give it to one field only",
                )
            )
    lacking = [role for role in REQUIRED_ROLES.get(server_type, ()) if role not in holders]
    if lacking:
        problems.append(
            _problem(
                "config_fields",
                "config_fields",
                shown_as,
                f"with server_type={server_type!r} the launcher chooses the transport from the"
                " fields with the roles 'transport' (type str) and 'certs_dir' (type path or"
                f" str), but no field has {' or '.join(map(repr, lacking))}; add"
                ' "role" to the fields, such as {"transport": {"type": "str", "default": "",'
                ' "description": "uds, wnua, insecure or mtls.", "role": "transport"},'
                ' "certs_dir": {"type": "path", "default": "", "description": "Folder of the'
                ' mTLS certificates.", "role": "certs_dir"}}',
            )
        )
    return problems


def validate_config_fields(
    fields: dict[str, Any], shown_as: Any, register_fallback: bool, server_type: str
) -> list[Problem]:
    """Check the parsed ``config_fields``; with a fallback, every field needs a default; the
    fields' roles must suit the server type, one field each, and gRPC needs the roles that
    choose the transport. ``shown_as`` is the answer as given."""
    problems = [problem for name, spec in fields.items() if (problem := validate_field(name, spec))]
    if problems:
        return problems
    problems += _role_problems(fields, shown_as, server_type)
    missing = [name for name, spec in fields.items() if "default" not in spec]
    if register_fallback and missing:
        problems.append(
            _problem(
                "config_fields",
                "config_fields",
                shown_as,
                f"the fallback launch mode (register_fallback=true) starts the product with every"
                f" field's default, but {missing} have none; give them a default or answer"
                " register_fallback=false",
            )
        )
    return problems


def _placeholder_problem(
    answer: str,
    variable: str,
    text: str,
    allowed: list[str] | None,
    switches: Collection[str] = (),
) -> Problem | None:
    """Check one argument or environment value: printable, with ``{name}`` placeholders."""
    problem = _text_problem(answer, variable, text)
    if problem:
        return problem
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as error:
        return _problem(
            answer,
            variable,
            text,
            "write placeholders as {name}, with no brace on its own; a literal '{' would be"
            f" written '{{{{', which cookiecutter reads as Jinja ({error})",
        )
    for _, placeholder, spec, conversion in parts:
        if placeholder is None or allowed is None:  # None: config_fields was refused
            continue
        if placeholder not in allowed or conversion:
            return _problem(
                answer,
                variable,
                text,
                f"the placeholder {_braced(placeholder)} names no config field; use one of"
                f" {', '.join(_braced(name) for name in allowed)}",
            )
        if spec and (problem := _spec_problem(answer, variable, text, placeholder, spec, switches)):
            return problem
    return None


def _spec_problem(
    answer: str, variable: str, text: str, placeholder: str, spec: str, switches: Collection[str]
) -> Problem | None:
    """Check the text after ``:`` in a placeholder: ``{port:NAME}``, or a switch
    ``{FIELD:ON}`` / ``{FIELD:ON|OFF}`` of a bool field."""
    if placeholder == "port":
        if _FIELD_NAME.fullmatch(spec):
            return None
        allowed = "name another port {port:NAME} with a lowercase identifier, such as {port:peer}"
    elif placeholder == "address":
        if _SERVER_NAME.fullmatch(spec):
            return None  # the servers answer checks that NAME is one of its servers
        allowed = "name another server's address {address:NAME} with the server's name"
    elif placeholder in switches:
        on, bar, off = spec.partition("|")
        if on and (off or not bar) and "|" not in off and "{" not in spec:
            return None
        allowed = (
            f"write the switch of the bool field {placeholder} as {{{placeholder}:--on}} (left out"
            f" when false) or {{{placeholder}:--on|--off}}"
        )
    else:
        allowed = (
            f"only {{port:NAME}}, {{address:NAME}} and the switches of bool fields"
            f" ({{flag:--on|--off}}) take a text after ':', not {_braced(placeholder)}"
        )
    return _problem(answer, variable, text, allowed)


def validate_product_command(
    arguments: list[Any], shown_as: Any, allowed: list[str] | None, switches: Collection[str] = ()
) -> list[Problem]:
    """Check the parsed ``product_command``: arguments whose placeholders name config fields."""
    if not arguments or not all(isinstance(argument, str) and argument for argument in arguments):
        return [
            _problem(
                "product_command",
                "product_command",
                shown_as,
                "give a non-empty list of non-empty strings",
            )
        ]
    checked = (
        _placeholder_problem("product_command", "product_command", argument, allowed, switches)
        for argument in arguments
    )
    return [problem for problem in checked if problem]


def validate_fields_named(
    fields: set[str],
    arguments: list[str],
    variables: dict[str, str],
    read: set[str],
    shown_as: Any,
) -> list[Problem]:
    """Check that the command or the environment names every config field: the product gets a
    field's value only through a placeholder, but for the fields in ``read``, whose roles the
    launcher reads itself (see ``READ_ROLES``). A field named nowhere is a field the product
    never sees, as when the fields of a real product are given with the demo's command."""
    texts = [*arguments, *variables.values()]
    named = {part[1] for text in texts for part in string.Formatter().parse(text) if part[1]}
    unused = sorted(fields - named - read)
    if not unused:
        return []
    listed = ", ".join(_braced(name) for name in unused)
    return [
        _problem(
            "product_command",
            "product_command",
            shown_as,
            f"neither a command nor product_env names {listed}, so the product would never get"
            f" {'that field' if len(unused) == 1 else 'those fields'}; give the product's command"
            f" line with {'it' if len(unused) == 1 else 'them'} (such as"
            f" --option={_braced(unused[0])}), or leave {'it' if len(unused) == 1 else 'them'}"
            " out of config_fields",
        )
    ]


def validate_product_env(
    variables: dict[Any, Any], allowed: list[str] | None, switches: Collection[str] = ()
) -> list[Problem]:
    """Check the parsed ``product_env``: environment variable names -> values."""
    problems = []
    for name, text in variables.items():
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            problems.append(
                _problem(
                    "product_env",
                    "product_env",
                    name,
                    "name each environment variable with letters, digits and '_',"
                    " not starting with a digit",
                )
            )
        elif not isinstance(text, str):
            problems.append(
                _problem(
                    "product_env", f"product_env[{name!r}]", text, "give the value as a JSON string"
                )
            )
        elif problem := _placeholder_problem(
            "product_env", f"product_env[{name!r}]", text, allowed, switches
        ):
            problems.append(problem)
    return problems


def validate_connect_mode(include_connect_mode: Any, launch_mode: Any) -> list[Problem]:
    """Check ``include_connect_mode``: a boolean, and no clash with the launch mode's name."""
    problems = validate_boolean("include_connect_mode", include_connect_mode)
    if include_connect_mode is True and launch_mode == CONNECT_LAUNCH_MODE:
        problems.append(
            _problem(
                "launch_mode",
                "launch_mode",
                launch_mode,
                f"include_connect_mode=true registers the {CONNECT_LAUNCH_MODE!r} launch mode"
                " itself; name the launch mode that starts the product differently",
            )
        )
    return problems


def validate_slurm_mode(include_slurm_mode: Any, launch_mode: Any, fields: Any) -> list[Problem]:
    """Check ``include_slurm_mode``: a boolean, no clash with the launch mode's name, and no
    config field named as a field the slurm mode adds."""
    problems = validate_boolean("include_slurm_mode", include_slurm_mode)
    if include_slurm_mode is not True:
        return problems
    if launch_mode == SLURM_LAUNCH_MODE:
        problems.append(
            _problem(
                "launch_mode",
                "launch_mode",
                launch_mode,
                f"include_slurm_mode=true registers the {SLURM_LAUNCH_MODE!r} launch mode"
                " itself; name the launch mode that starts the product differently",
            )
        )
    taken = sorted(set(fields or {}) & set(SLURM_FIELDS)) if isinstance(fields, dict) else []
    for name in taken:
        problems.append(
            _problem(
                "config_fields",
                "config_fields",
                name,
                f"include_slurm_mode=true adds the fields {list(SLURM_FIELDS)} to the product's"
                " own; name the field differently",
            )
        )
    return problems


def validate_container_mode(
    include_container_mode: Any, launch_mode: Any, fields: Mapping[Any, Any] | None
) -> list[Problem]:
    """Check ``include_container_mode``: a boolean, and no clash with the launch mode's name
    nor of a config field with the container's own fields."""
    problems = validate_boolean("include_container_mode", include_container_mode)
    clashes = sorted(set(fields or {}) & CONTAINER_FIELDS) if include_container_mode is True else []
    if clashes:
        problems.append(
            _problem(
                "config_fields",
                "config_fields",
                ", ".join(clashes),
                "include_container_mode=true adds the config fields"
                f" {', '.join(sorted(CONTAINER_FIELDS))} itself; rename the product's",
            )
        )
    if include_container_mode is True and launch_mode == CONTAINER_LAUNCH_MODE:
        problems.append(
            _problem(
                "launch_mode",
                "launch_mode",
                launch_mode,
                f"include_container_mode=true registers the {CONTAINER_LAUNCH_MODE!r} launch"
                " mode itself; name the launch mode that starts the product differently",
            )
        )
    return problems


def parse_container_command(value: Any) -> list[Any] | None:
    """Return the ``container_command`` answer parsed: ``None`` (JSON ``null``, the default)
    means the product command without its program.

    Raises :class:`AnswerError` when it is neither ``null`` nor a JSON list.
    """
    allowed = "write a JSON list of strings, or null for the product command without its program"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as error:
            reason = f"{allowed} ({str(error)[:200]})"
            raise AnswerError(
                _problem("container_command", "container_command", value, reason)
            ) from None
    if value is None or isinstance(value, list):
        return value
    raise AnswerError(_problem("container_command", "container_command", value, allowed))


def validate_container_command(value: Any, allowed: list[str] | None) -> list[Problem]:
    """Check ``container_command``: ``null``, or a list of non-empty strings whose placeholders
    are those of ``product_command`` but ``{python}`` (not in the image)."""
    try:
        arguments = parse_container_command(value)
    except AnswerError as error:
        return [error.problem]
    if arguments is None:
        return []
    if not all(isinstance(argument, str) and argument for argument in arguments):
        return [
            _problem(
                "container_command",
                "container_command",
                value,
                "give a list of non-empty strings (empty: the image's entrypoint with no"
                " arguments), or null",
            )
        ]
    inside = (
        None if allowed is None else [name for name in allowed if name not in NOT_IN_CONTAINERS]
    )
    problems = []
    for argument in arguments:
        problem = _placeholder_problem("container_command", "container_command", argument, inside)
        if problem and "{python}" in argument:
            problem = _problem(
                "container_command",
                "container_command",
                argument,
                "{python} is the launching interpreter, which is not in the image; name the"
                " image's own program (such as python3)",
            )
        if problem:
            problems.append(problem)
    return problems


def parse_servers(value: Any) -> dict[Any, Any]:
    """Return the ``servers`` answer parsed: a JSON object, server name -> kind or object.

    Raises :class:`AnswerError` when it is not a JSON object.
    """
    allowed = (
        'write a JSON object such as {"main": "grpc", "file_transfer": {"kind": "grpc",'
        ' "command": [...]}}'
    )
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as error:
            raise AnswerError(
                _problem("servers", "servers", value, f"{allowed} ({str(error)[:200]})")
            ) from None
    if isinstance(value, dict):
        return value
    raise AnswerError(_problem("servers", "servers", value, allowed))


def server_specs(value: Any) -> dict[str, dict[str, Any]]:
    """Return the checked ``servers`` answer as ``{name: {"kind", "command",
    "container_command"}}``: ``main`` first, ``None`` for a command not given."""
    servers = parse_servers(value)
    specs = {}
    for name in sorted(servers, key=lambda name: name != MAIN_SERVER):
        spec = servers[name]
        spec = {"kind": spec} if isinstance(spec, str) else dict(spec)
        specs[name] = {key: spec.get(key) for key in SERVER_KEYS}
    return specs


def _server_texts(
    name: str, spec: Mapping[str, Any], parsed: Mapping[str, Any], container: list[Any] | None
) -> tuple[list[Any], list[Any]]:
    """Return the texts that start server ``name`` directly and in a container: its own
    command, or ``product_command`` (and ``container_command``), with ``product_env``."""
    env = list((parsed.get("product_env") or {}).values())
    own = spec.get("command")
    if isinstance(own, list):
        inside = spec.get("container_command")
        inside = inside if isinstance(inside, list) else own[1:]
        return [*own, *env], [*inside, *env]
    main = list(parsed.get("product_command") or [])
    return [*main, *env], [*(main[1:] if container is None else container), *env]


def _named_placeholders(text: str) -> set[tuple[str, str]]:
    """Return the placeholders of ``text`` as (name, text after ``:``) pairs; none if its
    braces do not parse (the answer's check reports that)."""
    with contextlib.suppress(ValueError):
        return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name}
    return set()


def _names(texts: list[Any], placeholder: str) -> set[str]:
    """Return the NAMEs of the ``{placeholder:NAME}`` the texts name."""
    return {
        spec
        for text in texts
        if isinstance(text, str)
        for name, spec in _named_placeholders(text)
        if name == placeholder and spec
    }


def validate_servers(
    answers: Mapping[str, Any], parsed: Mapping[str, Any], allowed: list[str] | None
) -> list[Problem]:
    """Check ``servers``: ``main`` and the other servers of the product, each of the server
    type's kind, each other one told where to listen by the command that starts it."""
    try:
        servers = parse_servers(answers.get("servers", "{}"))
    except AnswerError as error:
        return [error.problem]
    server_type = answers["server_type"]
    problems = []
    if MAIN_SERVER not in servers:
        problems.append(
            _problem(
                "servers",
                "servers",
                answers["servers"],
                f'name the server that product_command starts "{MAIN_SERVER}", such as'
                f' {{"{MAIN_SERVER}": "{server_type}"}}',
            )
        )
    inside = (
        None if allowed is None else [name for name in allowed if name not in NOT_IN_CONTAINERS]
    )
    for name, spec in servers.items():
        where = f"servers[{name!r}]"
        if not isinstance(name, str) or not _SERVER_NAME.fullmatch(name):
            problems.append(
                _problem(
                    "servers",
                    "servers",
                    name,
                    "name each server with a lowercase identifier of at most 30 characters,"
                    " such as file_transfer",
                )
            )
            continue
        if isinstance(spec, str):
            spec = {"kind": spec}
        if not isinstance(spec, dict) or "kind" not in spec or set(spec) - set(SERVER_KEYS):
            problems.append(
                _problem(
                    "servers",
                    where,
                    spec,
                    'give the server\'s kind, "http" or "grpc", or an object with "kind" and'
                    ' optionally "command" and "container_command" (JSON lists)',
                )
            )
            continue
        kinds = tuple(BUILTIN_PLACEHOLDERS)
        if spec["kind"] not in kinds or (server_type in kinds and spec["kind"] != server_type):
            problems.append(
                _problem(
                    "servers",
                    f"{where}['kind']",
                    spec["kind"],
                    "every server of the product speaks server_type's protocol; answer"
                    f" {server_type if server_type in kinds else ' or '.join(kinds)!r}",
                )
            )
        if name == MAIN_SERVER and set(spec) - {"kind"}:
            problems.append(
                _problem(
                    "servers",
                    where,
                    spec,
                    f"{MAIN_SERVER} is started by product_command (and container_command); give"
                    " it its kind only",
                )
            )
            continue
        for key, names in (("command", allowed), ("container_command", inside)):
            arguments = spec.get(key)
            if arguments is None:
                continue
            if (
                not isinstance(arguments, list)
                or (key == "command" and not arguments)
                or not all(isinstance(argument, str) and argument for argument in arguments)
            ):
                problems.append(
                    _problem(
                        "servers",
                        f"{where}[{key!r}]",
                        arguments,
                        "give a non-empty list of non-empty strings"
                        if key == "command"
                        else "give a list of non-empty strings (empty: the image's entrypoint)",
                    )
                )
                continue
            switches = switch_fields(parsed.get("config_fields"))
            problems.extend(
                problem
                for argument in arguments
                if (
                    problem := _placeholder_problem(
                        "servers", f"{where}[{key!r}]", argument, names, switches
                    )
                )
            )
        if spec.get("container_command") is not None and spec.get("command") is None:
            problems.append(
                _problem(
                    "servers",
                    where,
                    spec,
                    "a server with a container_command of its own needs its command too",
                )
            )
    if problems or allowed is None or parsed.get("product_command") is None:
        return problems
    others = [name for name in servers if name != MAIN_SERVER]
    texts = [*parsed["product_command"], *(parsed.get("product_env") or {}).values()]
    for spec in servers.values():
        if isinstance(spec, dict):
            texts += spec.get("command") or []
            texts += spec.get("container_command") or []
    container_mode = answers.get("include_container_mode") is True
    try:
        container = parse_container_command(answers.get("container_command"))
    except AnswerError:
        container = None  # reported with container_command
    for name in sorted(_names(texts, "address") - set(others)):
        problems.append(
            _problem(
                "servers",
                "servers",
                answers["servers"],
                f"a command names {{address:{name}}}, but {name!r} is not one of the other"
                f" servers ({', '.join(others) or 'none'}); add it to servers, or name {{address}}",
            )
        )
    listens = ["port", "address"] if server_type == "grpc" else ["port"]
    told = " or ".join(f"{{{placeholder}:NAME}}" for placeholder in listens)
    for name in others:
        spec = servers[name] if isinstance(servers[name], dict) else {}
        direct, in_container = _server_texts(name, spec, parsed, container)
        for texts_of, what in ((direct, "command"), (in_container, "container command")):
            if what != "command" and not container_mode:
                continue
            if not any(name in _names(texts_of, placeholder) for placeholder in listens):
                whose = (
                    f"its own {what}"
                    if spec.get("command")
                    else ("product_command" if what == "command" else "container_command")
                )
                problems.append(
                    _problem(
                        "servers",
                        f"servers[{name!r}]",
                        servers[name],
                        f"{whose} must tell server {name} where to listen with"
                        f" {told.replace('NAME', name)}",
                    )
                )
    fields = parsed.get("config_fields") or {}
    transport = next(
        (
            spec
            for spec in fields.values()
            if isinstance(spec, dict) and spec.get("role") == "transport"
        ),
        None,
    )
    default_uds = (
        server_type == "grpc" and transport is not None and transport.get("default") in ("", "uds")
    )
    for name in others:
        spec = servers[name] if isinstance(servers[name], dict) else {}
        direct, _ = _server_texts(name, spec, parsed, container)
        if default_uds and name not in _names(direct, "address"):
            problems.append(
                _problem(
                    "servers",
                    f"servers[{name!r}]",
                    servers[name],
                    f"over the default transport, uds (the default of the transport field), server"
                    f" {name} is reached through a socket: tell it where with {{address:{name}}},"
                    " or give the transport field the default insecure",
                )
            )
    for name in others:
        image = f"image_{name}"
        own = isinstance(servers[name], dict) and servers[name].get("command")
        if container_mode and own and image in fields:
            problems.append(
                _problem(
                    "config_fields",
                    "config_fields",
                    image,
                    f"the container mode adds the field {image} (the image of server"
                    f" {name}) itself; rename the product's",
                )
            )
    if answers.get("include_slurm_mode") is True:
        for name in others:
            spec = servers[name] if isinstance(servers[name], dict) else {}
            own = spec.get("command") or []
            named = {
                (placeholder, key)
                for text in own
                if isinstance(text, str)
                for placeholder, key in _named_placeholders(text)
            }
            wrong = sorted(
                _braced(f"{placeholder}:{key}" if key else placeholder)
                for placeholder, key in named
                if placeholder in ("port", "address", *DIRECT_ONLY) and key != name
            )
            if wrong:
                problems.append(
                    _problem(
                        "servers",
                        f"servers[{name!r}]['command']",
                        ", ".join(wrong),
                        f"in the slurm mode server {name} is a job of its own, which picks its"
                        f" port on its node: its command may name its own {{port:{name}}} and"
                        f" {{address:{name}}}, not main's or another server's, nor {{work_dir}}"
                        " or {token}",
                    )
                )
    served = [
        name
        for name in others
        if not (isinstance(servers[name], dict) and servers[name].get("command"))
    ]
    if served and answers.get("include_slurm_mode") is True:
        problems.append(
            _problem(
                "servers",
                "servers",
                ", ".join(served),
                "include_slurm_mode=true runs each server as a batch job of its own, which picks"
                " its port on its node and reports it: give each other server a command of its"
                " own, or leave the slurm mode out",
            )
        )
    return problems


def _parsed(answers: Mapping[str, Any], name: str, kind: type, problems: list[Problem]) -> Any:
    try:
        return load_json_answer(name, answers[name], kind)
    except AnswerError as error:
        problems.append(error.problem)
        return None


def validate_choice(variable: str, value: Any, choices: list[Any]) -> list[Problem]:
    """Check a choice answer (a replay file or ``cruft`` can hold any value)."""
    if value in choices:
        return []
    return [_problem(variable, variable, value, f"choose one of {choices}")]


def read_fields(fields: Mapping[Any, Any], server_type: Any) -> set[str]:
    """Return the names of the fields whose role the launcher of ``server_type`` reads itself."""
    return {
        name
        for name, spec in fields.items()
        if isinstance(spec, dict)
        and isinstance(spec.get("role"), str)
        and spec["role"] in READ_ROLES
        and server_type in FIELD_ROLES[spec["role"]][0]
    }


# Placeholders only the launchers that run the product on this machine fill in: the slurm and
# container modes would leave every argument that names them out.
DIRECT_ONLY = ("work_dir", "token")


def validate_direct_only(answers: Mapping[str, Any], parsed: Mapping[str, Any]) -> list[Problem]:
    """Refuse ``{work_dir}``, ``{token}`` and ``{port:NAME}`` in the command and environment
    when the slurm or container mode is added, which do not fill them in; the container mode
    fills in the ports of the product's servers (see ``validate_servers``)."""
    modes = [name for name in ("slurm", "container") if answers.get(f"include_{name}_mode") is True]
    try:
        servers = set(parse_servers(answers.get("servers", "{}"))) - {MAIN_SERVER}
    except AnswerError:
        servers = set()  # reported with servers
    texts = [*(parsed.get("product_command") or []), *(parsed.get("product_env") or {}).values()]
    if modes and answers.get("include_container_mode") is True:
        with contextlib.suppress(AnswerError):  # validate_container_command reports it
            texts += parse_container_command(answers.get("container_command")) or []
    with contextlib.suppress(AnswerError):  # validate_servers reports it
        for spec in parse_servers(answers.get("servers", "{}")).values():
            if isinstance(spec, dict) and modes and "slurm" not in modes:
                texts += [*(spec.get("command") or []), *(spec.get("container_command") or [])]
    named: set[str] = set()
    for text in texts:
        if not isinstance(text, str):
            continue
        for name, spec in _named_placeholders(text):  # none if malformed: reported elsewhere
            if name in DIRECT_ONLY:
                named.add(_braced(name))
            elif name == "port" and spec and not (spec in servers and modes == ["container"]):
                named.add(_braced(f"port:{spec}"))
            elif name == "address" and spec and "slurm" in modes:
                named.add(_braced(f"address:{spec}"))
    if not modes or not named:
        return []
    listed_modes = " and ".join(f"include_{name}_mode=true" for name in modes)
    return [
        _problem(
            "product_command",
            "product_command",
            ", ".join(sorted(named)),
            f"{listed_modes} cannot fill in {', '.join(sorted(named))} (the direct mode only"
            " does); leave them out, or the mode out",
        )
    ]


def switch_fields(fields: Any) -> set[str]:
    """Return the names of the bool fields, which may be written as switches."""
    if not isinstance(fields, dict):
        return set()
    return {
        name
        for name, spec in fields.items()
        if isinstance(spec, dict) and spec.get("type") == "bool"
    }


def _command_problems(
    answers: Mapping[str, Any],
    parsed: dict[str, Any],
    allowed: list[str] | None,
    fields: set[str],
    server_type: Any,
) -> list[Problem]:
    """Check ``product_command``, and then that it or ``product_env`` names every field."""
    arguments, variables = parsed["product_command"], parsed["product_env"]
    if arguments is None:
        return []
    switches = switch_fields(parsed["config_fields"])
    problems = validate_product_command(arguments, answers["product_command"], allowed, switches)
    if (
        problems
        or allowed is None
        or variables is None
        or validate_product_env(variables, allowed, switches)
    ):
        return problems
    read = read_fields(parsed["config_fields"] or {}, server_type)
    own: list[Any] = []  # the commands of servers with a program of their own name fields too
    with contextlib.suppress(AnswerError):  # validate_servers reports it
        for spec in parse_servers(answers.get("servers", "{}")).values():
            if isinstance(spec, dict) and isinstance(spec.get("command"), list):
                own += [text for text in spec["command"] if isinstance(text, str)]
    texts = [*arguments, *own]
    return validate_fields_named(fields, texts, variables, read, answers["product_command"])


def validate_answers(
    answers: Mapping[str, Any], choices: Mapping[str, list[Any]] | None = None
) -> tuple[list[Problem], dict[str, Any]]:
    """Check every answer; ``choices`` gives the allowed values of the choice questions.

    Return the problems, in question order, and the JSON answers (``config_fields``,
    ``product_command``, ``product_env``) parsed, for those that parse."""
    json_problems: list[Problem] = []
    parsed = {
        name: _parsed(answers, name, kind, json_problems)
        for name, kind in (
            ("config_fields", dict),
            ("product_command", list),
            ("product_env", dict),
        )
    }
    server_type = answers["server_type"]
    fields = parsed["config_fields"]
    usable = {
        name for name in fields or {} if isinstance(name, str) and _FIELD_NAME.fullmatch(name)
    }
    # Placeholders are checked only when the fields could be read and the server type is one.
    known = fields is not None and server_type in BUILTIN_PLACEHOLDERS
    allowed = sorted(BUILTIN_PLACEHOLDERS[server_type] | usable) if known else None
    checks: list[tuple[str, Callable[[], list[Problem]]]] = [
        (
            "product_name",
            lambda: validate_entry_point_part("product_name", answers["product_name"]),
        ),
        ("package_name", lambda: validate_package_name(answers["package_name"])),
        ("launch_mode", lambda: validate_entry_point_part("launch_mode", answers["launch_mode"])),
        (
            "register_fallback",
            lambda: validate_boolean("register_fallback", answers["register_fallback"]),
        ),
        (
            "include_connect_mode",
            lambda: validate_connect_mode(answers["include_connect_mode"], answers["launch_mode"]),
        ),
        (
            "include_slurm_mode",
            lambda: validate_slurm_mode(
                answers.get("include_slurm_mode", False), answers["launch_mode"], fields
            ),
        ),
        (
            "include_container_mode",
            lambda: validate_container_mode(
                answers.get("include_container_mode", False), answers["launch_mode"], fields
            ),
        ),
        (
            "config_fields",
            lambda: (
                validate_config_fields(
                    fields,
                    answers["config_fields"],
                    answers["register_fallback"] is True,
                    server_type,
                )
                if fields is not None
                else []
            ),
        ),
        (
            "product_command",
            lambda: _command_problems(answers, parsed, allowed, usable, server_type),
        ),
        (
            "product_env",
            lambda: (
                validate_product_env(
                    parsed["product_env"], allowed, switch_fields(parsed["config_fields"])
                )
                if parsed["product_env"] is not None
                else []
            ),
        ),
        (
            "container_command",
            lambda: validate_container_command(answers["container_command"], allowed),
        ),
        ("product_command", lambda: validate_direct_only(answers, parsed)),
        ("servers", lambda: validate_servers(answers, parsed, allowed)),
        ("uds_service", lambda: validate_uds_service(answers["uds_service"])),
        ("startup_timeout", lambda: validate_startup_timeout(answers["startup_timeout"])),
        ("readiness_path", lambda: validate_readiness_path(answers["readiness_path"])),
        ("http_scheme", lambda: validate_http_scheme(answers["http_scheme"], server_type)),
        (
            "token_header",
            lambda: validate_token_header(answers["token_header"], server_type, parsed),
        ),
        (
            "listening_pattern",
            lambda: validate_listening_pattern(answers["listening_pattern"], server_type),
        ),
        ("author_name", lambda: validate_text("author_name", answers["author_name"])),
        ("author_email", lambda: validate_author_email(answers["author_email"])),
        ("description", lambda: validate_text("description", answers["description"])),
        ("version", lambda: validate_version(answers["version"])),
    ]
    for name, values in (choices or {}).items():
        checks.append((name, functools.partial(validate_choice, name, answers[name], values)))
    order = list(answers)
    checks.sort(key=lambda check: order.index(check[0]) if check[0] in order else len(order))
    problems: list[Problem] = []
    for name, check in checks:
        problems.extend(problem for problem in json_problems if problem.answer == name)
        problems.extend(check())
    return problems, {name: value for name, value in parsed.items() if value is not None}


def refused_answers(problems: list[Problem]) -> Iterator[str]:
    """Return the questions the problems refuse, once each, in order."""
    return iter(dict.fromkeys(problem.answer for problem in problems))


# --- The bake: what ``hooks/pre_gen_project.py`` does with the rules -------------------------

JSON_ANSWERS = {"config_fields": dict, "product_command": list, "product_env": dict}
"""The answers written as JSON (or as the name of a JSON or TOML file), and their JSON types."""
FILE_ANSWER_PREFIX = "__"
"""``cookiecutter.json`` keeps each JSON answer read from a file in a private variable, this
prefix and the answer's name: cookiecutter renders it while it prompts, in the folder the
command runs in, where a relative file name means what the user meant."""
_UNREADABLE = "!"
ANSWERS_FILE = "launcher-plugin-answers.yaml"
_ANSWERS_MARK = "# Answers to the launcher plugin template"


def file_answer(value: Any, variable: str) -> str:
    """Return the text a JSON answer's private variable holds: the file's content as JSON when
    the answer names a file; ``!`` and the message when that file cannot be read; otherwise
    ``""`` (the answer is the JSON itself)."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if not text.lower().endswith(FILE_SUFFIXES) or text[:1] in "[{":
        return ""
    kind = JSON_ANSWERS.get(variable, dict)
    described = "a JSON list" if kind is list else "a JSON object"
    try:
        return json.dumps(_load_file(variable, value, described), ensure_ascii=False)
    except AnswerError as error:
        return _UNREADABLE + error.problem.message


def _as_rendered(given: Any) -> Any:
    """Return ``given`` as cookiecutter renders a dict or list answer with no Jinja in it:
    numbers become text, line breaks ``\\n``."""
    if isinstance(given, dict):
        return {_as_rendered(key): _as_rendered(value) for key, value in given.items()}
    if isinstance(given, list):
        return [_as_rendered(value) for value in given]
    if given is None or isinstance(given, bool):
        return given
    return str(given).replace("\r\n", "\n").replace("\r", "\n")


def _renderings(given: dict[Any, Any] | list[Any]) -> list[Any]:
    """Return what cookiecutter may have made of ``given``: rendered, or (a list, which it
    takes for a choice) the element picked at the prompt."""
    if isinstance(given, dict):
        return [_as_rendered(given)]
    return [_as_rendered(given), *(_as_rendered(element) for element in given)]


def json_answers(answers: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return each JSON answer as the template reads it: the content of the file it named, the
    object or list it was given as (from Python or a YAML config file, with its numbers), or
    the answer's text.

    ``answers`` is cookiecutter's context after the prompts, ``given`` the context before them
    (``_cookiecutter``): cookiecutter renders the numbers of a dict as text, and keeps the first
    element of a list as if it were a choice, so an answer that is still what was given is
    taken as given. An answer typed at the prompt is taken as typed.
    """
    result: dict[str, Any] = {}
    for name in JSON_ANSWERS:
        saved = answers.get(FILE_ANSWER_PREFIX + name) or ""
        value = answers.get(name)
        original = given.get(name)
        if saved:
            result[name] = saved
        elif isinstance(original, (dict, list)) and value in _renderings(original):
            result[name] = original
        else:
            result[name] = value
    return result


class UnreadableAnswer(str):
    """A JSON answer whose file could not be read, holding the message that says so."""

    __slots__ = ()


def template_questions(cookiecutter_json: Mapping[str, Any]) -> dict[str, Any]:
    """Return the questions of ``cookiecutter.json`` and their unrendered defaults, in order."""
    return {name: value for name, value in cookiecutter_json.items() if not name.startswith("_")}


def check_bake(
    answers: Mapping[str, Any],
    given: Mapping[str, Any],
    questions: Mapping[str, Any],
    derived: Mapping[str, Any],
) -> tuple[list[Problem], dict[str, Any]]:
    """Check every answer of a bake; return the problems and the JSON answers parsed.

    ``answers`` and ``given`` as for :func:`json_answers`; ``questions`` from
    :func:`template_questions`; ``derived``, what the template answers itself to each question
    given these answers (the filters' ``derived_answers``). The problems of an answer derived
    from a refused one, unchanged and still showing its value (``package_name`` from a refused
    ``product_name``), are left out: the new answer derives it again.
    """
    merged = {name: answers.get(name) for name in questions}
    for name, value in json_answers(answers, given).items():
        unreadable = isinstance(value, str) and value.startswith(_UNREADABLE)
        merged[name] = UnreadableAnswer(value[len(_UNREADABLE) :]) if unreadable else value
    choices = {name: value for name, value in questions.items() if isinstance(value, list)}
    problems, parsed = validate_answers(merged, choices)
    return _without_echoes(merged, questions, problems, derived), parsed


def _folded(value: Any) -> str:
    """Return ``value`` as the template derives names from it (``lower``, ``-`` to ``_``)."""
    return str(value).lower().replace("-", "_")


def _without_echoes(
    answers: Mapping[str, Any],
    questions: Mapping[str, Any],
    problems: list[Problem],
    derived: Mapping[str, Any],
) -> list[Problem]:
    refused = set(refused_answers(problems))
    echoes = set()
    for name, default in questions.items():
        if name not in refused or answers[name] != derived.get(name):
            continue
        sources = [other for other in refused - {name} if f"cookiecutter.{other}" in str(default)]
        if any(_folded(answers[other]) in _folded(answers[name]) for other in sources):
            echoes.add(name)
    return [problem for problem in problems if problem.answer not in echoes]


def changed_answers(
    answers: Mapping[str, Any],
    questions: Mapping[str, Any],
    refused: Iterable[str],
    derived_answers: Mapping[str, Any],
) -> dict[str, Any]:
    """Return the allowed answers that differ from what the template would answer itself
    (``derived_answers``, as for :func:`check_bake`), JSON answers as JSON text. An answer
    derived from another (``package_name`` from ``product_name``) is left out while it equals
    its derivation, so it follows a new answer."""
    changed: dict[str, Any] = {}
    skipped = set(refused)
    for name in questions:
        value = answers.get(name)
        if name in skipped or value is None:
            continue
        derived = derived_answers.get(name)
        if isinstance(value, (dict, list)):
            try:
                if isinstance(derived, str) and json.loads(derived) == value:
                    continue
            except ValueError:
                pass
            value = json.dumps(value, ensure_ascii=False)
        elif value == derived:
            continue
        changed[name] = value
    return changed


def listed(names: list[str]) -> str:
    """Return ``a``, ``a and b``, ``a, b and c``."""
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def write_answers_file(folder: Path, answers: Mapping[str, Any], problems: list[Problem]) -> Path:
    """Write ``answers`` as a cookiecutter config file in ``folder``, next to earlier ones it
    did not write; return its path. The header lists the refused answers."""
    import yaml  # cookiecutter's own dependency

    folder.mkdir(parents=True, exist_ok=True)  # as cookiecutter would have
    path = folder / ANSWERS_FILE
    number = 1
    while path.exists() and not _ours(path):
        number += 1
        path = folder / ANSWERS_FILE.replace(".yaml", f"-{number}.yaml")
    header = [
        f"{_ANSWERS_MARK}, written when a bake refused some of them.",
        "# Use it with: cookiecutter --config-file <this file> <template>",
        "# Left out, to be answered again:",
        *(f"#   {problem.message}" for problem in problems),
    ]
    body = yaml.safe_dump(
        {"default_context": dict(answers)}, allow_unicode=True, sort_keys=False, width=2**31 - 1
    )
    text = "\n".join(header) + "\n" + body
    path.write_text(text.encode("utf-8", "backslashreplace").decode("utf-8"), encoding="utf-8")
    return path.resolve()


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as file:
            return file.readline().startswith(_ANSWERS_MARK)
    except (OSError, UnicodeDecodeError):
        return False
