"""Where a launch keeps its files: the temporary folder, found without writing to it.

``tempfile.gettempdir()`` tests each candidate folder by writing a file into it and removing it
again, the first time a process asks. A launch asks before its watchdog runs, so a launcher
killed at that moment would leave that file in a shared folder; this module reads the same
settings and writes nothing.
"""

from __future__ import annotations

import os
import sys

__all__ = ["temporary_folder"]


def temporary_folder() -> str:
    """Return the temporary folder: ``tempfile.tempdir`` if set, else the first of the
    ``TMPDIR``, ``TEMP`` and ``TMP`` variables that names a folder, else the platform's usual
    folders; only when none exists does it ask ``tempfile`` (which raises ``OSError`` then)."""
    import tempfile

    if tempfile.tempdir is not None:
        return tempfile.tempdir
    named = [os.environ.get(name, "") for name in ("TMPDIR", "TEMP", "TMP")]
    if sys.platform == "win32":
        usual = [os.path.expandvars(r"%LOCALAPPDATA%\Temp"), r"C:\TEMP", r"C:\TMP"]
    else:
        usual = ["/tmp", "/var/tmp", "/usr/tmp"]
    for folder in [*named, *usual]:
        if folder and os.path.isdir(folder):
            return os.path.abspath(folder)
    return tempfile.gettempdir()
