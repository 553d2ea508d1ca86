{{ cookiecutter.description | py_str }}

from .launcher import Launcher, LauncherConfig, LaunchError

__version__ = "{{ cookiecutter.version }}"

__all__ = ["LaunchError", "Launcher", "LauncherConfig", "__version__"]
