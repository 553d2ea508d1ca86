"""Fill in the ``{name}`` placeholders of the product's command line and environment.

An argument (or environment entry) that names a placeholder with no value for this launch
(``None`` or an empty string) is left out, so one command line serves every transport and every
optional setting. Two forms take a text after a colon:

- ``{port:NAME}`` is another port of the product (a peer or metrics port), a value of its own
  (``port:NAME``);
- ``{FIELD:ON}`` or ``{FIELD:ON|OFF}`` is a switch of the bool field ``FIELD``: ``ON`` when it is
  true; ``OFF`` when it is false, or, without ``|OFF``, the argument is left out.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["fill", "fill_environment", "filled", "names", "placeholders"]


def placeholders(template: str) -> list[str]:
    """Return the names of the ``{name}`` placeholders in ``template`` (``port:NAME`` for
    another port, ``address:NAME`` for another server's address)."""
    return [
        _key(name, spec)
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    ]


NAMED = ("port", "address")
"""Placeholders that take a server's (or another port's) name: ``{port:NAME}``,
``{address:NAME}``; on any other placeholder, the text after ``:`` is a switch."""


def _key(name: str, spec: str | None) -> str:
    return f"{name}:{spec}" if name in NAMED and spec else name


def names(templates: Iterable[str], name: str) -> bool:
    """Return whether any of ``templates`` has the placeholder ``{name}``."""
    return any(name in placeholders(template) for template in templates)


def _has_value(value: object) -> bool:
    return value is not None and value != ""


def filled(template: str, values: Mapping[str, object]) -> str | None:
    """Return ``template`` filled in, or ``None`` if a placeholder in it has no value (or is a
    switch that is off and has no text for it)."""
    parts: list[str] = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        value = values.get(_key(name, spec))
        if spec and name not in NAMED:  # a switch
            on, bar, off = spec.partition("|")
            if value is True or (value is False and bar and off):
                parts.append(on if value is True else off)
                continue
            return None
        if not _has_value(value):
            return None
        parts.append(str(value))
    return "".join(parts)


def fill(templates: Sequence[str], values: Mapping[str, object]) -> list[str]:
    """Return the arguments of ``templates`` filled in, without those that name a placeholder
    with no value."""
    arguments = (filled(template, values) for template in templates)
    return [argument for argument in arguments if argument is not None]


def fill_environment(templates: Mapping[str, str], values: Mapping[str, object]) -> dict[str, str]:
    """Return the environment variables of ``templates`` filled in, without those that name a
    placeholder with no value."""
    variables = {name: filled(template, values) for name, template in templates.items()}
    return {name: value for name, value in variables.items() if value is not None}
