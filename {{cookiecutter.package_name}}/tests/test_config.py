{%- set config = launcher_answer('config_fields') | config_model -%}
{%- set floats = config.fields | selectattr("annotation", "equalto", "float") | list -%}
"""Config values are checked when the config is made; the launcher classes are what the launcher
library expects, before they start."""

from __future__ import annotations

import dataclasses
{%- if config.fields %}
import json
{%- endif %}
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
{%- if config.fields %}
from {{ cookiecutter.__launcher_module }} import launch_product
{%- endif %}
from {{ cookiecutter.__launcher_module }}.interface import LauncherProtocol

from {{ cookiecutter.package_name }} import LauncherConfig
from {{ cookiecutter.package_name }}._machinery.fields import (
    METADATA_KEY_PATH,
    check_types,
)

from .conftest import MODE, PRODUCT, {% if floats %}CliRunner, cli_options, {% endif %}example_values

GROUP = "{{ cookiecutter.__entry_point_group }}"


@dataclasses.dataclass(kw_only=True)
class Typed:
    """A config with a field of each type a config field can have."""

    text: str = ""
    path: str = dataclasses.field(default="", metadata={METADATA_KEY_PATH: True})
    count: int = 0
    scale: float = 1.0
    flag: bool = False

    def __post_init__(self) -> None:
        check_types(self)


def test_an_int_for_a_float_field_becomes_a_float() -> None:
    scale = Typed(scale=2).scale
    assert (scale, type(scale)) == (2.0, float)


def test_a_path_for_a_path_field_becomes_a_str(tmp_path: Path) -> None:
    assert Typed(path=tmp_path).path == str(tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("text", 1, "text must be a str, not 1 (int)"),
        ("text", Path("a"), "text must be a str, not "),
        ("count", "2", "count must be an int, not '2' (str)"),
        ("count", True, "count must be an int, not True (bool)"),
        ("count", 2.0, "count must be an int, not 2.0 (float)"),
        ("scale", "2.5", "scale must be a float, not '2.5' (str)"),
        ("scale", 10**400, "scale must be a float, not 1000"),
        ("flag", 1, "flag must be a bool, not 1 (int)"),
    ],
)
def test_a_value_of_another_type_is_refused_naming_the_field_value_and_type(
    name: str, value: object, expected: str
) -> None:
    with pytest.raises(TypeError) as raised:
        Typed(**{name: value})  # type: ignore[arg-type]
    assert str(raised.value).startswith(expected)


def launcher_classes() -> dict[str, Any]:
    """Return the launcher classes this plugin registers, by entry point name."""
    return {
        point.name: point.load()
        for point in entry_points(group=GROUP)
        if point.name.partition(".")[0] == PRODUCT
    }


def test_every_launcher_class_conforms_to_the_protocol_before_it_starts(site: Path) -> None:
    classes = launcher_classes()
    assert f"{PRODUCT}.{MODE}" in classes
    for name, launcher_class in classes.items():
        model = launcher_class.CONFIG_MODEL
        if model is LauncherConfig:
            config = LauncherConfig(**example_values(site))
        else:  # another mode: the product's values, and a connect mode's address (not reached)
            fields = dataclasses.fields(model)
            unreached = dict.fromkeys([field.name for field in fields], "127.0.0.1:1")
            values = {**unreached, **example_values(site)}
            required = [field.name for field in fields if field.default is dataclasses.MISSING]
            config = model(**{name: values[name] for name in required})
        launcher = launcher_class(config=config)
        assert isinstance(launcher, LauncherProtocol), name
{%- if config.fields %}


def test_the_config_refuses_a_value_of_another_type_naming_the_field(site: Path) -> None:
    values = example_values(site)
    name = next(iter(values))
    with pytest.raises(TypeError, match=f"^{name} must be "):
        LauncherConfig(**{**values, name: object()})


def test_a_value_of_another_type_in_the_configuration_file_is_named_at_launch(
    site: Path, launcher_config_path: Path
) -> None:
    values = example_values(site)
    name = next(iter(values))
    stored = {"launch_mode": MODE, "configs": {MODE: {**values, name: [1, 2]}}}
    launcher_config_path.write_text(json.dumps({PRODUCT: stored}), encoding="utf-8")
    with pytest.raises(TypeError, match=rf"^{name} must be .*, not \[1, 2\] \(list\)"):
        launch_product(PRODUCT)
{%- endif %}
{%- if floats %}
{%- set field = floats[0] %}


def test_a_float_field_configured_with_an_int_is_stored_and_read_back_as_a_float(
    site: Path, launcher_config_path: Path, cli: CliRunner
) -> None:
    from {{ cookiecutter.__launcher_module }}.config import get_config_for

    cli("configure", PRODUCT, MODE, *cli_options({**example_values(site), "{{ field.name }}": 3}))
    stored = json.loads(launcher_config_path.read_text(encoding="utf-8"))
    assert repr(stored[PRODUCT]["configs"][MODE]["{{ field.name }}"]) == "3.0"
    read = get_config_for(product_name=PRODUCT, launch_mode=MODE)
    assert (read.{{ field.name }}, type(read.{{ field.name }})) == (3.0, float)  # type: ignore[attr-defined]
{%- endif %}
