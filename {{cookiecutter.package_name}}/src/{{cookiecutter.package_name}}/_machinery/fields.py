"""The config's fields: their metadata keys, their types checked, their values for one launch.

``config.py`` marks its fields with the metadata keys below and calls ``check_types`` when a
config is made; a launcher calls ``resolve`` at each launch for the values that fill in the
product's command line.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

from ..errors import LaunchError

__all__ = [
    "METADATA_KEY_ANSYS_PATH",
    "METADATA_KEY_ENV",
    "METADATA_KEY_PATH",
    "METADATA_KEY_ROLE",
    "Resolved",
    "check_types",
    "field_with_role",
    "latest_ansys_installation",
    "resolve",
]

METADATA_KEY_ENV = "env"
"""Field metadata: the environment variable that supplies the value when the field is left at
its default."""
METADATA_KEY_PATH = "path"
"""Field metadata: the value is a path; ``~`` and environment variables are expanded and the
path is made absolute at launch."""
METADATA_KEY_ANSYS_PATH = "ansys_path"
"""Field metadata: a path inside the newest Ansys installation (``ACP/acp_grpcserver``), used
when the field is still empty; ``.exe`` is added on Windows where that file exists."""
METADATA_KEY_ROLE = "role"
"""Field metadata: what the launcher does with the value besides filling in its placeholder.
``"folder"``: a folder that must exist, empty meaning the current folder at launch (HTTP);
``"transport"`` and ``"certs_dir"``: how clients reach the server and the certificates folder
of ``mtls`` (gRPC). The launcher and the tests find such a field with ``field_with_role``."""


def field_with_role(model: object, role: str) -> str | None:
    """Return the name of the field of the dataclass ``model`` (a class or an instance) whose
    metadata declares ``role`` (``METADATA_KEY_ROLE``), or ``None`` if no field does."""
    for field in dataclasses.fields(model):  # type: ignore[arg-type]
        if field.metadata.get(METADATA_KEY_ROLE) == role:
            return field.name
    return None


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclasses.dataclass
class Resolved:
    """The values of the config fields for one launch, and where each one was looked for."""

    values: dict[str, object]
    """Placeholder name -> value: each config field (after its environment variable, the Ansys
    installation and path expansion), and what the launcher adds (``python``, ``host``, ...)."""
    places: dict[str, list[str]]
    """Field name -> where its value was looked for, in order, each with what was found there."""
    variables: dict[str, str]
    """Field name -> the environment variable that supplies its default, for fields that have one."""


def resolve(config: object) -> Resolved:
    """Return the value of every field of the dataclass ``config`` for this launch.

    A field left at its default takes the value of its environment variable (``env``), if that is
    set; a path field has ``~`` and environment variables expanded and is made absolute; a path
    field that is still empty and names a path inside an Ansys installation (``ansys_path``)
    takes that path in the newest installation found.
    """
    resolved = Resolved({}, {}, {})
    for field in dataclasses.fields(config):  # type: ignore[arg-type]
        value = getattr(config, field.name)
        looked = [f"{field.name} as configured ({value!r})"]
        variable = field.metadata.get(METADATA_KEY_ENV)
        if variable:
            resolved.variables[field.name] = variable
        if variable and value == field.default:
            text = os.environ.get(variable, "")
            found = repr(text) if text else "not set"
            looked.append(f"environment variable {variable} ({found})")
            if text:
                value = _typed(field, variable, text)
        if field.metadata.get(METADATA_KEY_PATH) and value:
            value = os.path.abspath(os.path.expandvars(os.path.expanduser(str(value))))
        inside = field.metadata.get(METADATA_KEY_ANSYS_PATH)
        if inside and not value:
            installation = latest_ansys_installation()
            if installation is None:
                looked.append("the newest Ansys installation (none found)")
            else:
                value = _in_installation(installation, inside)
                looked.append(f"the newest Ansys installation ({value!r})")
        resolved.values[field.name] = value
        resolved.places[field.name] = looked
    return resolved


_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def check_types(config: object) -> None:
    """Check that each field of the dataclass ``config`` holds a value of its type.

    Called when the config is made, also from the configuration file, which keeps what it was
    given. An ``int`` in a ``float`` field becomes a ``float``, a ``pathlib.Path`` in a path field a
    ``str``; any other mismatch (a ``bool`` in an ``int`` field among them) raises ``TypeError``
    naming the field, the value and the type.
    """
    for field in dataclasses.fields(config):  # type: ignore[arg-type]
        kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
        expected = _TYPES.get(kind)
        value = getattr(config, field.name)
        if expected is None or type(value) is expected:
            continue
        path = field.metadata.get(METADATA_KEY_PATH)
        if expected is str and path and isinstance(value, os.PathLike):
            object.__setattr__(config, field.name, os.fspath(value))
            continue
        if expected is float and type(value) is int:
            try:
                object.__setattr__(config, field.name, float(value))
            except OverflowError:
                pass
            else:
                continue
        article = "an" if kind[0] in "aeiou" else "a"
        raise TypeError(
            f"{field.name} must be {article} {kind}, not {value!r} ({type(value).__name__})"
        )


def _typed(field: dataclasses.Field[Any], variable: str, text: str) -> object:
    """Return the environment variable's ``text`` as a value of the field's type."""
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.strip().lower() in _TRUE | _FALSE:
                return text.strip().lower() in _TRUE
            raise ValueError(text)
    except ValueError:
        raise LaunchError(
            f"environment variable {variable}={text!r} is not a valid {kind} for the field"
            f" {field.name}; set it to a {kind} or unset it"
        ) from None
    return text


def latest_ansys_installation() -> str | None:
    """Return the folder of the newest Ansys installation, or ``None`` if there is none."""
    from ansys.tools.common.path import get_latest_ansys_installation

    try:
        return get_latest_ansys_installation()[1]
    except (ValueError, OSError):
        return None


def _in_installation(installation: str, inside: str) -> str:
    path = os.path.join(installation, *inside.split("/"))
    if sys.platform == "win32" and os.path.isfile(path + ".exe"):
        return path + ".exe"
    return path
