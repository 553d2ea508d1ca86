"""Fill in the ``{name}`` placeholders of the product's command line and environment.

An argument (or environment entry) that names a placeholder with no value for this launch
(``None`` or an empty string) is left out, so one command line serves every transport and every
optional setting.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["fill", "fill_environment", "filled", "names", "placeholders"]


def placeholders(template: str) -> list[str]:
    """Return the names of the ``{name}`` placeholders in ``template``."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def names(templates: Iterable[str], name: str) -> bool:
    """Return whether any of ``templates`` has the placeholder ``{name}``."""
    return any(name in placeholders(template) for template in templates)


def _has_value(value: object) -> bool:
    return value is not None and value != ""


def filled(template: str, values: Mapping[str, object]) -> str | None:
    """Return ``template`` filled in, or ``None`` if a placeholder in it has no value."""
    if all(_has_value(values.get(name)) for name in placeholders(template)):
        return template.format_map(values)
    return None


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
