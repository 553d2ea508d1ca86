"""Run the product as a child process: output in a log file, a bounded start, a sure stop.

Shared by the launchers of this package; nothing here depends on how the product is reached.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re
    import subprocess
    from collections.abc import Callable, Sequence

__all__ = ["LaunchError", "ProductProcess"]

STOP_TIMEOUT = 5.0
"""Seconds ``stop()`` waits after asking the product to end, before it kills it."""
LOG_LINES_IN_ERRORS = 20
"""How many of the product's last output lines an error message quotes."""


def child_environment(environment: dict[str, str], unset: Sequence[str]) -> dict[str, str]:
    """Return this process's environment, with ``environment`` added and ``unset`` removed."""
    child = {**os.environ, "PYTHONUNBUFFERED": "1", **environment}
    for name in unset:
        child.pop(name, None)
    return child


class LaunchError(RuntimeError):
    """The product could not be started or reached; the message names the cause."""


class ProductProcess:
    """One run of the product at a time: ``start()`` it, then ``stop()`` it, as often as needed."""

    def __init__(self, name: str) -> None:
        """Name the product; the name prefixes its log files and error messages."""
        self.name = name
        self.log_path: str | None = None
        """File with the product's output (stdout and stderr) of the last start; kept after stop."""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the product was started and has not exited."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """Process id of the product, while it is started."""
        return None if self._process is None else self._process.pid

    @property
    def exited(self) -> bool:
        """Whether the product was started and has exited since."""
        return self._process is not None and self._process.poll() is not None

    def start(
        self,
        command: list[str],
        environment: dict[str, str] | None = None,
        unset: Sequence[str] = (),
    ) -> None:
        """Start ``command`` (no shell), its output going to a new log file.

        The product gets this process's environment with ``environment`` added and the
        variables ``unset`` removed. Raises ``LaunchError`` if the program cannot be run; no log
        file is left in that case.
        """
        import subprocess
        import tempfile

        if self._process is not None:
            raise LaunchError(f"{self.name} is already started (log: {self.log_path})")
        log_fd, self.log_path = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")
        try:
            with open(log_fd, "wb") as log:
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=child_environment(environment or {}, unset),
                )
        except (OSError, ValueError) as error:  # ValueError: a NUL character in an argument
            os.remove(self.log_path)
            self.log_path = None
            raise LaunchError(f"{self.name} cannot be run as {command[0]!r}: {error}") from error

    def wait_for_output(self, pattern: bytes, deadline: float) -> re.Match[bytes]:
        """Return the first match of ``pattern`` in the product's output.

        Raises ``LaunchError`` if the product exits first, or at ``deadline``
        (a ``time.monotonic()`` value).
        """
        import re

        compiled = re.compile(pattern)
        found: list[re.Match[bytes]] = []

        def reported() -> bool:
            match = compiled.search(self._read_log())
            found.extend([match] if match else [])
            return match is not None

        self.wait_until(reported, deadline, "did not report where it listens")
        return found[0]

    def wait_until(self, ready: Callable[[], bool], deadline: float, what: str) -> None:
        """Return once ``ready()`` is true, asking every 1 to 5 ms.

        Raises ``LaunchError`` if the product exits first, or, saying that it ``what``, at
        ``deadline`` (a ``time.monotonic()`` value).
        """
        pause = 0.001
        while not ready():
            self.fail_if_exited()
            if time.monotonic() > deadline:
                raise self.error(f"{what} before the startup timeout")
            time.sleep(pause)
            pause = min(pause * 2, 0.005)
        self.fail_if_exited()

    def fail_if_exited(self) -> None:
        """Raise ``LaunchError`` with the exit code and output if the product has exited."""
        code = None if self._process is None else self._process.poll()
        if code is not None:
            raise self.error(f"exited with code {code} during start-up")

    def error(self, what: str) -> LaunchError:
        """Return a ``LaunchError`` saying ``what`` happened, with the last lines of output."""
        lines = self._read_log().decode("utf-8", errors="replace").splitlines()
        tail = "\n".join(lines[-LOG_LINES_IN_ERRORS:])
        return LaunchError(
            f"{self.name} {what}. Last lines of its output ({self.log_path}):\n{tail}"
        )

    def stop(self, timeout: float | None = None) -> None:
        """Terminate the product, kill it after ``timeout`` seconds, and always reap it.

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
            import logging

            logging.getLogger(__name__).warning("%s (pid %d) ignored kill", self.name, process.pid)

    def _read_log(self) -> bytes:
        if self.log_path is None:
            return b""
        with open(self.log_path, "rb") as log:
            return log.read()
