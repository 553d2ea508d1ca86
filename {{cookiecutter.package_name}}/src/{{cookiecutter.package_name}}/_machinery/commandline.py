"""The command line that starts the product for one launch: the executable found, the rest
filled in.

``PRODUCT_COMMAND`` and ``PRODUCT_ENV`` in ``config.py`` are templates; ``prepare`` fills them in
with the values that ``fields.resolve`` computed for the launch (see ``placeholders.py``), after
``executable`` has found the program that the first argument names.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from ..errors import LaunchError
from .placeholders import fill, fill_environment, filled, placeholders

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .fields import Resolved

__all__ = ["Launch", "executable", "prepare"]


class Launch(NamedTuple):
    """What starts the product: its command line, what it sets in the environment, and the
    variables of ``PRODUCT_ENV`` it removes (they name a placeholder with no value)."""

    command: list[str]
    environment: dict[str, str]
    unset: list[str]


def prepare(
    command: Sequence[str], environment: Mapping[str, str], resolved: Resolved, configure: str
) -> Launch:
    """Return ``command`` and ``environment`` (templates) filled in with ``resolved.values``.

    The first argument must name a program that can be run (see ``executable``);
    ``configure`` is the ``ansys-launcher configure PRODUCT MODE`` command for error messages.
    """
    program = executable(command[0], resolved, configure)
    variables = fill_environment(environment, resolved.values)
    return Launch(
        [program, *fill(command[1:], resolved.values)],
        variables,
        [name for name in environment if name not in variables],
    )


def executable(template: str, resolved: Resolved, configure: str) -> str:
    """Return the program that ``template`` (the command's first argument) names, found.

    Raises ``LaunchError`` when it cannot be run, naming the value, every place that was looked
    at (the fields it names, their environment variables and Ansys installation, and ``PATH``)
    and how to set it; ``configure`` is the ``ansys-launcher configure PRODUCT MODE`` command.
    """
    import shutil

    program = filled(template, resolved.values) or ""
    found = shutil.which(program) if program else None
    if found:
        return os.path.abspath(found)  # the product runs in another folder
    looked = [place for name in placeholders(template) for place in resolved.places.get(name, [])]
    if not program:
        problem = "is empty"
    elif os.path.dirname(program):
        exists = os.path.exists(program)
        problem = "is not an executable file" if exists else "does not exist"
    else:
        problem = "is not on PATH"
        looked.append("PATH (not there)")
    where = "; ".join(looked) or "the first argument of PRODUCT_COMMAND, as written"
    fields = [name for name in placeholders(template) if name in resolved.places]
    hints = [f"{configure} --{name}=PATH" for name in fields]
    hints += [f"set {resolved.variables[name]}" for name in fields if name in resolved.variables]
    how = f" Configure it with: {', or '.join(hints)}." if hints else ""
    raise LaunchError(f"the product's executable {program!r} {problem}. Looked at: {where}.{how}")
