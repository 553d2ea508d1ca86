"""Tell the user what was generated and how to try it."""

from __future__ import annotations

import os


def next_steps(folder: str, package_name: str, product_name: str) -> str:
    """Return the few commands that install and test the generated plugin."""
    return (
        f"Created {folder}\n"
        "Next steps:\n"
        f"  cd {package_name}\n"
        '  python -m pip install -e ".[test]"\n'
        "  python -m pytest\n"
        f'  python -c "from ansys.tools.common.launcher import launch_product;'
        f" print(launch_product('{product_name}').urls)\"\n"
    )


def main() -> None:
    """Print the next steps for the generated project."""
    print(
        next_steps(
            os.getcwd(), "{{ cookiecutter.package_name }}", "{{ cookiecutter.product_name }}"
        )
    )


if __name__ == "__main__":
    main()
