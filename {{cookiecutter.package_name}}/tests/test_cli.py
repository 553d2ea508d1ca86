{%- set config = launcher_answer('config_fields') | config_model -%}
"""The ``ansys-launcher`` command finds the plugin and stores its configuration."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from {{ cookiecutter.__launcher_module }}.interface import (
    METADATA_KEY_DOC,
{%- if config.noprompt %}
    METADATA_KEY_NOPROMPT,
{%- endif %}
)

from {{ cookiecutter.package_name }} import LauncherConfig

from .conftest import MODE, PRODUCT, CliRunner, cli_options, example_values


def test_list_plugins_shows_the_product_and_its_launch_modes(cli: CliRunner) -> None:
    lines = cli("list-plugins").splitlines()
    modes = lines[lines.index(PRODUCT) + 1 :]
    modes = [line.strip() for line in modes[: modes.index("")]]
    assert modes == sorted([MODE{% if cookiecutter.include_connect_mode %}, "connect"{% endif %}{% if cookiecutter.include_slurm_mode %}, "slurm"{% endif %}{% if cookiecutter.include_container_mode %}, "container"{% endif %}])


def test_configure_help_explains_every_option(cli: CliRunner) -> None:
    help_text = " ".join(cli("configure", PRODUCT, MODE, "--help").split())
    for field in dataclasses.fields(LauncherConfig):
        assert f"--{field.name}" in help_text
        assert " ".join(field.metadata[METADATA_KEY_DOC].split()) in help_text


def test_configure_stores_every_option_without_prompting_and_show_config_prints_them(
    cli: CliRunner, site: Path, launcher_config_path: Path
) -> None:
    values = example_values(site)
    cli("configure", PRODUCT, MODE, *cli_options(values))
    stored = json.loads(launcher_config_path.read_text(encoding="utf-8"))
    assert stored[PRODUCT] == {"launch_mode": MODE, "configs": {MODE: values}}
    shown = cli("show-config")
    assert f"    {MODE} (default)" in shown
    for name, value in values.items():
        assert f"        {name}: {value}" in shown
{%- if config.noprompt %}


def test_options_marked_noprompt_keep_their_default_when_not_given(
    cli: CliRunner, site: Path, launcher_config_path: Path
) -> None:
    quiet = {
        field.name: field.default
        for field in dataclasses.fields(LauncherConfig)
        if field.metadata.get(METADATA_KEY_NOPROMPT)
    }
    asked = {name: value for name, value in example_values(site).items() if name not in quiet}
    cli("configure", PRODUCT, MODE, *cli_options(asked))
    stored = json.loads(launcher_config_path.read_text(encoding="utf-8"))
    assert stored[PRODUCT]["configs"][MODE] == {**asked, **quiet}
{%- endif %}


def test_the_configuration_file_is_the_one_given_to_the_test(
    cli: CliRunner, launcher_config_path: Path
) -> None:
    assert cli("show-config-path").strip() == str(launcher_config_path)
