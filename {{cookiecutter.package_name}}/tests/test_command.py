{%- set config = launcher_answer('config_fields') | config_model -%}
{%- set first_argument = (launcher_answer('product_command') | command_literals)[0] -%}
"""How the command line and environment are built from the configuration."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    Launcher,
    LauncherConfig,
    LaunchError,
)
from {{ cookiecutter.package_name }}._machinery import (
    commandline,
    fields,
    placeholders,
)
from {{ cookiecutter.package_name }}._machinery.fields import (
    METADATA_KEY_ANSYS_PATH,
    METADATA_KEY_ENV,
    METADATA_KEY_PATH,
)
from {{ cookiecutter.package_name }}._machinery.ports import (
    release_port,
    reserve_port,
)
from {{ cookiecutter.package_name }}.config import (
    PRODUCT_COMMAND,
    SERVER_COMMANDS,
)

from .conftest import example_values, literal

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX file modes")


@dataclasses.dataclass(kw_only=True)
class Example:
    """A configuration with a field of each kind the template generates."""

    binary: str = dataclasses.field(
        default="",
        metadata={
            METADATA_KEY_PATH: True,
            METADATA_KEY_ENV: "EXAMPLE_BINARY",
            METADATA_KEY_ANSYS_PATH: "ACP/acp_grpcserver",
        },
    )
    workers: int = dataclasses.field(default=1, metadata={METADATA_KEY_ENV: "EXAMPLE_WORKERS"})
    scale: float = dataclasses.field(default=1.0, metadata={METADATA_KEY_ENV: "EXAMPLE_SCALE"})
    verbose: bool = dataclasses.field(default=False, metadata={METADATA_KEY_ENV: "EXAMPLE_VERBOSE"})
    license_server: str = dataclasses.field(default="", metadata={METADATA_KEY_ENV: "EXAMPLE_LM"})


CONFIGURE = "ansys-launcher configure example direct"


@pytest.fixture(autouse=True)
def no_installation(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Ansys installation, and none of the example's environment variables, unless set."""
    monkeypatch.setattr(fields, "latest_ansys_installation", lambda: None)
    for name in (
        "EXAMPLE_BINARY",
        "EXAMPLE_WORKERS",
        "EXAMPLE_SCALE",
        "EXAMPLE_VERBOSE",
        "EXAMPLE_LM",
    ):
        monkeypatch.delenv(name, raising=False)


def program(folder: Path, name: str = "product") -> Path:
    """Return an executable file in ``folder``; on Windows an ``.exe`` name is enough to find it."""
    path = folder / (f"{name}.exe" if sys.platform == "win32" else name)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_an_argument_naming_a_placeholder_with_no_value_is_left_out() -> None:
    values = {"port": None, "uds_dir": "/run/x", "certs_dir": "", "host": "127.0.0.1"}
    templates = ["--port={port}", "--uds-dir={uds_dir}", "--certs-dir={certs_dir}", "-v", "{host}"]
    assert placeholders.fill(templates, values) == ["--uds-dir=/run/x", "-v", "127.0.0.1"]


def test_false_and_zero_are_values_and_doubled_braces_are_literal() -> None:
    values = {"verbose": False, "workers": 0}
    doubled = "{" * 2 + "literal" + "}" * 2
    templates = ["--verbose={verbose}", "--workers={workers}", doubled]
    assert placeholders.fill(templates, values) == ["--verbose=False", "--workers=0", "{literal}"]


def test_an_environment_entry_naming_a_placeholder_with_no_value_is_not_set() -> None:
    templates = {"LICENSE": "{license_server}", "FIXED": "1", "PORT": "{port}"}
    assert placeholders.fill_environment(templates, {"license_server": "", "port": 5}) == {
        "FIXED": "1",
        "PORT": "5",
    }


def test_configured_values_are_kept_and_paths_expanded_and_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EXAMPLE_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    resolved = fields.resolve(Example(binary="$EXAMPLE_ROOT/bin/product", workers=3))
    assert resolved.values["binary"] == os.path.join(str(tmp_path), "bin", "product")
    assert resolved.values["workers"] == 3
    assert fields.resolve(Example(binary="relative/product")).values["binary"] == str(
        tmp_path / "relative" / "product"
    )
    home = fields.resolve(Example(binary="~/product")).values["binary"]
    assert home == os.path.join(os.path.expanduser("~"), "product")


def test_a_field_left_at_its_default_takes_its_environment_variable_typed_as_the_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXAMPLE_WORKERS", "8")
    monkeypatch.setenv("EXAMPLE_SCALE", "2.5")
    monkeypatch.setenv("EXAMPLE_VERBOSE", "yes")
    monkeypatch.setenv("EXAMPLE_LM", "1055@licenses")
    values = fields.resolve(Example()).values
    assert (values["workers"], values["scale"], values["verbose"]) == (8, 2.5, True)
    assert values["license_server"] == "1055@licenses"
    assert fields.resolve(Example(workers=2)).values["workers"] == 2


def test_an_environment_variable_of_the_wrong_type_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXAMPLE_WORKERS", "many")
    with pytest.raises(
        LaunchError, match=r"EXAMPLE_WORKERS='many' is not a valid int for the field workers"
    ):
        fields.resolve(Example())


def test_an_empty_path_field_takes_its_path_in_the_newest_ansys_installation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "ACP").mkdir()
    found = program(tmp_path / "ACP", "acp_grpcserver")
    monkeypatch.setattr(fields, "latest_ansys_installation", lambda: str(tmp_path))
    resolved = fields.resolve(Example())
    assert resolved.values["binary"] == str(found)
    assert commandline.executable("{binary}", resolved, CONFIGURE) == str(found)


def test_the_environment_variable_comes_before_the_ansys_installation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(fields, "latest_ansys_installation", lambda: str(tmp_path / "ansys"))
    monkeypatch.setenv("EXAMPLE_BINARY", str(program(tmp_path)))
    resolved = fields.resolve(Example())
    assert commandline.executable("{binary}", resolved, CONFIGURE) == str(program(tmp_path))


def test_a_missing_executable_names_every_place_looked_at_fast(tmp_path: Path) -> None:
    began = time.monotonic()
    with pytest.raises(LaunchError) as raised:
        commandline.executable("{binary}", fields.resolve(Example()), CONFIGURE)
    assert time.monotonic() - began < 1
    assert str(raised.value) == (
        "the product's executable '' is empty. Looked at: binary as configured (''); environment"
        " variable EXAMPLE_BINARY (not set); the newest Ansys installation (none found)."
        f" Configure it with: {CONFIGURE} --binary=PATH, or set EXAMPLE_BINARY."
    )


def test_a_program_name_is_looked_up_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    found = program(tmp_path)
    resolved = fields.resolve(Example())
    assert Path(commandline.executable("product", resolved, CONFIGURE)) == found
    with pytest.raises(LaunchError, match=re.escape("'no-such-product' is not on PATH")):
        commandline.executable("no-such-product", resolved, CONFIGURE)


def test_a_configured_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "product"
    resolved = fields.resolve(Example(binary=str(missing)))
    with pytest.raises(LaunchError, match=re.escape(f"{str(missing)!r} does not exist")) as raised:
        commandline.executable("{binary}", resolved, CONFIGURE)
    assert "binary as configured" in str(raised.value)


@posix_only
def test_a_file_that_is_not_executable_is_named(tmp_path: Path) -> None:
    plain = tmp_path / "product"
    plain.write_text("data\n", encoding="utf-8")
    resolved = fields.resolve(Example(binary=str(plain)))
    with pytest.raises(LaunchError, match="is not an executable file"):
        commandline.executable("{binary}", resolved, CONFIGURE)


def test_reserved_ports_are_free_and_never_handed_out_twice_until_released() -> None:
    import socket

    ports = [reserve_port("127.0.0.1") for _ in range(50)]
    try:
        assert len(set(ports)) == 50
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", ports[0]))
    finally:
        for port in ports:
            release_port(port)


def test_a_second_start_is_refused_and_leaves_the_running_product_alone(
    site: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    launcher = Launcher(config=LauncherConfig(**example_values(site)))
    launcher.start()
    try:
        with pytest.raises(LaunchError, match="is already started"):
            launcher.start()
        assert launcher.check(timeout=5)
        assert len(spawned) == 1 + len(SERVER_COMMANDS)  # a process per program
    finally:
        launcher.stop()


def test_a_missing_executable_fails_the_start_at_once_leaving_no_process_and_no_log(
    site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    missing = tmp_path / "missing-product"
    monkeypatch.setattr(
        launcher_module, "PRODUCT_COMMAND", [literal(str(missing)), *PRODUCT_COMMAND[1:]]
    )
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the log would go
    began = time.monotonic()
    with pytest.raises(LaunchError, match=re.escape(f"{str(missing)!r} does not exist")):
        Launcher(config=LauncherConfig(**example_values(site))).start()
    assert time.monotonic() - began < 1
    assert spawned == []
    assert list(tmp_path.glob("*.log")) == []
{%- for field in config.fields if first_argument == '"{' ~ field.name ~ '}"' %}


def test_the_products_executable_is_looked_for_in_every_place_each_named_in_the_error(
    site: Path, monkeypatch: pytest.MonkeyPatch, spawned: list[subprocess.Popen[bytes]]
) -> None:
    monkeypatch.setattr(launcher_module, "PRODUCT_COMMAND", PRODUCT_COMMAND)  # not the stand-in
    monkeypatch.setattr(fields, "latest_ansys_installation", lambda: None)
    monkeypatch.setenv("PATH", "")
    config = LauncherConfig(**{**example_values(site), "{{ field.name }}": ""})
    with pytest.raises(LaunchError) as raised:
        Launcher(config=config).start()
    message = str(raised.value)
    assert "the product's executable '' is empty" in message
    assert "{{ field.name }} as configured ('')" in message
{%- if field.env %}
    variable = {{ field.env }}
    assert f"environment variable {variable} (not set)" in message
{%- endif %}
{%- if field.ansys_path %}
    assert "the newest Ansys installation (none found)" in message
{%- endif %}
    assert spawned == []


def test_the_products_executable_is_found_where_it_is_configured(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = program(tmp_path)
    monkeypatch.setattr(launcher_module, "PRODUCT_COMMAND", PRODUCT_COMMAND)  # not the stand-in
    config = LauncherConfig(**{**example_values(site), "{{ field.name }}": str(found)})
    assert launcher_module.product_launch(config).command[0] == str(found)
{%- endfor %}


def test_an_environment_entry_left_out_is_removed_from_what_the_product_inherits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from {{ cookiecutter.package_name }}._machinery.process import (
        child_environment,
    )

    monkeypatch.setenv("LICENSE_FOR_PRODUCT", "inherited from the user's shell")
    resolved = fields.resolve(Example())
    resolved.values["python"] = sys.executable
    launch = commandline.prepare(
        ["{python}"], {"LICENSE_FOR_PRODUCT": "{license_server}", "FIXED": "1"}, resolved, CONFIGURE
    )
    assert (launch.environment, launch.unset) == ({"FIXED": "1"}, ["LICENSE_FOR_PRODUCT"])
    child = child_environment(launch.environment, launch.unset)
    assert "LICENSE_FOR_PRODUCT" not in child
    assert child["FIXED"] == "1"


@pytest.mark.parametrize(
    ("templates", "arguments", "expected"),
    [
        (["{extra}", "--port={port}"], ["--port=5"], {"port": "5"}),
        (["{extra}", "{port}"], ["12345"], {"port": "12345"}),
        (["{certs_dir}", "{address}"], ["unix:/d/s-1.sock"], {"address": "unix:/d/s-1.sock"}),
        (["-m", "{extra}", "--port={port}"], ["-m", "--port=5"], {"port": "5"}),
        (
            ["--dir={folder}/sub", "{port}"],
            ["--dir=/a b/sub", "7"],
            {"folder": "/a b", "port": "7"},
        ),
    ],
)
def test_the_stand_in_reads_its_arguments_the_way_the_launcher_built_them(
    templates: list[str], arguments: list[str], expected: dict[str, str]
) -> None:
    from .stand_in import match_arguments

    assert match_arguments(templates, arguments) == expected
    assert match_arguments(["--fixed"], ["--other"]) is None


def test_switches_and_other_ports_are_filled_in_or_left_out() -> None:
    values = {"on": True, "off": False, "port": 4001, "port:peer": "4002", "empty": ""}
    assert placeholders.fill(
        ["{on:--yes}", "{off:--yes}", "{off:--yes|--no}", "{on:--yes|--no}", "--p={port}"],
        values,
    ) == ["--yes", "--no", "--yes", "--p=4001"]
    assert placeholders.filled("--peer={port:peer}", values) == "--peer=4002"
    assert placeholders.filled("--metrics={port:metrics}", values) is None
    assert placeholders.filled("--x={empty}", values) is None
    assert placeholders.placeholders("{port:peer} {port} {on:--yes|--no}") == [
        "port:peer",
        "port",
        "on",
    ]
    assert not placeholders.names(["--peer={port:peer}"], "port")
