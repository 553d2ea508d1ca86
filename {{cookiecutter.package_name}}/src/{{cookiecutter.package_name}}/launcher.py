{%- set config = cookiecutter.config_fields | config_model -%}
"""Start, check and stop {{ cookiecutter.product_name }} for the Ansys Local Product Launcher.

The launcher registers as the ``{{ cookiecutter.product_name }}.{{ cookiecutter.launch_mode }}`` entry point
{%- if cookiecutter.register_fallback %}
(and as ``{{ cookiecutter.product_name }}.__fallback__``, used when nothing is configured)
{%- endif %}.
The ``ansys-launcher`` command imports every installed plugin on each call, so this module
imports only what it needs to define the classes; the rest is imported where it is used.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from types import MappingProxyType
from typing import TYPE_CHECKING

from {{ cookiecutter.__launcher_module }}.interface import (
    METADATA_KEY_DOC,
{%- if config.noprompt %}
    METADATA_KEY_NOPROMPT,
{%- endif %}
    LauncherProtocol,
    ServerType,
)

if TYPE_CHECKING:
    import subprocess

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "answers_http", "product_command"]

PRODUCT_NAME = "{{ cookiecutter.product_name }}"
HOST = "127.0.0.1"
"""Address the product listens on: loopback only, never the network."""
STARTUP_TIMEOUT = 30.0
"""Seconds ``start()`` waits for the product to answer before it gives up."""
CHECK_TIMEOUT = 5.0
"""Seconds ``check()`` waits when it is called without a timeout."""
STOP_TIMEOUT = 5.0
"""Seconds ``stop()`` waits after asking the product to end, before it kills it."""
LOG_LINES_IN_ERRORS = 20
"""How many of the product's last output lines an error message quotes."""

_LOGGER = logging.getLogger(__name__)


class LaunchError(RuntimeError):
    """The product could not be started; the message names the cause."""


@dataclasses.dataclass(kw_only=True)
class LauncherConfig:
    """Options of the ``{{ cookiecutter.product_name }}`` launcher, set with ``ansys-launcher configure``."""
{%- for field in config.fields %}

    {{ field.name }}: {{ field.type }} = dataclasses.field(
{%- if field.default is not none %}
        default={{ field.default }},
{%- endif %}
        metadata={
            METADATA_KEY_DOC: {{ field.description }},
{%- if not field.prompt %}
            METADATA_KEY_NOPROMPT: True,
{%- endif %}
        },
    )
{%- endfor %}


PRODUCT_COMMAND = [
{%- for argument in cookiecutter.product_command | command_literals %}
    {{ argument }},
{%- endfor %}
]
"""The product's command line, one argument per item; no shell is involved.

``{name}`` is replaced by the config field ``name``, ``{python}`` by this Python interpreter and
``{host}`` by ``HOST``. To launch another product, change this list, and ``LISTENING_PATTERN``
if the product reports its port differently. The product must listen on ``HOST`` only, pick a
free port itself (port ``0``) and print that port, so that no other process can take it first.
"""

LISTENING_PATTERN = rb"Serving HTTP on \S+ port (\d+)"
"""Regular expression that finds the port in the product's output (group 1)."""


def product_command(config: LauncherConfig) -> list[str]:
    """Return the command line that starts the product with ``config``."""
    values: dict[str, object] = {"python": sys.executable, "host": HOST}
    values.update((field.name, getattr(config, field.name)) for field in dataclasses.fields(config))
{%- if config.directory %}
    values["directory"] = existing_directory(config.directory)
{%- endif %}
    return [argument.format_map(values) for argument in PRODUCT_COMMAND]
{%- if config.directory %}


def existing_directory(directory: str) -> str:
    """Return ``directory`` as an absolute path; empty means the current folder, now."""
    path = os.path.abspath(directory or os.getcwd())
    if not os.path.isdir(path):
        raise LaunchError(
            f"directory {path!r} does not exist or is not a folder; configure an existing one"
            f" with: ansys-launcher configure {PRODUCT_NAME} {{ cookiecutter.launch_mode }} --directory=PATH"
        )
    return path
{%- endif %}


class Launcher(LauncherProtocol[LauncherConfig]):
    """Runs the product as a child process and talks to it over HTTP on loopback."""

    CONFIG_MODEL = LauncherConfig
    SERVER_SPEC = MappingProxyType({"main": ServerType.GENERIC})

    def __init__(self, *, config: LauncherConfig) -> None:
        """Keep the configuration; nothing starts before ``start()``."""
        self._config = config
        self._process: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self.log_path: str | None = None  # the product's output; kept after stop

    def start(self) -> None:
        """Start the product and return once it answers requests.

        Raises
        ------
        LaunchError
            If the configuration is invalid, or the product exits or does not answer within
            ``STARTUP_TIMEOUT`` seconds. Nothing is left running in that case.
        """
        import subprocess
        import tempfile

        if self._process is not None:
            raise LaunchError(f"{PRODUCT_NAME} is already started (log: {self.log_path})")
        command = product_command(self._config)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        log_fd, log_path = tempfile.mkstemp(prefix=f"{PRODUCT_NAME}-", suffix=".log")
        self.log_path = log_path
        with open(log_fd, "wb") as log:
            self._process = process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            port = _wait_for_port(process, log_path, deadline)
            self._url = url = f"http://{HOST}:{port}"
            while not answers_http(url, max(deadline - time.monotonic(), 0.01)):
                _fail_if_exited(process, log_path)
                if time.monotonic() > deadline:
                    raise _error(f"did not answer on {url} within {STARTUP_TIMEOUT:g} s", log_path)
                time.sleep(0.01)
        except BaseException:
            self.stop()
            raise
        _LOGGER.info(
            "%s (pid %d) serves %s; output in %s", PRODUCT_NAME, process.pid, url, log_path
        )

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop the product: terminate, then kill after ``timeout`` seconds; always reap it.

        Safe to call more than once, after the product crashed and after a failed start.
        """
        import subprocess

        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _LOGGER.warning("%s (pid %d) did not exit after kill", PRODUCT_NAME, process.pid)

    def check(self, *, timeout: float | None = None) -> bool:
        """Return whether the product answers an HTTP request within ``timeout`` seconds."""
        if self._process is None or self._process.poll() is not None or self._url is None:
            return False
        return answers_http(self._url, CHECK_TIMEOUT if timeout is None else timeout)

    @property
    def urls(self) -> dict[str, str]:
        """Full URL of the server, usable as is: ``{"main": "http://127.0.0.1:PORT"}``."""
        if self._url is None:
            raise LaunchError(f"{PRODUCT_NAME} is not started")
        return {"main": self._url}


def _wait_for_port(process: subprocess.Popen[bytes], log_path: str, deadline: float) -> int:
    """Read the product's output until it reports its port; fail if it exits or stalls."""
    import re

    pattern = re.compile(LISTENING_PATTERN)
    pause = 0.001
    while True:
        with open(log_path, "rb") as log:
            found = pattern.search(log.read())
        if found:
            return int(found.group(1))
        _fail_if_exited(process, log_path)
        if time.monotonic() > deadline:
            raise _error(f"did not report a port within {STARTUP_TIMEOUT:g} s", log_path)
        time.sleep(pause)
        pause = min(pause * 2, 0.005)


def _fail_if_exited(process: subprocess.Popen[bytes], log_path: str) -> None:
    code = process.poll()
    if code is not None:
        raise _error(f"exited with code {code} during start-up", log_path)


def _error(what: str, log_path: str) -> LaunchError:
    with open(log_path, encoding="utf-8", errors="replace") as log:
        tail = "".join(log.readlines()[-LOG_LINES_IN_ERRORS:])
    return LaunchError(f"{PRODUCT_NAME} {what}. Last lines of its output ({log_path}):\n{tail}")


def answers_http(url: str, timeout: float) -> bool:
    """Return whether ``url`` answers an HTTP request with a status below 500 in ``timeout`` s.

    The timeout bounds both connecting and waiting for the answer, so a server that accepts
    connections but never answers does not hang the caller. Proxy settings from the
    environment are ignored: the product runs on this machine.
    """
    import requests

    timeout = max(timeout, 0.001)
    with requests.Session() as session:
        session.trust_env = False
        try:
            response = session.head(url, timeout=(timeout, timeout), allow_redirects=False)
        except requests.RequestException:
            return False
    return response.status_code < 500
