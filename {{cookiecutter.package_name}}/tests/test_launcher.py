{%- set config = cookiecutter.config_fields | config_model -%}
"""How the {{ cookiecutter.product_name }} launcher behaves, driven through the installed entry points."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from {{ cookiecutter.__launcher_module }} import launch_product

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import Launcher, LauncherConfig, LaunchError

from .conftest import MODE, PRODUCT, CliRunner, cli_options, example_values, python_command

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")


def fetch(url: str) -> requests.Response:
    """GET ``url`` directly (no proxy), failing on an HTTP error."""
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(url, timeout=10)
    response.raise_for_status()
    return response


def test_launch_product_uses_the_mode_and_values_configured_with_the_cli(
    site: Path,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    values = example_values(site)
    cli("configure", PRODUCT, MODE, *cli_options(values))
    monkeypatch.chdir(site)
    with launch_product(PRODUCT) as instance:
        instance.wait(timeout=10)
        assert fetch(instance.urls["main"] + "/hello.txt").text == "hello from the test"
    assert spawned[-1].args == launcher_module.product_command(LauncherConfig(**values))
{%- if cookiecutter.register_fallback %}


def test_with_nothing_configured_the_fallback_uses_the_defaults(
    site: Path, monkeypatch: pytest.MonkeyPatch, spawned: list[subprocess.Popen[bytes]]
) -> None:
    monkeypatch.chdir(site)
    with launch_product(PRODUCT) as instance:
        assert fetch(instance.urls["main"] + "/hello.txt").text == "hello from the test"
    assert spawned[-1].args == launcher_module.product_command(LauncherConfig())
{%- endif %}
{%- if config.all_defaults %}


def test_an_unconfigured_launch_mode_resolves_its_defaults_at_launch(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    with launch_product(PRODUCT, launch_mode=MODE) as instance:
        assert fetch(instance.urls["main"] + "/hello.txt").text == "hello from the test"
{%- endif %}


def test_start_returns_once_the_server_answers_on_a_full_loopback_url(
    config: LauncherConfig,
) -> None:
    launcher = Launcher(config=config)
    launcher.start()
    try:
        url = launcher.urls["main"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert fetch(url + "/hello.txt").ok
        assert launcher.log_path is not None
        assert "Serving HTTP on 127.0.0.1 " in Path(launcher.log_path).read_text(encoding="utf-8")
    finally:
        launcher.stop()


def test_it_stops_at_the_end_of_a_with_block_and_check_is_false_afterwards(
    config: LauncherConfig,
) -> None:
    with launch_product(PRODUCT, launch_mode=MODE, config=config) as instance:
        assert instance.check(timeout=5)
    assert not instance.check(timeout=1)


def test_the_products_output_goes_to_a_log_file_named_in_the_log(
    config: LauncherConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=launcher_module.__name__)
    launcher = Launcher(config=config)
    launcher.start()
    fetch(launcher.urls["main"] + "/hello.txt")
    launcher.stop()
    assert launcher.log_path is not None
    assert launcher.log_path in caplog.text
    assert "GET /hello.txt" in Path(launcher.log_path).read_text(encoding="utf-8")
{%- if config.directory %}


def test_a_missing_directory_fails_the_start_with_a_message_naming_it(
    config: LauncherConfig, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"
    config.directory = str(missing)
    with pytest.raises(LaunchError, match=re.escape(repr(str(missing)))):
        launch_product(PRODUCT, launch_mode=MODE, config=config)
{%- endif %}


def test_a_product_that_fails_to_start_raises_its_exit_code_and_leaves_nothing_running(
    config: LauncherConfig,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    command = python_command("import sys; print('cannot start: licence missing'); sys.exit(3)")
    monkeypatch.setattr(launcher_module, "product_command", lambda config: command)
    with pytest.raises(LaunchError, match="exited with code 3") as raised:
        launch_product(PRODUCT, launch_mode=MODE, config=config)
    assert "cannot start: licence missing" in str(raised.value)
    assert all(process.returncode is not None for process in spawned)


def test_a_product_that_never_reports_its_port_is_stopped_after_the_startup_timeout(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = python_command("import time; time.sleep(60)")
    monkeypatch.setattr(launcher_module, "product_command", lambda config: command)
    monkeypatch.setattr(launcher_module, "STARTUP_TIMEOUT", 0.5)
    began = time.monotonic()
    with pytest.raises(LaunchError, match="did not report where it listens"):
        Launcher(config=config).start()
    assert time.monotonic() - began < 5


def test_stop_after_a_failed_start_is_harmless(
    config: LauncherConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = python_command("raise SystemExit(1)")
    monkeypatch.setattr(launcher_module, "product_command", lambda config: command)
    launcher = Launcher(config=config)
    with pytest.raises(LaunchError):
        launcher.start()
    launcher.stop()
    launcher.stop()
    assert not launcher.check(timeout=1)


@posix_only
def test_check_returns_within_its_timeout_when_the_product_hangs(
    config: LauncherConfig, spawned: list[subprocess.Popen[bytes]]
) -> None:
    import signal

    launcher = Launcher(config=config)
    launcher.start()
    spawned[0].send_signal(signal.SIGSTOP)  # still accepts connections, never answers
    try:
        began = time.monotonic()
        assert not launcher.check(timeout=0.5)
        assert time.monotonic() - began < 3
    finally:
        spawned[0].send_signal(signal.SIGCONT)
        launcher.stop()


def test_the_http_check_gives_up_on_a_server_that_accepts_but_never_answers() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        began = time.monotonic()
        assert not launcher_module.answers_http(f"http://127.0.0.1:{port}", 0.5)
        assert time.monotonic() - began < 3


def test_thirty_concurrent_launches_all_get_working_servers(config: LauncherConfig) -> None:
    with ThreadPoolExecutor(max_workers=30) as pool:
        instances = list(
            pool.map(lambda _: launch_product(PRODUCT, launch_mode=MODE, config=config), range(30))
        )
    try:
        urls = {instance.urls["main"] for instance in instances}
        assert len(urls) == 30
        for url in urls:
            assert fetch(url + "/hello.txt").text == "hello from the test"
    finally:
        for instance in instances:
            instance.stop()
