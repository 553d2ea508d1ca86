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

from {{ cookiecutter.__launcher_module }}.interface import (
    METADATA_KEY_DOC,
{%- if config.noprompt %}
    METADATA_KEY_NOPROMPT,
{%- endif %}
    LauncherProtocol,
    ServerType,
)

from .process import LaunchError, ProductProcess

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "answers_http", "product_command"]

PRODUCT_NAME = "{{ cookiecutter.product_name }}"
HOST = "127.0.0.1"
"""Address the product listens on: loopback only, never the network."""
STARTUP_TIMEOUT = 30.0
"""Seconds ``start()`` waits for the product to answer before it gives up."""
CHECK_TIMEOUT = 5.0
"""Seconds ``check()`` waits when it is called without a timeout."""

_LOGGER = logging.getLogger(__name__)


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
        self._process = ProductProcess(PRODUCT_NAME)
        self._url: str | None = None

    @property
    def log_path(self) -> str | None:
        """File with the product's output of the last start; kept after stop."""
        return self._process.log_path

    def start(self) -> None:
        """Start the product and return once it answers requests.

        Raises
        ------
        LaunchError
            If the configuration is invalid, or the product exits or does not answer within
            ``STARTUP_TIMEOUT`` seconds. Nothing is left running in that case.
        """
        command = product_command(self._config)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        self._process.start(command)
        try:
            port = int(self._process.wait_for_output(LISTENING_PATTERN, deadline).group(1))
            self._url = url = f"http://{HOST}:{port}"
            while not answers_http(url, max(deadline - time.monotonic(), 0.01)):
                self._process.fail_if_exited()
                if time.monotonic() > deadline:
                    raise self._process.error(f"did not answer on {url} before the startup timeout")
                time.sleep(0.01)
        except BaseException:
            self.stop()
            raise
        _LOGGER.info("%s serves %s; its output goes to %s", PRODUCT_NAME, url, self.log_path)

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop the product: terminate, then kill after ``timeout`` seconds; always reap it.

        Safe to call more than once, after the product crashed and after a failed start.
        """
        self._process.stop(timeout)

    def check(self, *, timeout: float | None = None) -> bool:
        """Return whether the product answers an HTTP request within ``timeout`` seconds."""
        if not self._process.running or self._url is None:
            return False
        return answers_http(self._url, CHECK_TIMEOUT if timeout is None else timeout)

    @property
    def urls(self) -> dict[str, str]:
        """Full URL of the server, usable as is: ``{"main": "http://127.0.0.1:PORT"}``."""
        if self._url is None:
            raise LaunchError(f"{PRODUCT_NAME} is not started")
        return {"main": self._url}


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
