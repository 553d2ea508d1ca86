"""The product's log files: one folder per product, a new file per start, the oldest pruned.

Nothing here depends on how the product runs or is reached.
"""

from __future__ import annotations

import os
import sys
import time

from .errors import LaunchError

__all__ = ["LOGS_KEPT", "LOG_DIR_VARIABLE", "file_stem", "log_folder", "new_log", "remove_old_logs"]

LOG_DIR_VARIABLE = "ANSYS_LAUNCHER_LOG_DIR"
"""Environment variable naming the folder that holds a folder of logs per product."""
LOGS_KEPT = 20
"""How many log files of a product each start keeps: the newest, and those of running products."""
APP_NAME = "ansys_tools_local_product_launcher"
"""The launcher's folder name in the user's cache folder, as in its configuration folder."""
NAME_IN_FILES = 40
"""Characters of a longer product name kept in file and folder names, before a short hash."""


def file_stem(name: str) -> str:
    """Return ``name``, shortened with a hash of the whole if it is too long for file names."""
    if len(name) <= NAME_IN_FILES + 8:
        return name
    import hashlib

    return f"{name[:NAME_IN_FILES]}-{hashlib.sha256(name.encode()).hexdigest()[:7]}"


def log_folder(name: str) -> str:
    """Return the folder with the log files of the product ``name``.

    It is ``$ANSYS_LAUNCHER_LOG_DIR/<name>`` when that variable is set, else ``<name>`` in
    ``logs`` of the launcher's folder in the user's cache folder (``~/.cache`` on Linux,
    ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows), or in the temporary folder if
    no log can be written there.
    """
    return _log_folders(name)[0]


def _log_folders(name: str) -> list[str]:
    """Return the folders where the logs of ``name`` may go, the preferred first."""
    configured = os.environ.get(LOG_DIR_VARIABLE)
    if configured:
        return [os.path.join(os.path.abspath(os.path.expanduser(configured)), file_stem(name))]
    import platformdirs

    bases = [platformdirs.user_cache_dir(APP_NAME, appauthor=False), _temporary()]
    return [os.path.join(base, "logs", file_stem(name)) for base in bases]


def _temporary() -> str:
    import tempfile

    return os.path.join(tempfile.gettempdir(), APP_NAME)


def _in_use(path: str) -> bool:
    """Return whether a running product writes to the log file ``path`` (POSIX: its lock)."""
    if sys.platform == "win32":
        return False  # an open file cannot be removed there: remove_old_logs skips it
    import fcntl

    try:
        with open(path, "rb") as log:
            try:
                fcntl.flock(log, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
    except OSError:
        return True  # gone already, or not ours to read
    return False


def remove_old_logs(folder: str, keep: int) -> list[str]:
    """Remove the log files in ``folder`` but the ``keep`` newest and those in use; return the
    removed ones."""
    try:
        names = sorted((name for name in os.listdir(folder) if name.endswith(".log")), reverse=True)
    except OSError:
        return []
    removed = []
    for name in names[keep:]:
        path = os.path.join(folder, name)
        if _in_use(path):
            continue
        try:
            os.remove(path)
        except OSError:  # removed meanwhile, or open on Windows
            continue
        removed.append(path)
    return removed


def new_log(name: str) -> tuple[int, str]:
    """Create a log file for a start of ``name``; return its descriptor, locked, and path.

    The names sort by the time (UTC) of the start. The lock (POSIX) is held through the
    launcher's descriptor until ``stop()`` and through the product's output while it runs: it
    tells ``remove_old_logs`` that the file is in use. Raises ``LaunchError`` if no folder can
    take the file.
    """
    import tempfile

    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f"-{int(now % 1 * 1e6):06d}"
    problems = []
    for folder in _log_folders(name):
        try:
            os.makedirs(folder, exist_ok=True)
            descriptor, path = tempfile.mkstemp(
                prefix=f"{file_stem(name)}-{stamp}-", suffix=".log", dir=folder
            )
        except OSError as error:
            problems.append(f"{folder}: {error}")
            continue
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: nobody else holds it
        remove_old_logs(folder, LOGS_KEPT)
        return descriptor, path
    raise LaunchError(
        f"no folder can take the log of {name} ({'; '.join(problems)}); set {LOG_DIR_VARIABLE}"
        " to one that can"
    )
