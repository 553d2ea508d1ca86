"""Tell the user where the plugin was generated and how to try it."""

from __future__ import annotations

import os


def next_steps(folder: str) -> str:
    """Return the few commands that install, test and list the generated plugin."""
    return (
        f"Created {folder}\n"
        "Next steps:\n"
        f"  cd {folder}\n"
        '  python -m pip install -e ".[test,lint]"\n'
        "  python -m pytest\n"
        "  ansys-launcher list-plugins\n"
    )


def main() -> None:
    """Print the next steps for the generated project."""
    print(next_steps(os.getcwd()))


if __name__ == "__main__":
    main()
