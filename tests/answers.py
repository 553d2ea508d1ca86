"""Answer sets of the bakes that several test files use: plugins for products like real ones."""

from __future__ import annotations

import json

# A plugin for a gRPC product modelled on the ACP server that pyacp launches: found through
# ACP_BINARY or the newest Ansys installation, told its transport and where to listen, and
# given a license server through ANSYSLMD_LICENSE_FILE.
ACP_FIELDS = {
    "binary_path": {
        "type": "path",
        "default": "",
        "description": "The acp_grpcserver executable.",
        "env": "ACP_BINARY",
        "ansys_path": "ACP/acp_grpcserver",
    },
    "transport": {
        "type": "str",
        "default": "",
        "description": "uds, wnua, insecure or mtls; empty means uds (wnua on Windows).",
        "role": "transport",
    },
    "certs_dir": {
        "type": "path",
        "default": "",
        "description": "Folder of the mTLS certificates.",
        "role": "certs_dir",
    },
    "license_server": {
        "type": "str",
        "default": "",
        "description": "License server, such as 1055@licenses.example.com.",
        "env": "ANSYSLMD_LICENSE_FILE",
    },
}
ACP_COMMAND = [
    "{binary_path}",
    "--transport-mode={transport}",
    "--uds-dir={uds_dir}",
    "--uds-id={uds_id}",
    "--host={host}",
    "--port={port}",
    "--certs-dir={certs_dir}",
]
ACP_LIKE = {
    "product_name": "acp",
    "server_type": "grpc",
    "uds_service": "acp_grpcserver",
    "config_fields": json.dumps(ACP_FIELDS),
    "product_command": json.dumps(ACP_COMMAND),
    "product_env": json.dumps({"ANSYSLMD_LICENSE_FILE": "{license_server}"}),
}

# An HTTP product told its port: Python's HTTP server, given the port on its command line.
PORT_TOLD = {
    "product_name": "http_told_port",
    "product_command": json.dumps(
        ["{python}", "-m", "http.server", "--bind={host}", "--directory={directory}", "{port}"]
    ),
}

# Another product, another launch mode, no fallback, four fields of every type (one without
# a default, one not prompted for), a command that uses them all, and ansys-tools-common.
CUSTOM_FIELDS = {
    "directory": {"type": "str", "default": "", "description": "Folder to serve | files from."},
    "workers": {"type": "int", "description": "Number of workers; must be configured."},
    "scale": {"type": "float", "default": 2, "description": 'Scale "factor" of the product.'},
    "verbose": {"type": "bool", "default": False, "description": "Log all.", "prompt": False},
}
CUSTOM = {
    "product_name": "demo-server",
    "launch_mode": "local",
    "register_fallback": False,
    "include_connect_mode": True,
    "launcher_library": "ansys-tools-common",
    "config_fields": json.dumps(CUSTOM_FIELDS),
    "product_command": json.dumps(
        [
            "{python}",
            *("-X", "workers={workers}", "-X", "scale={scale}", "-X", "verbose={verbose}"),
            *("-m", "http.server", "--bind", "{host}", "--directory", "{directory}", "0"),
        ]
    ),
}

# The roles on fields with other names, and the names the roles had before on ordinary fields:
# the launcher and the generated tests find the fields by their roles.
RENAMED_GRPC = {
    "product_name": "renamed_grpc",
    "server_type": "grpc",
    "config_fields": json.dumps(
        {
            "transport_mode": {
                "type": "str",
                "default": "",
                "description": "uds, wnua, insecure or mtls; empty means uds (wnua on Windows).",
                "role": "transport",
            },
            "certificates": {
                "type": "path",
                "default": "",
                "description": "Folder of the mTLS certificates.",
                "role": "certs_dir",
            },
            "transport": {"type": "str", "default": "", "description": "An ordinary field."},
        }
    ),
    "product_command": json.dumps(
        [
            "{python}",
            "-m",
            "renamed_grpc_plugin.demo_server",
            "--address={address}",
            "--certs-dir={certificates}",
        ]
    ),
    "product_env": json.dumps({"RENAMED_TRANSPORT": "{transport}"}),
}
RENAMED_HTTP = {
    "product_name": "renamed_http",
    "config_fields": json.dumps(
        {
            "site_root": {
                "type": "path",
                "default": "",
                "description": "Folder to serve files from.",
                "role": "folder",
            },
            "directory": {"type": "path", "default": "", "description": "An ordinary field."},
        }
    ),
    "product_command": json.dumps(
        ["{python}", "-m", "http.server", "--bind={host}", "--directory={site_root}", "{port}"]
    ),
    "product_env": json.dumps({"RENAMED_DIRECTORY": "{directory}"}),
}
