"""The product's log files: a private folder per product, a new file per start, the oldest pruned.

Nothing here depends on how the product runs or is reached.

A log folder is the user's alone. Each folder the launcher keeps logs in, and each it makes on
the way there, is made with mode 0700 whatever the umask, must belong to the user, and is
entered without following a symbolic link (POSIX). A folder that is a symbolic link, belongs to
another user, or that other users may write to is not used: the next place is tried, and the
error raised when no place can take the log says why each was not used. A folder of the user's
that others may only read is made 0700 before it is used. Pruning works through the descriptor
of the folder it checked, and touches only regular files named as ``new_log`` names the logs of
the product the folder is for.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from ..errors import LaunchError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LOGS_KEPT", "LOG_DIR_VARIABLE", "file_stem", "log_folder", "new_log", "remove_old_logs"]

LOG_DIR_VARIABLE = "ANSYS_LAUNCHER_LOG_DIR"
"""Environment variable naming the folder that holds a folder of logs per product."""
LOGS_KEPT = 20
"""How many log files of a product each start keeps: the newest, and those of running products."""
APP_NAME = "ansys_tools_local_product_launcher"
"""The launcher's folder name in the user's cache folder, as in its configuration folder."""
NAME_IN_FILES = 40
"""Characters of a longer product name kept in file and folder names, before a short hash."""
PRIVATE = 0o700
"""Mode of the log folders: only the user may list, enter and change them."""
LOG_NAME = r"-\d{8}-\d{6}-\d{6}-[0-9a-z_]{8}\.log"
"""What follows the file stem in the name of a log: the UTC date, time and microseconds of the
start, and 8 random characters."""


class _UnusableError(Exception):
    """A place that cannot take the logs; the message names the folder and says why."""


class _Place:
    """Where the logs of a product may go: the folders ``levels`` in the folder ``root``.

    The launcher owns the ``levels``: each is made if missing and must be private. ``root()``
    is asked only when the place is tried, and raises ``_UnusableError`` when there is none; with
    ``make_root``, a missing root is made too (each missing level private), else it must exist.
    ``fallback``: a place in the shared temporary folder, whose use is logged.
    """

    def __init__(
        self,
        root: Callable[[], str],
        levels: tuple[str, ...],
        *,
        make_root: bool,
        fallback: bool = False,
    ) -> None:
        self.root = root
        self.levels = levels
        self.make_root = make_root
        self.fallback = fallback

    def path(self) -> str:
        """Return the folder the logs go to."""
        return os.path.join(self.root(), *self.levels)


def file_stem(name: str) -> str:
    """Return ``name``, shortened with a hash of the whole if it is too long for file names."""
    if len(name) <= NAME_IN_FILES + 8:
        return name
    import hashlib

    return f"{name[:NAME_IN_FILES]}-{hashlib.sha256(name.encode()).hexdigest()[:7]}"


def log_folder(name: str) -> str:
    """Return the folder where the log files of the product ``name`` go first.

    It is ``$ANSYS_LAUNCHER_LOG_DIR/<name>`` when that variable is set, else ``<name>`` in
    ``logs`` of the launcher's folder in the user's cache folder (``~/.cache`` on Linux,
    ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows). When that folder cannot be
    used (see the module's docstring), the logs go to
    ``<temporary folder>/ansys_tools_local_product_launcher-<user id>/logs/<name>`` (the user
    name in place of the id on Windows), and an ``INFO`` record says so.
    """
    return _places(name)[0].path()


def _places(name: str) -> list[_Place]:
    """Return the places where the logs of ``name`` may go, the preferred first."""
    stem = file_stem(name)
    configured = os.environ.get(LOG_DIR_VARIABLE)
    if configured:
        root = os.path.abspath(os.path.expanduser(configured))
        return [_Place(lambda: root, (stem,), make_root=True)]
    import platformdirs

    cache = os.path.abspath(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return [
        _Place(
            lambda: os.path.dirname(cache),
            (os.path.basename(cache), "logs", stem),
            make_root=True,
        ),
        _Place(
            _temporary_folder,
            (f"{APP_NAME}-{_user()}", "logs", stem),
            make_root=False,
            fallback=True,
        ),
    ]


def _temporary_folder() -> str:
    """Return the temporary folder; raise ``_UnusableError`` if there is none."""
    from .places import temporary_folder

    try:
        return temporary_folder()
    except OSError as error:  # FileNotFoundError: no candidate folder takes files
        raise _UnusableError(f"no usable temporary folder ({_reason(error)})") from None


def _user() -> str:
    """Return who the logs in the temporary folder are for, as part of a folder name: the user
    id (POSIX), the user name on Windows."""
    if sys.platform != "win32":
        return str(os.geteuid())
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, ImportError, KeyError):  # no user name in the environment
        return "user"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in user) or "user"


def _reason(error: OSError) -> str:
    """Return why ``error`` happened, in words."""
    import errno

    if error.errno == errno.ENOSPC:
        return "no space left on device"
    if error.errno == getattr(errno, "EDQUOT", None):
        return "disk quota exceeded"
    return error.strerror or str(error)


def _is_log_of(stem: str, file_name: str) -> bool:
    """Return whether ``file_name`` is named as ``new_log`` names the logs of ``stem``."""
    import re

    return re.fullmatch(re.escape(stem) + LOG_NAME, file_name, flags=re.ASCII) is not None


def _private(parent: int, level: str, path: str, *, make: bool) -> int:
    """Return a descriptor of the folder ``level`` in the folder ``parent`` (``path`` in
    messages), once it is known to be the user's alone (POSIX).

    With ``make``, a missing folder is made with mode 0700, and a folder of the user's that
    others may only read is made 0700. Raises ``_UnusableError`` for a symbolic link (not followed),
    anything but a folder, a folder of another user, or one that others may write to.
    """
    if sys.platform == "win32":
        raise _UnusableError(f"{path}: no descriptor-relative folders on Windows")
    import stat

    if make:
        try:
            os.mkdir(level, PRIVATE, dir_fd=parent)
        except FileExistsError:
            pass
        except OSError as error:
            raise _UnusableError(f"{path}: {_reason(error)}") from None
    try:
        descriptor = os.open(
            level, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=parent
        )
    except OSError as error:
        try:
            mode = os.stat(level, dir_fd=parent, follow_symlinks=False).st_mode
        except OSError:
            mode = stat.S_IFDIR
        if stat.S_ISLNK(mode):
            raise _UnusableError(f"{path}: a symbolic link, not followed") from None
        if not stat.S_ISDIR(mode):
            raise _UnusableError(f"{path}: not a folder") from None
        raise _UnusableError(f"{path}: {_reason(error)}") from None
    try:
        info = os.fstat(descriptor)
        if info.st_uid != os.geteuid():
            raise _UnusableError(f"{path}: owned by another user (uid {info.st_uid}), not used")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o022:
            raise _UnusableError(f"{path}: other users may write to it (mode {mode:o}), not used")
        if make and mode & 0o777 != PRIVATE:
            os.fchmod(descriptor, PRIVATE)
    except OSError as error:
        os.close(descriptor)
        raise _UnusableError(f"{path}: {_reason(error)}") from None
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _open_root(root: str, *, make: bool) -> int:
    """Return a descriptor of the folder ``root``, symbolic links followed (it is the user's
    choice or the system's); with ``make``, a missing one is made, each missing level private."""
    if sys.platform == "win32":
        raise OSError(f"{root}: no descriptor-relative folders on Windows")
    try:
        return os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        parent, level = os.path.split(root)
        if not make or not level or parent == root:
            raise
    descriptor = _open_root(parent, make=True)
    try:
        return _private(descriptor, level, root, make=True)
    finally:
        os.close(descriptor)


def _windows_folder(path: str, *, make: bool) -> None:
    """Make the folder ``path`` if missing (``make``); raise ``_UnusableError`` if it is a symbolic
    link or junction, or no folder (Windows)."""
    import stat

    if make:
        try:
            os.mkdir(path)
        except FileExistsError:
            pass
        except OSError as error:
            raise _UnusableError(f"{path}: {_reason(error)}") from None
    try:
        info = os.lstat(path)
    except OSError as error:
        raise _UnusableError(f"{path}: {_reason(error)}") from None
    if stat.S_ISLNK(info.st_mode) or getattr(info, "st_file_attributes", 0) & 0x400:
        raise _UnusableError(f"{path}: a symbolic link or junction, not followed")  # reparse point
    if not stat.S_ISDIR(info.st_mode):
        raise _UnusableError(f"{path}: not a folder")


def _open_place(place: _Place) -> tuple[str, int | None]:
    """Return the folder of ``place``, made as needed, and a descriptor of it (none on Windows).

    Raises ``_UnusableError`` if the folder cannot be made or is not private.
    """
    root = place.root()
    if sys.platform == "win32":
        if place.make_root:
            try:
                os.makedirs(root, exist_ok=True)
            except OSError as error:
                raise _UnusableError(f"{root}: {_reason(error)}") from None
        elif not os.path.isdir(root):
            raise _UnusableError(f"{root}: no such folder")
        path = root
        for level in place.levels:
            path = os.path.join(path, level)
            _windows_folder(path, make=True)
        return path, None
    try:
        descriptor = _open_root(root, make=place.make_root)
    except OSError as error:
        raise _UnusableError(f"{root}: {_reason(error)}") from None
    path = root
    for level in place.levels:
        path = os.path.join(path, level)
        try:
            inner = _private(descriptor, level, path, make=True)
        finally:
            os.close(descriptor)
        descriptor = inner
    return path, descriptor


def _create(folder: int | None, path: str, prefix: str) -> tuple[int, str]:
    """Create a new log file named ``prefix`` and random characters in the folder ``path``
    (through its descriptor ``folder`` on POSIX); return its descriptor, locked, and name.

    A byte is written and taken back first, so that a full disk is found now rather than by
    the product. Raises ``_UnusableError`` if the file cannot be made or written; none is left then.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if sys.platform == "win32":
        flags |= os.O_BINARY
    else:
        flags |= os.O_NOFOLLOW
    for _ in range(100):
        file_name = f"{prefix}{os.urandom(4).hex()}.log"
        target = file_name if folder is not None else os.path.join(path, file_name)
        try:
            descriptor = os.open(target, flags, 0o600, dir_fd=folder)
        except FileExistsError:
            continue
        except OSError as error:
            raise _UnusableError(f"{path}: {_reason(error)}") from None
        try:
            _ready(descriptor)
        except BaseException as error:
            import contextlib

            os.close(descriptor)
            with contextlib.suppress(OSError):
                os.unlink(target, dir_fd=folder)
            if isinstance(error, OSError):
                raise _UnusableError(f"{path}: {_reason(error)}") from None
            raise
        return descriptor, file_name
    raise _UnusableError(f"{path}: no free file name")


def _ready(log: int) -> None:
    """Write a byte to the new, empty log file ``log`` and take it back; on POSIX, give the file
    mode 0600 whatever the umask and lock it. Raise ``OSError`` if the file cannot take output
    (a full disk)."""
    os.write(log, b"\n")
    os.ftruncate(log, 0)
    os.lseek(log, 0, os.SEEK_SET)
    if sys.platform != "win32":
        import fcntl

        os.fchmod(log, 0o600)
        fcntl.flock(log, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new: nobody else holds it


def _in_use(target: str, folder: int | None) -> bool:
    """Return whether a running product writes to the log ``target`` (POSIX: its lock), or
    whether it is not a regular file; never waits, not even on a FIFO."""
    if sys.platform == "win32":
        return False  # an open file cannot be removed there: _prune skips it
    import fcntl
    import stat

    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW, dir_fd=folder)
    except OSError:
        return True  # gone already, or not ours to read
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return True
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return False


def _prune(folder: int | None, path: str, stem: str, keep: int) -> list[str]:
    """Remove the logs of ``stem`` in the folder ``path`` (through its descriptor ``folder`` on
    POSIX) but the ``keep`` newest and those in use; return the removed ones.

    Only regular files of the user's named as ``new_log`` names them count; nothing else is
    touched, and nothing raises.
    """
    import stat

    try:
        names = os.listdir(path if folder is None else folder)
    except OSError:
        return []
    logs = []
    for file_name in sorted(names, reverse=True):
        if not _is_log_of(stem, file_name):
            continue
        target = file_name if folder is not None else os.path.join(path, file_name)
        try:
            info = os.stat(target, dir_fd=folder, follow_symlinks=False)
        except OSError:
            continue
        ours = sys.platform == "win32" or info.st_uid == os.geteuid()
        if stat.S_ISREG(info.st_mode) and ours:
            logs.append(target)
    removed = []
    for target in logs[keep:]:
        if _in_use(target, folder):
            continue
        try:
            os.unlink(target, dir_fd=folder)
        except OSError:  # removed meanwhile, or open on Windows
            continue
        removed.append(os.path.join(path, os.path.basename(target)))
    return removed


def remove_old_logs(folder: str, keep: int) -> list[str]:
    """Remove the log files in the product's log folder ``folder`` but the ``keep`` newest and
    those in use; return the removed ones.

    The folder's name is the product's file stem (see ``file_stem``); only regular files named
    as ``new_log`` names that product's logs are removed. Nothing is removed from a folder that
    is a symbolic link, another user's, or that other users may write to.
    """
    folder = os.path.abspath(folder)
    stem = os.path.basename(folder)
    if sys.platform == "win32":
        try:
            _windows_folder(folder, make=False)
        except _UnusableError:
            return []
        return _prune(None, folder, stem, keep)
    parent, level = os.path.split(folder)
    try:
        parent_descriptor = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return []
    try:
        descriptor = _private(parent_descriptor, level, folder, make=False)
    except _UnusableError:
        return []
    finally:
        os.close(parent_descriptor)
    try:
        return _prune(descriptor, folder, stem, keep)
    finally:
        os.close(descriptor)


def new_log(name: str) -> tuple[int, str]:
    """Create a log file for a start of ``name``; return its descriptor, locked, and path.

    The names sort by the time (UTC) of the start. The lock (POSIX) is held through the
    launcher's descriptor until ``stop()`` and through the product's output while it runs: it
    tells ``remove_old_logs`` that the file is in use. The folder is the first of
    ``log_folder``'s places that is private and takes the file; each start then prunes it to
    the ``LOGS_KEPT`` newest logs and those in use. Raises ``LaunchError`` naming each place
    and why it was not used (a full disk too) if none can take the file.
    """
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f"-{int(now % 1 * 1e6):06d}"
    stem = file_stem(name)
    problems: list[str] = []
    for place in _places(name):
        try:
            folder, descriptor = _open_place(place)
        except _UnusableError as problem:
            problems.append(str(problem))
            continue
        try:
            log, file_name = _create(descriptor, folder, f"{stem}-{stamp}-")
        except _UnusableError as problem:
            problems.append(str(problem))
            continue
        else:
            _prune(descriptor, folder, stem, LOGS_KEPT)
        finally:
            if descriptor is not None:
                os.close(descriptor)
        if place.fallback:
            import logging

            logging.getLogger(__name__).info(
                "the logs of %s go to %s, in the temporary folder (%s)",
                name,
                folder,
                "; ".join(problems),
            )
        return log, os.path.join(folder, file_name)
    raise LaunchError(
        f"no folder can take the log of {name} ({'; '.join(problems)}); set {LOG_DIR_VARIABLE}"
        " to one that can"
    )
