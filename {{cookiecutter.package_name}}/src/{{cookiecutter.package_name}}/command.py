"""Turn the configuration into the product's command line and environment.

Shared by the launchers of this package. ``PRODUCT_COMMAND`` and ``PRODUCT_ENV`` in
``config.py`` hold ``{name}`` placeholders; a launcher fills them in with ``fill`` and
``fill_environment`` from the values that ``resolve`` computes for one launch. An argument (or
environment entry) that names a placeholder with no value for this launch (``None`` or an empty
string) is left out, so one command line serves every transport and every optional setting.
"""

from __future__ import annotations

import dataclasses
import os
import string
import sys
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import LaunchError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from .process import ProductProcess

__all__ = [
    "METADATA_KEY_ANSYS_PATH",
    "METADATA_KEY_ENV",
    "METADATA_KEY_PATH",
    "Launch",
    "Resolved",
    "accepts_connections",
    "check_types",
    "executable",
    "fill",
    "fill_environment",
    "is_loopback",
    "names",
    "prepare",
    "probe_timeout",
    "release_port",
    "reserve_port",
    "resolve",
    "start_on_free_port",
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


class Launch(NamedTuple):
    """What starts the product: its command line, what it sets in the environment, and the
    variables of ``PRODUCT_ENV`` it removes (they name a placeholder with no value)."""

    command: list[str]
    environment: dict[str, str]
    unset: list[str]


def prepare(
    command: Sequence[str], environment: Mapping[str, str], resolved: Resolved, configure: str
) -> Launch:
    """Return ``command`` and ``environment`` (templates) filled in with ``resolved.values``.

    The first argument must name a program that can be run (see ``executable``);
    ``configure`` is the ``ansys-launcher configure PRODUCT MODE`` command for error messages.
    """
    program = executable(command[0], resolved, configure)
    variables = fill_environment(environment, resolved.values)
    return Launch(
        [program, *fill(command[1:], resolved.values)],
        variables,
        [name for name in environment if name not in variables],
    )


def placeholders(template: str) -> list[str]:
    """Return the names of the ``{name}`` placeholders in ``template``."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def names(templates: Iterable[str], name: str) -> bool:
    """Return whether any of ``templates`` has the placeholder ``{name}``."""
    return any(name in placeholders(template) for template in templates)


def _has_value(value: object) -> bool:
    return value is not None and value != ""


def _filled(template: str, values: Mapping[str, object]) -> str | None:
    """Return ``template`` filled in, or ``None`` if a placeholder in it has no value."""
    if all(_has_value(values.get(name)) for name in placeholders(template)):
        return template.format_map(values)
    return None


def fill(templates: Sequence[str], values: Mapping[str, object]) -> list[str]:
    """Return the arguments of ``templates`` filled in, without those that name a placeholder
    with no value."""
    filled = (_filled(template, values) for template in templates)
    return [argument for argument in filled if argument is not None]


def fill_environment(templates: Mapping[str, str], values: Mapping[str, object]) -> dict[str, str]:
    """Return the environment variables of ``templates`` filled in, without those that name a
    placeholder with no value."""
    filled = {name: _filled(template, values) for name, template in templates.items()}
    return {name: value for name, value in filled.items() if value is not None}


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


def executable(template: str, resolved: Resolved, configure: str) -> str:
    """Return the program that ``template`` (the command's first argument) names, found.

    Raises ``LaunchError`` when it cannot be run, naming the value, every place that was looked
    at (the fields it names, their environment variables and Ansys installation, and ``PATH``)
    and how to set it; ``configure`` is the ``ansys-launcher configure PRODUCT MODE`` command.
    """
    import shutil

    program = _filled(template, resolved.values) or ""
    found = shutil.which(program) if program else None
    if found:
        return found
    looked = [place for name in placeholders(template) for place in resolved.places.get(name, [])]
    if not program:
        problem = "is empty"
    elif os.path.dirname(program):
        exists = os.path.exists(program)
        problem = "is not an executable file" if exists else "does not exist"
    else:
        problem = "is not on PATH"
        looked.append("PATH (not there)")
    where = "; ".join(looked) or "the first argument of PRODUCT_COMMAND, as written"
    fields = [name for name in placeholders(template) if name in resolved.places]
    hints = [f"{configure} --{name}=PATH" for name in fields]
    hints += [f"set {resolved.variables[name]}" for name in fields if name in resolved.variables]
    how = f" Configure it with: {', or '.join(hints)}." if hints else ""
    raise LaunchError(f"the product's executable {program!r} {problem}. Looked at: {where}.{how}")


def is_loopback(host: str) -> bool:
    """Return whether ``host`` (a name, or an IP address, IPv6 in brackets or not) is this
    machine's loopback."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def accepts_connections(address: str) -> bool:
    """Return whether something accepts connections at ``address`` (``unix:PATH`` or
    ``HOST:PORT``): a cheap probe before the first HTTP request or gRPC call."""
    import socket

    try:
        if address.startswith("unix:"):
            path = address.removeprefix("unix:")
            if not hasattr(socket, "AF_UNIX"):
                return os.path.exists(path)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(path)
        else:
            host, _, port = address.rpartition(":")
            socket.create_connection((host.strip("[]"), int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def probe_timeout(deadline: float) -> float:
    """Return how long one readiness probe may wait: at most 1 s, so that a product that exits
    (or another server that took its port and never answers) is noticed soon."""
    import time

    return min(max(deadline - time.monotonic(), 0.001), 1.0)


_PORTS_LOCK = threading.Lock()
_RESERVED_PORTS: set[int] = set()


def reserve_port(host: str) -> int:
    """Return a TCP port that is free on ``host`` and not handed to another launch of this process.

    Another process may still take the port before the product binds it; the launchers retry
    with another port when the product exits during start-up. Call ``release_port`` once the
    product listens (or gave up).
    """
    import socket

    with _PORTS_LOCK:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((host, 0))
                port: int = probe.getsockname()[1]
            if port not in _RESERVED_PORTS:
                _RESERVED_PORTS.add(port)
                return port


def port_is_free(host: str, port: int) -> bool:
    """Return whether nothing holds the TCP ``port`` on ``host`` now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: do not share a port in use
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def release_port(port: int | None) -> None:
    """Let ``reserve_port`` hand out ``port`` again."""
    if port is not None:
        with _PORTS_LOCK:
            _RESERVED_PORTS.discard(port)


def start_on_free_port(
    start: Callable[[int | None], None],
    stop: Callable[[], None],
    process: ProductProcess,
    *,
    tells_port: bool,
    host: str,
    attempts: int,
) -> None:
    """Call ``start(port)``, with a newly reserved free port when ``tells_port`` (else ``None``).

    When ``start`` fails because the product exited during start-up while another process holds
    its port (taken meanwhile), call ``stop()`` and try again with another port, ``attempts``
    times in all; the last error names every port tried. Any other failure (also an exit while
    the port is free: the product failed for another reason) calls ``stop()`` and is raised at
    once.
    """
    tried: list[int] = []
    while True:
        port = reserve_port(host) if tells_port else None
        try:
            start(port)
        except BaseException as error:
            exited = process.exited
            stop()
            if port is None or not exited or not isinstance(error, LaunchError):
                raise
            if port_is_free(host, port):  # the product failed for another reason
                raise
            tried.append(port)
            if len(tried) >= attempts:
                ports = ", ".join(map(str, tried))
                raise LaunchError(
                    f"{error}\nEach port tried was taken by another process before the product"
                    f" bound it: {ports}."
                ) from error
        else:
            return
        finally:
            release_port(port)
