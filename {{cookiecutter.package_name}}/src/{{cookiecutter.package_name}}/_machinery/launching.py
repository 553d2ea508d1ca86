"""What a launcher that runs the product as a child process does whatever the protocol.

``ProcessLauncher`` refuses a second start of a running product, gives the start its deadline,
starts the product again on another port when another process took the one it was told
(``ports.start_on_free_port``), stops it whatever happened, keeps its log
(``ProductProcess.log_path``), and replaces a watchdog that ended when ``check()`` asks whether
the product runs. A launcher adds what its protocol needs: what to check before anything starts
(``_prepare``), one start and its readiness probe (``_start_once``), and where clients connect.
"""

from __future__ import annotations

import abc
import time
from typing import TYPE_CHECKING

from ..errors import LaunchError
from .placeholders import placeholders
from .ports import release_port, reserve_port, start_on_free_port
from .process import ProductProcess

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["ProcessLauncher"]


class ProcessLauncher(abc.ABC):
    """The product run as a child process of this one: ``_start`` it, ``stop()`` it, as often as
    needed."""

    def __init__(self, name: str) -> None:
        """Name the product; the name prefixes its log files and error messages."""
        self._name = name
        self._process = ProductProcess(name)
        self._companions: dict[str, ProductProcess] = {}
        self._other_ports: list[int] = []

    @property
    def log_path(self) -> str | None:
        """File with the product's output of the last start; kept after stop."""
        return self._process.log_path

    @property
    def log_paths(self) -> dict[str, str]:
        """Files with the output of each process of the last start: ``main`` (``log_path``) and
        each server with a command of its own; kept after stop."""
        paths = {"main": self._process.log_path}
        paths.update((name, process.log_path) for name, process in self._companions.items())
        return {name: path for name, path in paths.items() if path is not None}

    def _start(self, timeout: float, *, host: str, attempts: int) -> None:
        """Start the product and return once ``_start_once`` finds it ready.

        Refused while the product runs (it keeps running). Else ``_prepare`` checks what it can
        before anything starts, and ``_start_once`` starts the product, by ``timeout`` seconds
        from now. A product told its port on ``host`` that exits during start-up while another
        process holds that port is started again on another port, ``attempts`` times in all.
        A start that fails leaves nothing running: it raises ``LaunchError`` after ``stop()``.
        """
        if any(process.running for process in self._processes()):
            raise LaunchError(f"{self._name} is already started (log: {self.log_path})")
        deadline = time.monotonic() + timeout
        tells_port = self._prepare()
        start_on_free_port(
            lambda port: self._start_once(port, deadline),
            self.stop,
            lambda: any(process.exited for process in self._processes()),
            tells_port=tells_port,
            host=host,
            attempts=attempts,
            other_ports=lambda: self._other_ports,
        )

    def _per_launch(
        self, templates: Sequence[str], host: str, config: object = None
    ) -> dict[str, str]:
        """Return the values of ``{work_dir}``, ``{token}`` and each ``{port:NAME}`` that
        ``templates`` (the command and environment) name, for one start: a new private folder,
        the product's working folder, removed at ``stop()`` (and if this process ends without
        it) unless the field of ``config`` with the role ``keep_work_dir`` is true; a new random
        secret; a free port on ``host`` per name, held until ``stop()``."""
        import secrets

        from .fields import field_with_role
        from .places import temporary_folder

        keep = field_with_role(config, "keep_work_dir") if config is not None else None
        if keep is not None and getattr(config, keep) is True:
            import logging
            import tempfile

            work_dir = tempfile.mkdtemp(prefix=f"{self._name}-work-", dir=temporary_folder())
            logging.getLogger(__name__).info("%s keeps its work folder %s", self._name, work_dir)
        else:
            work_dir = self._process.private_folder(temporary_folder(), f"{self._name}-work-")
        values = {"work_dir": work_dir, "token": secrets.token_urlsafe(24)}
        named = {name for template in templates for name in placeholders(template)}
        for name in sorted(name for name in named if name.startswith("port:")):
            port = reserve_port(host)
            self._other_ports.append(port)
            values[name] = str(port)
        return values

    def _processes(self) -> list[ProductProcess]:
        """Return the product's processes: the main one, then those of servers with a command of
        their own (see ``_companion``)."""
        return [self._process, *self._companions.values()]

    def _companion(self, server: str) -> ProductProcess:
        """Return the process of ``server``, a server with a command of its own: its own log and
        watchdog, stopped with the main process."""
        if server not in self._companions:
            self._companions[server] = ProductProcess(f"{self._name}-{server}")
        return self._companions[server]

    def _server_process(self, server: str) -> ProductProcess:
        """Return the process that serves ``server``: its own, or the main process."""
        return self._companions.get(server, self._process)

    def _server_ports(self, servers: Sequence[str], host: str) -> dict[str, str]:
        """Return ``{port:NAME}`` for each of ``servers``: a free port on ``host``, held until
        ``stop()``."""
        values = {}
        for server in servers:
            port = reserve_port(host)
            self._other_ports.append(port)
            values[f"port:{server}"] = str(port)
        return values

    @abc.abstractmethod
    def _prepare(self) -> bool:
        """Raise ``LaunchError`` for what cannot work, before anything starts; return whether
        the product is told its TCP port (``{port}``)."""

    @abc.abstractmethod
    def _start_once(self, port: int | None, deadline: float) -> None:
        """Start the product once (on ``port``, if it is told one) and return once it is ready,
        by ``deadline`` (a ``time.monotonic()`` value); raise ``LaunchError`` if it is not."""

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop the product: terminate, then kill after ``timeout`` seconds; always reap it.

        Safe to call more than once, after the product crashed and after a failed start.
        """
        for process in reversed(self._processes()):
            process.stop(timeout)
        for port in self._other_ports:
            release_port(port)
        self._other_ports = []

    def _watched(self) -> bool:
        """Return whether the product runs, each of its processes; while it does, a watchdog that
        ended is replaced by another (with a warning), so that ``check()`` repairs what it
        finds."""
        processes = self._processes()
        if not all(process.running for process in processes):
            return False
        for process in processes:
            process.ensure_watched()
        return True
