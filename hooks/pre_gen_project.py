"""Validate the answers before cookiecutter writes any file of the project.

Each ``validate_*`` function returns ``None`` when the value is allowed, or one
message that names the variable, the value and what is allowed. ``main()`` prints
the first message and exits non-zero; cookiecutter then removes the folder it
created for the project and writes nothing else.
"""

from __future__ import annotations

import json
import keyword
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

FALLBACK_LAUNCH_MODE = "__fallback__"
_ENTRY_POINT_PART = re.compile(r"[A-Za-z0-9_-]+")
_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Public version identifiers of PEP 440, without epochs and local parts.
_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
# Top-level names a plugin package must not shadow.
_RESERVED_PACKAGES = frozenset(sys.stdlib_module_names) | {"ansys", "requests", "grpc", "tests"}


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
    ]
    messages = [check(answers[name]) for name, check in checks]
    return [message for message in messages if message is not None]


def main() -> int:
    """Validate the rendered answers; print the first problem and return 1 if any."""
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    messages = validate_answers(answers) or [validate_output_folder(os.getcwd())]
    message = messages[0]
    if message is None:
        return 0
    print(f"ERROR: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
