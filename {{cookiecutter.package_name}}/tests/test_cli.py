"""The ``ansys-launcher`` command finds the plugin and stores its configuration."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import MODE, PRODUCT, CliRunner


def test_list_plugins_shows_the_product_and_its_launch_mode(cli: CliRunner) -> None:
    lines = cli("list-plugins").splitlines()
    assert lines[lines.index(PRODUCT) + 1].strip() == MODE
    assert "__fallback__" not in lines


def test_configure_help_explains_every_option(cli: CliRunner) -> None:
    help_text = cli("configure", PRODUCT, MODE, "--help")
    assert "--directory" in help_text
    assert "Folder to serve files from." in help_text


def test_configure_stores_the_directory_and_show_config_prints_it(
    cli: CliRunner, site: Path, launcher_config_path: Path
) -> None:
    cli("configure", PRODUCT, MODE, f"--directory={site}")
    stored = json.loads(launcher_config_path.read_text(encoding="utf-8"))
    assert stored[PRODUCT] == {"launch_mode": MODE, "configs": {MODE: {"directory": str(site)}}}
    shown = cli("show-config")
    assert f"    {MODE} (default)" in shown
    assert f"directory: {site}" in shown


def test_the_configuration_file_is_the_one_given_to_the_test(
    cli: CliRunner, launcher_config_path: Path
) -> None:
    assert cli("show-config-path").strip() == str(launcher_config_path)
