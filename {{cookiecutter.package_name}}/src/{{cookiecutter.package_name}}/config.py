{%- set config = launcher_answer('config_fields') | config_model -%}
{%- set environment = launcher_answer('product_env') | environment_literals -%}
{%- set own = servers().items() | selectattr("1.command") | list -%}
"""What users set for {{ cookiecutter.product_name }}: the launcher's options and the product's command line."""

from __future__ import annotations

import dataclasses

from {{ cookiecutter.__launcher_module }}.interface import (
    METADATA_KEY_DOC,
    METADATA_KEY_NOPROMPT,
)

from ._machinery.fields import (
{%- for name in config.command_metadata + ["check_types"] %}
    {{ name }},
{%- endfor %}
)

__all__ = [
    "PRODUCT_COMMAND",
    "PRODUCT_ENV",
    "SERVERS",
    "SERVER_COMMANDS",
{%- if cookiecutter.server_type == "grpc" %}
    "UDS_SERVICE",
{%- endif %}
    "LauncherConfig",
]


@dataclasses.dataclass(kw_only=True)
class LauncherConfig:
    """Options of the ``{{ cookiecutter.product_name }}`` launcher, set with ``ansys-launcher configure``."""
{%- for field in config.fields %}

    {{ field.name }}: {{ field.annotation }} = dataclasses.field(
{%- if field.default is not none %}
        default={{ field.default }},
{%- endif %}
        metadata={
            METADATA_KEY_DOC: {{ field.doc }},
{%- if not field.prompt %}
            METADATA_KEY_NOPROMPT: True,
{%- endif %}
{%- if field.path %}
            METADATA_KEY_PATH: True,
{%- endif %}
{%- if field.env %}
            METADATA_KEY_ENV: {{ field.env }},
{%- endif %}
{%- if field.ansys_path %}
            METADATA_KEY_ANSYS_PATH: {{ field.ansys_path }},
{%- endif %}
{%- if field.role %}
            METADATA_KEY_ROLE: {{ field.role }},
{%- endif %}
        },
    )
{%- endfor %}

    startup_timeout: float = dataclasses.field(
        default={{ cookiecutter.startup_timeout | float }},
        metadata={
            METADATA_KEY_DOC: "Seconds a start may take before it fails.",
            METADATA_KEY_NOPROMPT: True,
        },
    )

    def __post_init__(self) -> None:
        """Check the type of each value (an int for a float field becomes a float)."""
        check_types(self)


PRODUCT_COMMAND = [
{%- for argument in launcher_answer('product_command') | command_literals %}
    {{ argument }},
{%- endfor %}
]
"""The product's command line, one argument per item; no shell is involved.

The first item names the program: a path, or a name looked up on ``PATH``. ``{name}`` is
replaced by the value of the config field ``name``, ``{python}`` by the Python interpreter that
launches the product, ``{host}`` by ``127.0.0.1`` and ``{port}`` by a free TCP port that the
launcher chooses.
{%- if cookiecutter.server_type == "grpc" %}

The placeholder of the field with the role ``transport`` is the transport in use (``uds``, ``wnua``,
``insecure`` or ``mtls``); ``{address}`` is where to listen (``unix:PATH``, or ``127.0.0.1:PORT``,
where the port is ``0`` unless the command names ``{port}``); ``{uds_dir}`` is a new private folder
and ``{uds_id}`` a new identifier per launch: the socket is
``<uds_dir>/<UDS_SERVICE>-<uds_id>.sock`` (``<uds_dir>/<UDS_SERVICE>.sock`` if the command names
``{uds_dir}`` but neither ``{uds_id}`` nor ``{address}``); the placeholder of the field with the
role ``certs_dir`` is the certificates folder with ``mtls``.

An argument that names a placeholder with no value for this launch is left out: an empty field,
``{host}`` and ``{port}`` over a Unix domain socket, ``{uds_dir}`` over TCP, the certificates folder
unless the transport is ``mtls``. So write an option and its value as one argument,
``--port={port}``, and one command line serves every case.

When the command names ``{port}`` (over TCP), or ``{address}`` or ``{uds_dir}`` (over a Unix
domain socket), the launcher knows where the product listens and waits until it answers.
Otherwise the product must pick a free port itself and print it, which ``LISTENING_PATTERN`` in
``launcher.py`` reads. The product must listen on ``127.0.0.1`` only and serve the standard gRPC
health service.
{%- else %}

An argument that names a placeholder with no value for this launch is left out: an empty field.
So write an option and its value as one argument, ``--port={port}``, and one command line
serves every case.

When the command names ``{port}``, the launcher knows where the product listens and waits until
it answers. Otherwise the product must pick a free port itself and print it, which
``LISTENING_PATTERN`` in ``launcher.py`` reads. The product must listen on ``127.0.0.1`` only.
{%- endif %}
"""

{% if environment -%}
PRODUCT_ENV: dict[str, str] = {
{%- for name, value in environment %}
    {{ name }}: {{ value }},
{%- endfor %}
}
{% else -%}
PRODUCT_ENV: dict[str, str] = {}
{% endif -%}
"""Environment variables added for the product, with the placeholders of ``PRODUCT_COMMAND``;
a variable whose value names a placeholder with no value is not set."""

SERVERS: tuple[str, ...] = ({{ servers() | map("py_str") | join(", ") }}{% if servers() | length == 1 %},{% endif %})
"""The product's servers, ``main`` first: the keys of the launchers' ``SERVER_SPEC`` and
``urls``{% if cookiecutter.server_type == "grpc" %} (and ``transport_options``){% endif %}.

``PRODUCT_COMMAND`` starts ``main``, and every other server without a command of its own in
``SERVER_COMMANDS``. The launcher chooses a free TCP port for each other server, ``{port:NAME}``
in the commands and ``PRODUCT_ENV``
{%- if cookiecutter.server_type == "grpc" %}, and its address ``{address:NAME}`` (``unix:PATH``
over a Unix domain socket, ``<uds_dir>/<UDS_SERVICE>-NAME-<uds_id>.sock``, or
``127.0.0.1:PORT``){% endif %}; a start returns when every server is ready.
"""

{% if own -%}
SERVER_COMMANDS: dict[str, list[str]] = {
{%- for name, spec in own %}
    {{ name | py_str }}: [
{%- for argument in spec.command %}
        {{ argument | py_str }},
{%- endfor %}
    ],
{%- endfor %}
}
{%- else -%}
SERVER_COMMANDS: dict[str, list[str]] = {}
{%- endif %}
"""The servers that run a program of their own, started after ``PRODUCT_COMMAND`` with the
same placeholder values (``{port}`` is ``main``'s port) and ``PRODUCT_ENV``; each is its own
process, with its own log, stopped with the others."""
{%- if cookiecutter.server_type == "grpc" %}

UDS_SERVICE = {{ cookiecutter.uds_service | py_str }}
"""Service name of the Unix domain socket, ``<uds_dir>/<UDS_SERVICE>-<uds_id>.sock``: the naming of
``ansys.tools.common.cyberchannel`` and of the products built on it."""
{%- endif %}
