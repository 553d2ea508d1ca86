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

from ..errors import LaunchError
from . import logs, watchdog

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
    """One run of the product at a time: ``start()`` it, then ``stop()`` it, as often as needed.

    A watchdog (``watchdog.py``) runs from before the product exists, or any folder of the launch,
    until ``stop()``: if this process ends without ``stop()``, the product, the processes it
    started and the launch's folders end with it.
    """

    def __init__(self, name: str) -> None:
        """Name the product; the name prefixes its log files and error messages."""
        self.name = name
        self.log_path: str | None = None
        """File with the product's output (stdout and stderr) of the last start; kept after stop."""
        self._process: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._group: int | None = None
        self._folders: list[str] = []
        self._cleanups: list[bytes] = []
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
    def group(self) -> int | None:
        """The process group the product runs in (POSIX), while it is started: the watchdog's."""
        return None if self._process is None else self._group

    @property
    def exited(self) -> bool:
        """Whether the product was started and has exited since."""
        return self._process is not None and self._process.poll() is not None

    def private_folder(self, parent: str, prefix: str) -> str:
        """Create a new folder in ``parent`` that only this user can use; return its path.

        The watchdog is told the folder before it is created, so it is removed at ``stop()``, and
        also if this process ends without ``stop()`` at any moment after this call begins.
        """
        import secrets

        self._watch()
        for _ in range(100):
            path = os.path.join(parent, prefix + secrets.token_hex(4))
            self._folders.append(path)
            _tell(self._watchdog, b"%s %s\n" % (watchdog.FOLDER, os.fsencode(path)))
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                self._folders.remove(path)
                continue
            except OSError as error:
                self._folders.remove(path)
                raise LaunchError(f"cannot create a folder in {parent!r}: {error}") from error
            return path
        raise LaunchError(f"cannot create a new folder in {parent!r}: every name tried exists")

    def on_end(self, command: list[str]) -> None:
        """Have ``command`` run when this launch ends: at ``stop()``, and also if this process
        ends without ``stop()`` (the watchdog runs it, within ``watchdog.CLEANUP_TIMEOUT``).

        For what runs outside this machine's process tree (a container, a cluster job): tell it
        *before* that thing is created, so that no moment leaves it behind.
        """
        import json

        self._watch()
        line = json.dumps(command).encode()
        self._cleanups.append(line)
        _tell(self._watchdog, b"%s %s\n" % (watchdog.CLEANUP, line))

    def start(
        self,
        command: list[str],
        environment: dict[str, str] | None = None,
        unset: Sequence[str] = (),
        cwd: str | None = None,
    ) -> None:
        """Start ``command`` (no shell) in the folder ``cwd`` (this process's current folder
        if None), its output going to a new log file.

        The product gets this process's environment with ``environment`` added and the
        variables ``unset`` removed. It runs in the process group of its watchdog (a job object
        on Windows): if this process ends without ``stop()``, the product and the processes it
        started end too, and the launch's folders are removed (see ``private_folder``).
        Raises ``LaunchError`` if the program cannot be run; no log file is left in that case.
        """
        import subprocess

        if self._process is not None:
            raise LaunchError(f"{self.name} is already started (log: {self.log_path})")
        log_fd, self.log_path = logs.new_log(self.name)
        self._log = open(log_fd, "wb")  # noqa: SIM115 - kept open, and locked, until stop()
        self._watch()
        options: dict[str, Any] = {}
        if sys.platform == "win32":
            options["creationflags"] = 0x4  # CREATE_SUSPENDED: resumed once in the job object
        elif sys.version_info >= (3, 11):
            options["process_group"] = self._group or 0
        try:
            if sys.platform != "win32" and sys.version_info < (3, 11):
                command, options["pass_fds"] = _joining(command, self._group, self._watchdog)
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=child_environment(environment or {}, unset),
                cwd=cwd,
                **options,
            )
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            # ValueError: a NUL character in an argument; SubprocessError: the group is gone
            self._log.close()
            self._log = None
            os.remove(self.log_path)
            self.log_path = None
            self.stop()
            raise LaunchError(f"{self.name} cannot be run as {command[0]!r}: {error}") from error
        if self._group is None and sys.platform != "win32":
            self._group = self._process.pid  # no watchdog: a group of its own
        if sys.platform != "win32" and sys.version_info < (3, 11):
            _joined(self._process, self._group)
        _tell(self._watchdog, b"%s %d\n" % (watchdog.PID, self._process.pid))
        if sys.platform == "win32":
            self._job = _kill_on_close_job(self._process.pid)
            _resume(self._process.pid)

    def ensure_watched(self) -> bool:
        """Return whether the running product is watched; if its watchdog has ended, log a
        warning and start another that takes over the product, its group and its folders."""
        if not self.running:
            return True
        if self._watchdog is not None and self._watchdog.poll() is None:
            return True
        import logging

        if self._watchdog is not None:
            logging.getLogger(__name__).warning(
                "the watchdog of %s (pid %d) ended with code %s while the product runs;"
                " starting another",
                self.name,
                self._watchdog.pid,
                self._watchdog.returncode,
            )
            if self._watchdog.stdin is not None:
                with contextlib.suppress(OSError):
                    self._watchdog.stdin.close()
        self._watchdog = None
        self._watch()
        return self._watchdog is not None

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

    def wait_until_served(
        self, ready: Callable[[], bool], port: int | None, deadline: float, what: str
    ) -> None:
        """Like ``wait_until``, and over TCP (``port``) also until the listener on ``port`` is the
        product's (see ``listeners.py``): an answer from another process does not count.

        At ``deadline``, the error names the process that holds ``port``, where the system tells.
        """
        from . import listeners

        answered_by_another: list[bool] = []

        def served() -> bool:
            if not ready():
                return False
            if port is None or self.listens_on(port):
                return True
            answered_by_another.append(True)
            return False

        try:
            self.wait_until(served, deadline, what)
        except LaunchError:
            if not answered_by_another or self.exited:
                raise
            other = listeners.holder(port or 0) or "another process"
            raise self.error(
                f"did not listen on port {port} before the startup timeout: {other} listens and"
                " answers there"
            ) from None

    def listens_on(self, port: int) -> bool:
        """Return whether the running product, or a process it started, listens on TCP ``port``."""
        from . import listeners

        pid = self.pid
        return pid is not None and listeners.product_listens(pid, self._group, port)

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

        The signals go to the product's process group, so the processes it started end too;
        the launch's folders are removed. Safe to call more than once, after the product
        crashed and after a failed start.
        """
        import subprocess

        cleanups, self._cleanups = self._cleanups, []
        if cleanups:  # first: a container's removal also ends its engine client
            watchdog.run_cleanups(cleanups)
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._signal(process, kill=False)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT if timeout is None else timeout)
        if cleanups:  # again, once the client has ended: what it was still creating is gone too
            watchdog.run_cleanups(cleanups)
            done = [b"%s %s\n" % (watchdog.CLEANUP_DONE, line) for line in cleanups]
            _tell(self._watchdog, b"".join(done))  # withdrawn: the watchdog runs what is left
        # What the product started may outlive it: the whole group ends here, by the watchdog
        # if it runs (so that the folders go even if this process ends meanwhile).
        if not self._end_watch() and process is not None:
            self._signal(process, kill=True)
        watchdog.remove(self._folders)
        self._folders = []
        self._group = None
        if process is not None:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                import logging

                logging.getLogger(__name__).warning(
                    "%s (pid %d) ignored kill", self.name, process.pid
                )
        if self._job is not None:
            _close_handle(self._job)  # ends what the product left running
            self._job = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _signal(self, process: subprocess.Popen[bytes], *, kill: bool) -> None:
        """Ask the product's process group to end (``kill``: force it); the process on
        Windows."""
        if sys.platform == "win32":
            if kill:
                process.kill()
            else:
                process.terminate()
            return
        import signal

        with contextlib.suppress(OSError):  # the group is gone
            os.killpg(self._group or process.pid, signal.SIGKILL if kill else signal.SIGTERM)

    def _watch(self) -> None:
        """Start a watchdog unless one runs; tell it the folders and the product so far."""
        if self._watchdog is not None:
            return
        self._watchdog = _watchdog(self._group)
        if self._watchdog is None:
            return
        if self._group is None and sys.platform != "win32":
            self._group = self._watchdog.pid
        if sys.platform != "win32" and sys.version_info < (3, 11):
            _joined(self._watchdog, self._group)  # it joins (or makes) the group itself
        lines = [b"%s %s\n" % (watchdog.FOLDER, os.fsencode(path)) for path in self._folders]
        lines += [b"%s %s\n" % (watchdog.CLEANUP, line) for line in self._cleanups]
        if self._process is not None:
            lines.append(b"%s %d\n" % (watchdog.PID, self._process.pid))
        _tell(self._watchdog, b"".join(lines))

    def _end_watch(self) -> bool:
        """Have the watchdog remove the folders and end the product's group (itself included),
        and reap it; return whether it did."""
        import subprocess

        guard, self._watchdog = self._watchdog, None
        if guard is None:
            return False
        told = guard.poll() is None and _tell(guard, watchdog.END + b"\n")
        if guard.stdin is not None:
            with contextlib.suppress(OSError):
                guard.stdin.close()
        try:
            guard.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait()
            return False
        return told

    def _read_log(self) -> bytes:
        if self.log_path is None:
            return b""
        try:
            with open(self.log_path, "rb") as log:
                return log.read()
        except OSError:  # removed by hand meanwhile
            return b""


def _watchdog(group: int | None) -> subprocess.Popen[bytes] | None:
    """Start ``watchdog.py``: in a new process group in this session, or in the group ``group``
    of a product it takes over (POSIX); in a process group of its own on Windows.

    It ignores the signals of this process's terminal. Returns ``None`` (with a warning) if it
    cannot be started.
    """
    import subprocess

    options: dict[str, Any] = {}
    if sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    elif sys.version_info >= (3, 11):
        options["process_group"] = group or 0
    try:
        guard = subprocess.Popen(
            [sys.executable, "-I", "-S", watchdog.__file__]
            + ([] if sys.version_info >= (3, 11) else [str(group or 0)]),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **options,
        )
    except (OSError, subprocess.SubprocessError) as error:
        import logging

        logging.getLogger(__name__).warning("no watchdog (%s): the product may outlive us", error)
        return None
    if guard.stdin is not None:
        _PIPES.add(guard.stdin)
    return guard


JOIN_GROUP = """
import os, sys, time
group, pipe = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 5
while True:
    try:
        os.setpgid(0, group)
        break
    except PermissionError:  # the watchdog has not made its group yet, or has ended
        os.kill(group, 0)  # ProcessLookupError: it has ended, so the product must not run
        if time.monotonic() > deadline:
            raise
        time.sleep(0.001)
if pipe >= 0:
    os.close(pipe)
os.execvp(sys.argv[3], sys.argv[3:])
"""
"""Python 3.10 has no ``Popen(process_group=...)``, and ``preexec_fn`` forks without ``vfork``,
running the fork handlers of libraries such as gRPC, which can deadlock with their threads. So
the product starts as this small program, which joins the watchdog's group and then becomes the
product (same process id). It holds the launcher's end of the watchdog's pipe until it is in the
group: the watchdog cannot see the launcher end before the product is where it will be ended."""


def _joining(
    command: list[str], group: int | None, guard: subprocess.Popen[bytes] | None
) -> tuple[list[str], tuple[int, ...]]:
    """Return the command that runs ``command`` in the process group ``group`` (Python 3.10),
    and the descriptors it keeps. Raises ``FileNotFoundError`` if the program is nowhere."""
    import shutil

    if shutil.which(command[0]) is None:
        raise FileNotFoundError(f"no program {command[0]!r}")
    pipe = guard.stdin.fileno() if guard is not None and guard.stdin is not None else -1
    joining = [sys.executable, "-I", "-S", "-c", JOIN_GROUP, str(group or 0), str(pipe), *command]
    return joining, (pipe,) if pipe >= 0 else ()


def _joined(process: subprocess.Popen[bytes], group: int) -> None:
    """Wait until ``process`` (the watchdog, or a product started through ``JOIN_GROUP``) is in
    the process group ``group``, or has ended, for at most ``STOP_TIMEOUT`` seconds (Python
    3.10, where a process joins its group itself)."""
    if sys.platform == "win32":
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if os.getpgid(process.pid) == group:
                return
        except ProcessLookupError:
            return
        time.sleep(0.001)


_PIPES: weakref.WeakSet[IO[bytes]] = weakref.WeakSet()
"""The launcher's ends of the watchdogs' pipes, closed in a child made by ``os.fork``: a pipe that
a child kept open would hide the end of this process from its watchdog."""


def _close_pipes_in_child() -> None:
    for pipe in list(_PIPES):
        with contextlib.suppress(OSError):
            pipe.close()


if sys.platform != "win32":
    os.register_at_fork(after_in_child=_close_pipes_in_child)


def _tell(guard: subprocess.Popen[bytes] | None, message: bytes) -> bool:
    """Write ``message`` to the watchdog ``guard``; return whether it could be written."""
    if guard is None or guard.stdin is None:
        return False
    try:
        guard.stdin.write(message)
        guard.stdin.flush()
    except (OSError, ValueError):  # ValueError: the pipe is closed
        return False
    return True


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


def _resume(pid: int) -> None:
    """Resume the process ``pid``, started suspended (Windows)."""
    if sys.platform != "win32":
        return
    import ctypes
    from ctypes import wintypes

    ntdll = ctypes.WinDLL("ntdll")
    ntdll.NtResumeProcess.argtypes = (wintypes.HANDLE,)
    kernel32 = _kernel32()
    process = kernel32.OpenProcess(0x0800, False, pid)  # PROCESS_SUSPEND_RESUME
    if not process:
        raise LaunchError(f"cannot resume the product (pid {pid}): {ctypes.WinError()}")
    ntdll.NtResumeProcess(process)
    kernel32.CloseHandle(process)


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
