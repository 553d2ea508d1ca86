"""Ends the product when the Python process that launched it ends without stopping it.

``ProductProcess`` runs this file as a script, ``python -I -S watchdog.py``, *before* the product
and before any folder of the launch exists, with a pipe on its standard input whose other end only
the launching process holds. On POSIX the script leads a new process group in the launcher's
session, and the product is started *in that group* (its group is set before it runs any code),
so the script knows what to end from the moment the product exists; a replacement watchdog joins
the group of the product it takes over. The launcher writes one line per fact:

- ``folder PATH``: a folder the launch is about to create (written before it is created);
- ``pid N``: the product's process id, once it runs;
- ``cleanup JSON``: a command (a JSON list: program and arguments) that ends what runs outside
  this machine's process tree, such as a container or a cluster job; run at the end, before the
  folders are removed, each for at most ``CLEANUP_TIMEOUT`` seconds; ``cleanup-done JSON``
  withdraws it once the launcher has run it itself;
- ``end``: the launcher is stopping the product: remove the folders and end the group now;
- ``stop``: the launcher has ended everything itself: exit.

When the launching process ends any other way (an exit without ``stop()``, an exception, SIGKILL,
SIGTERM, SIGHUP, a crash), the operating system closes the pipe: the script then asks the group to
end (SIGTERM), gives it ``GRACE`` seconds, removes the folders, and kills what is left of the
group, itself included (SIGKILL). On Windows the product starts suspended, is told here, and is put
in a kill-on-close job object before it is resumed; this script then ends the product with
``TerminateProcess`` and the job ends the processes it started.

The pipe closes with the process, not with the thread that launched the product, so a product
launched from a thread that then ends keeps running. Only the standard library is used: the
script runs without ``site-packages``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

GRACE = 1.0
"""Seconds the product has to end after SIGTERM before its process group is killed."""
CLEANUP_TIMEOUT = 10.0
"""Seconds each cleanup command may take."""
FOLDER, PID, END, STOP = b"folder", b"pid", b"end", b"stop"
CLEANUP, CLEANUP_DONE = b"cleanup", b"cleanup-done"
"""The words the launcher writes, each starting a line."""


def main() -> int:
    """Follow the launcher's lines until it ends or says ``end`` or ``stop``; end the launch
    unless told ``stop``."""
    if sys.platform != "win32":
        # Signals meant for the launcher's terminal, or for the product's group, are not for us.
        for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
        if len(sys.argv) > 1:  # Python 3.10: the group to lead (0) or to join, from the launcher
            os.setpgid(0, int(sys.argv[1]))
    folders: list[str] = []
    pid: int | None = None
    cleanups: list[bytes] = []
    for line in sys.stdin.buffer:
        if not line.endswith(b"\n"):
            break  # cut short: the launcher ended while writing it
        word, _, rest = line.rstrip(b"\n").partition(b" ")
        if word == FOLDER:
            folders.append(os.fsdecode(rest))
        elif word == PID and rest.isdigit():
            pid = int(rest)
        elif word == CLEANUP:
            cleanups.append(rest)
        elif word == CLEANUP_DONE and rest in cleanups:
            cleanups.remove(rest)
        elif word == STOP:
            return 0
        elif word == END:
            finish(folders, pid, grace=0.0, cleanups=cleanups)
            return 0
    finish(folders, pid, grace=GRACE, cleanups=cleanups)
    return 0


def run_cleanups(cleanups: list[bytes]) -> None:
    """Run each cleanup command, at most ``CLEANUP_TIMEOUT`` seconds each, in parallel."""
    if not cleanups:
        return
    import json
    import subprocess

    started = []
    for text in cleanups:
        with contextlib.suppress(OSError, ValueError, TypeError):
            started.append(
                subprocess.Popen(
                    [str(word) for word in json.loads(text)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    deadline = time.monotonic() + CLEANUP_TIMEOUT
    for process in started:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def finish(
    folders: list[str], pid: int | None, grace: float, cleanups: list[bytes] | None = None
) -> None:
    """End the product's group (after ``grace`` seconds of SIGTERM), run the cleanup commands
    and remove ``folders``."""
    run_cleanups(cleanups or [])
    if sys.platform == "win32":
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # TerminateProcess; the job object ends the rest
        remove(folders)
        return
    group = os.getpgrp()
    if grace:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGTERM)  # ignored here
        deadline = time.monotonic() + grace
        while others_running(group, pid) and time.monotonic() < deadline:
            time.sleep(0.01)
    remove(folders)
    sys.stdout.flush()
    os.killpg(group, signal.SIGKILL)  # the rest of the group, and this script


def others_running(group: int, pid: int | None) -> bool:
    """Return whether a process of ``group`` other than this one still runs (not a zombie).

    Read from ``/proc`` where there is one; elsewhere, whether the product ``pid`` runs (and,
    not knowing it, assume so: the caller's grace bounds the wait).
    """
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return pid is None or alive(pid)
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in (b"Z", b"X"):
            return True
    return False


def alive(pid: int) -> bool:
    """Return whether the process ``pid`` exists (macOS and other systems without ``/proc``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove(folders: list[str]) -> None:
    """Remove each of ``folders`` that is a real folder owned by this user (not a symlink)."""
    import shutil  # here: the launcher imports this module for its words, and shutil is not cheap
    import stat

    for folder in folders:
        try:
            status = os.lstat(folder)
        except OSError:
            continue  # never created, or removed already
        mine = sys.platform == "win32" or status.st_uid == os.getuid()
        if stat.S_ISDIR(status.st_mode) and mine:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
