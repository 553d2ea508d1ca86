"""Ends the product when the Python process that launched it ends without stopping it.

``ProductProcess.start()`` runs this file as a script before each product it starts, as
``python -I -S watchdog.py [FOLDER ...]``, with a pipe on its standard input whose other end
only the launching process holds. The launcher writes the product's pid and a newline once the
product runs, and ``stop`` once it has stopped it; then this script exits. When the launching
process ends any other way (an exit without ``stop()``, an exception, SIGKILL, SIGTERM, SIGHUP, a
crash), the operating system closes the pipe: the script then ends the product's process group
(on POSIX: SIGTERM, then SIGKILL once the product has ended or after ``GRACE`` seconds) and
removes the ``FOLDER`` arguments (socket folders). On Windows the product also runs in a
kill-on-close job object, which ends it and its processes on its own.

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
STOP = b"stop"
"""What the launcher writes when it has stopped the product itself."""


def main(folders: list[str]) -> int:
    """Wait until the launcher ends; end the product and remove ``folders`` unless told ``stop``."""
    if sys.platform != "win32":
        # Signals meant for the launcher's terminal do not concern this script.
        for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
    told = sys.stdin.buffer.readline().strip()
    if told == STOP:
        return 0
    if told.isdigit():
        # Read no more than the word: a child forked from the launcher may keep the pipe open.
        if sys.stdin.buffer.read(len(STOP)) == STOP:
            return 0
        end(int(told))
    import shutil  # here: the launcher imports this module for STOP, and shutil is not cheap

    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def running(pid: int) -> bool:
    """Return whether the process ``pid`` runs (not a zombie) or, where that cannot be read,
    whether its process group still exists."""
    if sys.platform == "win32":
        return False  # not used there: the job object ends the product
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (macOS): ask the group
        try:
            os.killpg(pid, 0)
        except OSError:
            return False
        return True


def end(pid: int) -> None:
    """End the process group led by ``pid``: SIGTERM, then SIGKILL to what is left once the
    product has ended, or after ``GRACE`` seconds."""
    if sys.platform == "win32":
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)  # TerminateProcess; the job object ends the rest
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        return  # nothing is left in the group
    deadline = time.monotonic() + GRACE
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
