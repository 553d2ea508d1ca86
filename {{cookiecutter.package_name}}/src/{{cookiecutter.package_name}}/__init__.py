{{ cookiecutter.description | py_str }}

from .launcher import Launcher, LauncherConfig
from .process import LaunchError

__version__ = "{{ cookiecutter.version }}"

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "__version__"]
