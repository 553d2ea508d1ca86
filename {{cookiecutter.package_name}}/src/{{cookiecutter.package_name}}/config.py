{%- set config = cookiecutter.config_fields | config_model -%}
"""What users set for {{ cookiecutter.product_name }}: the launcher's options and the product's command line."""

from __future__ import annotations

import dataclasses

from {{ cookiecutter.__launcher_module }}.interface import (
    METADATA_KEY_DOC,
{%- if config.noprompt %}
    METADATA_KEY_NOPROMPT,
{%- endif %}
)

__all__ = ["PRODUCT_COMMAND", "LauncherConfig"]


@dataclasses.dataclass(kw_only=True)
class LauncherConfig:
    """Options of the ``{{ cookiecutter.product_name }}`` launcher, set with ``ansys-launcher configure``."""
{%- for field in config.fields %}

    {{ field.name }}: {{ field.type }} = dataclasses.field(
{%- if field.default is not none %}
        default={{ field.default }},
{%- endif %}
        metadata={
            METADATA_KEY_DOC: {{ field.description }},
{%- if not field.prompt %}
            METADATA_KEY_NOPROMPT: True,
{%- endif %}
        },
    )
{%- endfor %}


PRODUCT_COMMAND = [
{%- for argument in cookiecutter.product_command | command_literals %}
    {{ argument }},
{%- endfor %}
]
"""The product's command line, one argument per item; no shell is involved.

``{name}`` is replaced by the config field ``name``, ``{python}`` by the Python interpreter
that launches the product and ``{host}`` by ``127.0.0.1``.
{%- if cookiecutter.server_type == "grpc" %} ``{address}`` is where the product must
listen: ``unix:PATH`` for a Unix domain socket, or ``127.0.0.1:0`` for TCP, where the product
picks a free port itself; ``{certs_dir}`` is empty unless the transport is ``mtls``. The demo
product is ``{{ cookiecutter.package_name }}.demo_server``; yours must serve the standard gRPC
health service.
{%- else %} The product must pick a free port itself (port ``0``), so that no other
process can take it first.
{%- endif %} To launch your own product, change this list; it must listen on
``127.0.0.1`` only and print where it listens, which ``LISTENING_PATTERN`` in ``launcher.py`` reads.
"""
