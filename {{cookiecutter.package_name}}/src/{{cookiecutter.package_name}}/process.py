"""Run the product as a child process: output in a log file, a bounded start, a sure stop.

Shared by the launchers of this package; nothing here depends on how the product is reached.
The product never outlives the Python process that launched it: see ``watchdog.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import weakref
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import re
    import subprocess
    from collections.abc import Callable, Sequence
    from typing import IO

from . import logs, watchdog
from .errors import LaunchError

__all__ = ["LaunchError", "ProductProcess"]

STOP_TIMEOUT = 5.0
"""Seconds ``stop()`` waits after asking the product to end, before it kills it."""
LOG_LINES_IN_ERRORS = 20
"""How many of the product's last output lines an error message quotes."""
SOON, SOON_PAUSE, LATER_PAUSE = 1.0, 0.005, 0.05
"""While a start waits, it asks whether the product is ready at most every ``SOON_PAUSE`` s
during the first ``SOON`` s, and every ``LATER_PAUSE`` s after that."""


def child_environment(environment: dict[str, str], unset: Sequence[str]) -> dict[str, str]:
    """Return this process's environment, with ``environment`` added and ``unset`` removed."""
    child = {**os.environ, "PYTHONUNBUFFERED": "1", **environment}
    for name in unset:
        child.pop(name, None)
    return child


class ProductProcess:
    """One run of the product at a time: ``start()`` it, then ``stop()`` it, as often as needed."""

    def __init__(self, name: str) -> None:
        """Name the product; the name prefixes its log files and error messages."""
        self.name = name
        self.log_path: str | None = None
        """File with the product's output (stdout and stderr) of the last start; kept after stop."""
        self._process: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._job: int | None = None
        self._log: BinaryIO | None = None

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
        cleanup: Sequence[str] = (),
    ) -> None:
        """Start ``command`` (no shell), its output going to a new log file.

        The product gets this process's environment with ``environment`` added and the
        variables ``unset`` removed. It runs in a process group of its own (a job object on
        Windows), watched by ``watchdog.py``: if this process ends without ``stop()``, the
        product and the processes it started end too, and the folders ``cleanup`` are removed.
        Raises ``LaunchError`` if the program cannot be run; no log file is left in that case.
        """
        import subprocess

        if self._process is not None:
            raise LaunchError(f"{self.name} is already started (log: {self.log_path})")
        log_fd, self.log_path = logs.new_log(self.name)
        self._log = open(log_fd, "wb")  # noqa: SIM115 - kept open, and locked, until stop()
        # The watchdog runs before the product does, so that no moment is left unwatched.
        self._watchdog = _watchdog(cleanup)
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=child_environment(environment or {}, unset),
                start_new_session=sys.platform != "win32",
            )
        except (OSError, ValueError) as error:  # ValueError: a NUL character in an argument
            self._end_watch()
            self._log.close()
            self._log = None
            os.remove(self.log_path)
            self.log_path = None
            raise LaunchError(f"{self.name} cannot be run as {command[0]!r}: {error}") from error
        if sys.platform == "win32":
            self._job = _kill_on_close_job(self._process.pid)
        _tell(self._watchdog, f"{self._process.pid}\n".encode())

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
        """Return once ``ready()`` is true, asking every 1 to 5 ms during the first second and
        every 50 ms after that, so that a product that takes long to start is not flooded.

        Raises ``LaunchError`` if the product exits first, or, saying that it ``what``, at
        ``deadline`` (a ``time.monotonic()`` value).
        """
        began = time.monotonic()
        pause = 0.001
        while not ready():
            self.fail_if_exited()
            now = time.monotonic()
            if now > deadline:
                raise self.error(f"{what} before the startup timeout")
            time.sleep(pause)
            pause = min(pause * 2, SOON_PAUSE if now - began < SOON else LATER_PAUSE)
        self.fail_if_exited()

    def fail_if_exited(self) -> None:
        """Raise ``LaunchError`` with the exit code and output if the product has exited."""
        code = None if self._process is None else self._process.poll()
        if code is not None:
            raise self.error(f"exited with code {code} during start-up")

    def error(self, what: str) -> LaunchError:
        """Return a ``LaunchError`` saying ``what`` happened, with the last lines of output.

        If the product printed nothing, the message says so instead; if it has exited too, its
        empty log is removed (``log_path`` becomes ``None``).
        """
        output = self._read_log()
        if output:
            lines = output.decode("utf-8", errors="replace").splitlines()
            tail = "\n".join(lines[-LOG_LINES_IN_ERRORS:])
            return LaunchError(
                f"{self.name} {what}. Last lines of its output ({self.log_path}):\n{tail}"
            )
        if self.exited and self.log_path is not None:
            if self._log is not None:  # Windows removes no open file
                self._log.close()
                self._log = None
            try:
                os.remove(self.log_path)
            except OSError:  # still open in a process the product started (Windows)
                pass
            else:
                self.log_path = None
                return LaunchError(f"{self.name} {what}. It printed nothing.")
        return LaunchError(f"{self.name} {what}. It printed nothing (log: {self.log_path}).")

    def stop(self, timeout: float | None = None) -> None:
        """Terminate the product, kill it after ``timeout`` seconds, and always reap it.

        The signals go to the product's process group, so the processes it started end too.
        Safe to call more than once, after the product crashed and after a failed start.
        """
        import subprocess

        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            _signal(process, kill=False)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT if timeout is None else timeout)
        # What the product started may outlive it: the whole group ends here.
        _signal(process, kill=True)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            import logging

            logging.getLogger(__name__).warning("%s (pid %d) ignored kill", self.name, process.pid)
        if self._job is not None:
            _close_handle(self._job)  # ends what the product left running
            self._job = None
        self._end_watch()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _end_watch(self) -> None:
        """Tell the watchdog that the product is stopped, and reap it."""
        import subprocess

        guard, self._watchdog = self._watchdog, None
        if guard is None:
            return
        _tell(guard, watchdog.STOP)
        if guard.stdin is not None:
            with contextlib.suppress(OSError):
                guard.stdin.close()
        try:
            guard.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait()

    def _read_log(self) -> bytes:
        if self.log_path is None:
            return b""
        try:
            with open(self.log_path, "rb") as log:
                return log.read()
        except OSError:  # removed by hand meanwhile
            return b""


def _watchdog(cleanup: Sequence[str]) -> subprocess.Popen[bytes] | None:
    """Start ``watchdog.py``, which removes the folders ``cleanup`` and ends the product whose
    pid it is then told (see ``_tell``) if this process ends without ``stop()``.

    It runs in a session (a process group on Windows) of its own, so a signal meant for this
    process's terminal does not reach it.
    """
    import subprocess

    try:
        guard = subprocess.Popen(
            [sys.executable, "-I", "-S", watchdog.__file__, *cleanup],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=sys.platform != "win32",
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
    except OSError as error:
        import logging

        logging.getLogger(__name__).warning("no watchdog (%s): the product may outlive us", error)
        return None
    if guard.stdin is not None:
        _PIPES.add(guard.stdin)
    return guard


_PIPES: weakref.WeakSet[IO[bytes]] = weakref.WeakSet()
"""The launcher's ends of the watchdogs' pipes, closed in a child made by ``os.fork``: a pipe that
a child kept open would hide the end of this process from its watchdog."""


def _close_pipes_in_child() -> None:
    for pipe in list(_PIPES):
        with contextlib.suppress(OSError):
            pipe.close()


if sys.platform != "win32":
    os.register_at_fork(after_in_child=_close_pipes_in_child)


def _tell(guard: subprocess.Popen[bytes] | None, message: bytes) -> None:
    """Write ``message`` to the watchdog ``guard``; nothing if it has ended."""
    if guard is not None and guard.stdin is not None:
        with contextlib.suppress(OSError, ValueError):  # ValueError: the pipe is closed
            guard.stdin.write(message)
            guard.stdin.flush()


def _signal(process: subprocess.Popen[bytes], *, kill: bool) -> None:
    """Ask the product's process group to end (``kill``: force it), or the process on Windows."""
    if sys.platform == "win32":
        if kill:
            process.kill()
        else:
            process.terminate()
        return
    import signal

    with contextlib.suppress(OSError):  # the group is gone: the process has exited
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)


def _kill_on_close_job(pid: int) -> int | None:
    """Put the process ``pid`` in a new Windows job object that ends all its processes when its
    last handle closes (at ``stop()``, or when this process ends); return the handle."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    class _IoCounters(ctypes.Structure):
        _fields_ = tuple(
            (name, ctypes.c_ulonglong)
            for name in ("reads", "writes", "others", "read_bytes", "written_bytes", "other_bytes")
        )

    class _BasicLimits(ctypes.Structure):
        _fields_ = (
            ("per_process_user_time", ctypes.c_int64),
            ("per_job_user_time", ctypes.c_int64),
            ("limit_flags", wintypes.DWORD),
            ("minimum_working_set", ctypes.c_size_t),
            ("maximum_working_set", ctypes.c_size_t),
            ("active_processes", wintypes.DWORD),
            ("affinity", ctypes.c_size_t),
            ("priority_class", wintypes.DWORD),
            ("scheduling_class", wintypes.DWORD),
        )

    class _ExtendedLimits(ctypes.Structure):
        _fields_ = (
            ("basic", _BasicLimits),
            ("io", _IoCounters),
            ("process_memory", ctypes.c_size_t),
            ("job_memory", ctypes.c_size_t),
            ("peak_process_memory", ctypes.c_size_t),
            ("peak_job_memory", ctypes.c_size_t),
        )

    kernel32 = _kernel32()
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return None
    limits = _ExtendedLimits()
    limits.basic.limit_flags = 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    process = kernel32.OpenProcess(0x0101, False, pid)  # PROCESS_SET_QUOTA | PROCESS_TERMINATE
    assigned = bool(
        process
        and kernel32.SetInformationJobObject(
            job, 9, ctypes.byref(limits), ctypes.sizeof(limits)
        )  # JobObjectExtendedLimitInformation
        and kernel32.AssignProcessToJobObject(job, process)
    )
    if process:
        kernel32.CloseHandle(process)
    if not assigned:
        kernel32.CloseHandle(job)
        return None
    return int(job)


def _close_handle(handle: int) -> None:
    """Close a Windows handle."""
    if sys.platform == "win32":
        _kernel32().CloseHandle(handle)


def _kernel32() -> Any:
    """Return Windows' kernel32 with the signatures of the functions used here."""
    if sys.platform != "win32":
        raise OSError("kernel32 is a Windows library")
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, ctypes.c_wchar_p)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.SetInformationJobObject.argtypes = (
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    )
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    return kernel32
