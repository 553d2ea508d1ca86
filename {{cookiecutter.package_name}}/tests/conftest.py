{%- set config = launcher_answer('config_fields') | config_model -%}
"""Fixtures shared by the tests: an isolated launcher configuration, the stand-in product, the CLI.

Every test launches ``stand_in.py`` in place of the product, with the command line and
environment the launcher builds from ``PRODUCT_COMMAND`` and ``PRODUCT_ENV``, so the tests pass
with no product installed. ``pytest --real-product`` runs the tests marked ``lifecycle`` against
the real product instead, found as the launcher finds it (configured values given with
``--product-option NAME=VALUE``, environment variables, the Ansys installation, ``PATH``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The launcher keeps the configuration file in memory once read; the tests reset it.
from ansys.tools.common.launcher import config as launcher_config

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    LauncherConfig,
)
from {{ cookiecutter.package_name }}._machinery import (
{%- if cookiecutter.server_type == "grpc" %}
    launching,
{%- endif %}
    logs,
)
from {{ cookiecutter.package_name }}._machinery import (
    process as process_module,
)
from {{ cookiecutter.package_name }}._machinery import (
    watchdog as watchdog_module,
)
from {{ cookiecutter.package_name }}._machinery.fields import (
    METADATA_KEY_ENV,
    METADATA_KEY_ROLE,
)
from {{ cookiecutter.package_name }}.config import (
    PRODUCT_COMMAND,
    PRODUCT_ENV,
    SERVER_COMMANDS,
    SERVERS,
{%- if cookiecutter.server_type == "grpc" %}
    UDS_SERVICE,
{%- endif %}
)

from . import stand_in as stand_in_module

PRODUCT = "{{ cookiecutter.product_name }}"
MODE = "{{ cookiecutter.launch_mode }}"
STAND_IN = Path(stand_in_module.__file__)
WATCHDOG = watchdog_module.__file__
OWN_BASETEMP = pytest.StashKey[str]()
{%- if cookiecutter.server_type == "grpc" %}
PLATFORM_TRANSPORT = "wnua" if sys.platform == "win32" else "uds"
SUPPORTED_TRANSPORTS = [
    transport
    for transport in (PLATFORM_TRANSPORT, "insecure", "mtls")
    if launcher_module.unsupported(transport) is None
]
"""The transports ``PRODUCT_COMMAND`` can launch the product with on this platform: the tests
use these only."""


def default_transport() -> str:
    """Return the transport a launch uses with the transport field at its default, when the
    command can launch with it; else ``insecure`` (TCP), which every command can."""
    (field,) = (
        field
        for field in dataclasses.fields(LauncherConfig)
        if field.metadata.get(METADATA_KEY_ROLE) == "transport"
    )
    chosen = str(field.default) if isinstance(field.default, str) else ""
    chosen = chosen or PLATFORM_TRANSPORT
    return chosen if chosen in SUPPORTED_TRANSPORTS and chosen != "mtls" else "insecure"


DEFAULT_TRANSPORT = default_transport()
"""The transport of the tests that do not choose one."""
{%- endif %}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--real-product`` and ``--product-option``{% if cookiecutter.include_slurm_mode %}, ``--real-slurm`` and ``--slurm-option``{% endif %}{% if cookiecutter.include_container_mode %}, ``--container-engine`` and
    ``--container-image``{% endif %}."""
    group = parser.getgroup("product", "the product the lifecycle tests launch")
    group.addoption(
        "--real-product",
        action="store_true",
        help="run the tests marked lifecycle against the real product instead of the stand-in",
    )
    group.addoption(
        "--product-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a config field for the real product, as ansys-launcher configure takes it",
    )
{%- if cookiecutter.include_slurm_mode %}
    group.addoption(
        "--real-slurm",
        action="store_true",
        help="submit the slurm mode's lifecycle tests to the Slurm cluster on PATH, not the stand-ins",
    )
    group.addoption(
        "--slurm-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a field of SlurmConfig for --real-slurm, such as partition=debug or work_dir=PATH",
    )
{%- endif %}
{%- if cookiecutter.include_container_mode %}
    group.addoption(
        "--container-engine",
        default="",
        metavar="ENGINE",
        help="run the container tests marked lifecycle with this engine (docker or podman)",
    )
    group.addoption(
        "--container-image",
        default="",
        metavar="IMAGE",
        help="the image those tests run, which runs the product with CONTAINER_COMMAND",
    )
{%- endif %}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers; keep the tests' files in a folder removed at the end.

    ``pytest --basetemp=DIR`` keeps them in ``DIR`` instead (pytest empties it first).
    """
    config.addinivalue_line(
        "markers", "lifecycle: launches the real product with --real-product, else the stand-in"
    )
    config.addinivalue_line(
        "markers", "slow: timing, load and lifetime tests (deselect with -m 'not slow')"
    )
    config.addinivalue_line(
        "markers", "machinery: tests of _machinery/ alone (no answer of the template changes it)"
    )
    if config.option.basetemp is None:
        config.option.basetemp = config.stash[OWN_BASETEMP] = tempfile.mkdtemp(prefix="pytest-")
{%- if cookiecutter.server_type == "grpc" %}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Over insecure TCP, the tests' clients get gRPC's warning that they start without TLS:
    expected wherever the tests' default transport is ``insecure``."""
    if DEFAULT_TRANSPORT == "insecure":
        for item in items:
            item.add_marker(pytest.mark.filterwarnings("ignore:.*without TLS"))
{%- endif %}


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the folder of the tests' files, unless it was given with ``--basetemp``."""
    if OWN_BASETEMP in config.stash:
        shutil.rmtree(config.stash[OWN_BASETEMP], ignore_errors=True)


def real_product(request: pytest.FixtureRequest) -> bool:
    """Whether this test launches the real product."""
    wanted = bool(request.config.getoption("--real-product"))
    return wanted and request.node.get_closest_marker("lifecycle") is not None


@pytest.fixture(autouse=True)
def launcher_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Give every test a launcher configuration file of its own, never the user's."""
    path = tmp_path / "launcher-config.json"
    monkeypatch.setenv("ANSYS_LAUNCHER_CONFIG_PATH", str(path))
    launcher_config._reset_config()
    yield path
    launcher_config._reset_config()


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the logs of the products a test starts in its own folder, never the user's."""
    path = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_VARIABLE, str(path))
    return path


def product_variables() -> list[str]:
    """Return the environment variables the plugin reads or sets for the product."""
    fields = dataclasses.fields(LauncherConfig)
    read = [
        field.metadata[METADATA_KEY_ENV] for field in fields if METADATA_KEY_ENV in field.metadata
    ]
    return [*read, *PRODUCT_ENV]


{%- if cookiecutter.server_type == "grpc" or cookiecutter.http_scheme == "https" %}


def write_key_and_certificate(folder: Path, name: str, key: Any, certificate: Any) -> None:
    """Write ``certificate`` to ``NAME.crt`` and ``key`` (unencrypted) to ``NAME.key`` in
    ``folder``, the key readable by its owner only (``cryptography`` objects, in PEM)."""
    from cryptography.hazmat.primitives import serialization

    (folder / f"{name}.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = folder / f"{name}.key"
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
{%- endif %}
{%- if cookiecutter.http_scheme == "https" %}


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Return the certificate and key files of a self-signed certificate for 127.0.0.1, which
    the stand-in serves HTTPS with."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .sign(key, hashes.SHA256())
    )
    write_key_and_certificate(folder, "server", key, certificate)
    return [str(folder / "server.crt"), str(folder / "server.key")]
{%- endif %}


@pytest.fixture(autouse=True)
def stand_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Launch ``stand_in.py`` in place of the product, with the arguments the launcher builds;
    return whether it does (not for lifecycle tests with ``--real-product``).

    The environment variables the plugin reads or sets are removed, so that the user's own
    settings do not change what the tests see.
    """
    if real_product(request):
        return False
    for name in product_variables():
        monkeypatch.delenv(name, raising=False)
    command = PRODUCT_COMMAND
    program = literal(str(STAND_IN))
    monkeypatch.setattr(launcher_module, "PRODUCT_COMMAND", ["{python}", program, *command[1:]])
    option = stand_in_module.SERVER_OPTION
    stand_ins = {
        server: ["{python}", program, option + server, *own[1:]]
        for server, own in SERVER_COMMANDS.items()
    }
    monkeypatch.setattr(launcher_module, "SERVER_COMMANDS", stand_ins)
    templates: dict[str, Any] = {"command": command[1:], "env": PRODUCT_ENV, "roles": roles()}
    templates["servers"] = list(SERVERS)
    templates["server_commands"] = {server: own[1:] for server, own in SERVER_COMMANDS.items()}
{%- if cookiecutter.server_type == "grpc" %}
    templates["uds_service"] = UDS_SERVICE
{%- else %}
    templates["token_header"] = launcher_module.TOKEN_HEADER
{%- endif %}
{%- if cookiecutter.http_scheme == "https" %}
    templates["tls"] = request.getfixturevalue("tls_files")
{%- endif %}
    monkeypatch.setenv(stand_in_module.TEMPLATES_VARIABLE, json.dumps(templates))
    return True


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a folder with one file, ``hello.txt``, to serve (the HTTP stand-in serves it when
    no config field names a folder)."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "hello.txt").write_text("hello from the test", encoding="utf-8")
    monkeypatch.setenv(stand_in_module.SITE_VARIABLE, str(folder))
    return folder


def per_launch_of(arguments: Any) -> dict[str, str]:
    """Return the values of ``{work_dir}``, ``{token}`` and ``{port:NAME}`` that the launcher
    gave the product started with ``arguments`` (``Popen.args``), by ``PRODUCT_COMMAND`` as the
    launcher module has it now."""
    command = vars(launcher_module)["PRODUCT_COMMAND"]
    values = stand_in_module.match_arguments(command[1:], [str(word) for word in arguments[1:]])
    assert values is not None, arguments
    names = {"work_dir": "work_dir", "token": "token"}
    prefix = stand_in_module.named("port", "")
    names.update(
        {name: f"port:{name.removeprefix(prefix)}" for name in values if name.startswith(prefix)}
    )
    return {names[name]: value for name, value in values.items() if name in names}


def roles() -> dict[str, str]:
    """Return the names of the config fields by the roles their metadata declares
    (``METADATA_KEY_ROLE``), as the launcher finds them."""
    return {
        field.metadata[METADATA_KEY_ROLE]: field.name
        for field in dataclasses.fields(LauncherConfig)
        if METADATA_KEY_ROLE in field.metadata
    }


def example_values(site: Path) -> dict[str, Any]:
    """Return a value for every config field, each different from the field's default.
{%- if cookiecutter.server_type == "grpc" %}

    The field with the role ``transport`` gets ``DEFAULT_TRANSPORT``; adapt the other values if
    your product needs particular ones.
{%- else %}

    The field with the role ``folder`` gets ``site``; adapt the other values if your product
    needs particular ones.
{%- endif %}
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(LauncherConfig):
        default = None if field.default is dataclasses.MISSING else field.default
        role = field.metadata.get(METADATA_KEY_ROLE)
{%- if cookiecutter.server_type == "grpc" %}
        if role == "transport":
            values[field.name] = DEFAULT_TRANSPORT
{%- else %}
        if role == "folder":
            values[field.name] = str(site)
{%- endif %}
        elif field.type in ("bool", bool):
            values[field.name] = not default
        elif field.type in ("int", int):
            values[field.name] = (default or 0) + 1
        elif field.type in ("float", float):
            values[field.name] = (default or 0.0) + 0.5
        else:
            values[field.name] = f"{default or ''}configured"
    return values


def cli_options(values: dict[str, Any]) -> list[str]:
    """Return ``ansys-launcher configure`` options that set ``values``."""
    return [
        f"--{name}={str(value).lower() if isinstance(value, bool) else value}"
        for name, value in values.items()
    ]


def parse_options(options: list[str]) -> dict[str, Any]:
    """Return the config values of ``--product-option NAME=VALUE`` options, typed as the fields."""
    types = {field.name: str(field.type) for field in dataclasses.fields(LauncherConfig)}
    values: dict[str, Any] = {}
    for option in options:
        name, _, text = option.partition("=")
        if name not in types:
            raise pytest.UsageError(f"--product-option {option!r}: no config field {name!r}")
        kind = types[name]
        values[name] = (
            text.lower() in ("1", "true", "yes", "on")
            if kind == "bool"
            else int(text)
            if kind == "int"
            else float(text)
            if kind == "float"
            else text
        )
    return values


@pytest.fixture
def config(
    request: pytest.FixtureRequest, stand_in: bool, site: Path, monkeypatch: pytest.MonkeyPatch
) -> LauncherConfig:
    """Return the configuration a test launches with, run in the folder ``site``.

    With the stand-in: every field set by ``example_values``. With ``--real-product``: the
    fields' defaults and the ``--product-option`` values.
    """
    monkeypatch.chdir(site)
    if stand_in:
        return LauncherConfig(**example_values(site))
    try:
        return LauncherConfig(**parse_options(request.config.getoption("--product-option")))
    except TypeError as error:
        raise pytest.UsageError(f"--real-product needs --product-option for: {error}") from None


@pytest.fixture(autouse=True)
def spawned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Record every product process a test starts; after the test, no process it started (the
    products' watchdogs included) may be left running.

    On Python 3.10 a product starts as a small program that joins its watchdog's process group
    and then becomes the product (``JOIN_GROUP`` in ``_machinery/process.py``): its ``args``
    are recorded as the product's own."""
    products: list[subprocess.Popen[bytes]] = []
    started: list[subprocess.Popen[bytes]] = []

    class RecordingPopen(subprocess.Popen[bytes]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)
            arguments = list(map(str, self.args))  # type: ignore[arg-type]
            if process_module.JOIN_GROUP in arguments:
                self.args = arguments[arguments.index(process_module.JOIN_GROUP) + 3 :]
            if WATCHDOG not in arguments:
                products.append(self)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)
    yield products
    for child in started:
        assert child.returncode is not None, f"{child.args!r} was left running"


CliRunner = Callable[..., str]


@pytest.fixture
def cli() -> CliRunner:
    """Run the installed ``ansys-launcher`` command; return its output, fail on a non-zero exit."""
    executable = shutil.which("ansys-launcher", path=sysconfig.get_path("scripts"))
    assert executable is not None, "ansys-launcher is not installed next to this Python"

    def run(*args: str) -> str:
        result = subprocess.run(
            [executable, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (
            f"ansys-launcher {args} failed:\n{result.stdout}\n{result.stderr}"
        )
        launcher_config._reset_config()  # the command may have written the configuration file
        return result.stdout

    return run


{%- if cookiecutter.server_type == "grpc" %}


def channels_open_when_the_product_ends(launcher: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """Start ``launcher`` (a ``ProcessLauncher``) and stop it; return how many of its channels
    to the servers were still open when the machinery began to end the product. A gRPC server
    stopping with a grace period can wait all of it while a client is connected (grpcio 1.60
    does)."""
    launcher.start()
    channels = list(launcher._channels.values())
    assert channels
    assert all(launcher_module.serving(channel, timeout=5) for channel in channels)
    ending = launching.ProcessLauncher.stop
    still_open: list[object] = []

    def end(self: launching.ProcessLauncher, *, timeout: float | None = None) -> None:
        for channel in channels:
            try:  # a closed channel refuses the call: "Cannot invoke RPC on closed channel!"
                launcher_module.serving(channel, timeout=1)
            except ValueError:
                continue
            still_open.append(channel)
        ending(self, timeout=timeout)

    monkeypatch.setattr(launching.ProcessLauncher, "stop", end)
    launcher.stop()
    assert not launcher.check(timeout=1)
    return len(still_open)


def write_certificates(folder: Path, *, signed_by_another_ca: str = "") -> Path:
    """Write a CA (``ca.crt``), and server and client certificates for 127.0.0.1 signed by it,
    into ``folder``, for mTLS; the certificate named ``signed_by_another_ca`` (``server`` or
    ``client``), if any, is signed by another CA. The keys are readable by their owner only."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def issue(
        name: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Certificate | None,
        issuer_key: ec.EllipticCurvePrivateKey,
    ) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if issuer is None else issuer.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), True)
        )
        if issuer is not None:
            names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), False)
        return builder.sign(issuer_key, hashes.SHA256())

    authorities = []
    for name in ("test CA", "another CA"):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        authorities.append((issue(name, ca_key, None, ca_key), ca_key))
    write_key_and_certificate(folder, "ca", authorities[0][1], authorities[0][0])
    for name in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        ca, ca_key = authorities[name == signed_by_another_ca]
        write_key_and_certificate(folder, name, key, issue(name, key, ca, ca_key))
    return folder


@pytest.fixture(scope="session")
def certs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a CA and server and client certificates for 127.0.0.1, for mTLS."""
    return write_certificates(tmp_path_factory.mktemp("certs"))
{%- endif %}


def use_command(monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
{%- if cookiecutter.server_type == "http" %}
    """Make the launcher run ``command`` (a ``PRODUCT_COMMAND``) with no ``PRODUCT_ENV``: a test
    product of one server that serves plain HTTP to any client (no TLS, no token header)."""
{%- else %}
    """Make the launcher run ``command`` (a ``PRODUCT_COMMAND``) with no ``PRODUCT_ENV``: a test
    product of one server."""
{%- endif %}
    monkeypatch.setattr(launcher_module, "PRODUCT_COMMAND", command)
    monkeypatch.setattr(launcher_module, "PRODUCT_ENV", {})
    one_server(monkeypatch)
{%- if cookiecutter.server_type == "http" %}
    monkeypatch.setattr(launcher_module, "SCHEME", "http")
    monkeypatch.setattr(launcher_module, "TOKEN_HEADER", "")
{%- endif %}


def main_process(spawned: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """Return the main process of the last launch that ``spawned`` recorded: the servers with a
    command of their own (``SERVER_COMMANDS``) start right after it."""
    return spawned[-1 - len(SERVER_COMMANDS)]


def one_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the launcher's product one of a single server, ``main``: for test products that
    serve one."""
    monkeypatch.setattr(launcher_module, "SERVERS", ("main",))
    monkeypatch.setattr(launcher_module, "SERVER_COMMANDS", {})
    main = {"main": launcher_module.Launcher.SERVER_SPEC["main"]}
    monkeypatch.setattr(launcher_module.Launcher, "SERVER_SPEC", main)


def python_command(source: str) -> list[str]:
    """Return a command that runs ``source`` with this Python: a product that misbehaves."""
    return [sys.executable, "-c", source]


def python_product(source: str) -> list[str]:
    """Return a ``PRODUCT_COMMAND`` that runs ``source`` with this Python."""
    return [literal(argument) for argument in python_command(source)]


def literal(text: str) -> str:
    """Return ``text`` as a ``PRODUCT_COMMAND`` argument that stays as it is: braces doubled."""
    return re.sub(r"([{}])", r"\1\1", text)
