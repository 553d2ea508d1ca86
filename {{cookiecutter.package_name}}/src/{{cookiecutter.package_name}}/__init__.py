{{ cookiecutter.description | py_str }}

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import LauncherConfig
    from .errors import LaunchError
    from .launcher import Launcher

__version__ = "{{ cookiecutter.version }}"

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "__version__"]

_MODULE_OF = {"LaunchError": ".errors", "Launcher": ".launcher", "LauncherConfig": ".config"}


def __getattr__(name: str) -> object:
    """Import the launcher on first use, so that ``python -m`` of a module of this package
    {% if runs_demo_server() %}(such as the demo server) {% endif %}does not load the launcher library."""
    if name in _MODULE_OF:
        return getattr(importlib.import_module(_MODULE_OF[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
