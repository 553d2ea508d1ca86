{{ cookiecutter.description | py_str }}

from .config import LauncherConfig
from .launcher import Launcher
from .process import LaunchError

__version__ = "{{ cookiecutter.version }}"

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "__version__"]
