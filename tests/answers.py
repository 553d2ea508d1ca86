"""Answer sets of the bakes that several test files use: plugins for products like real ones."""

from __future__ import annotations

import json

# A plugin for a gRPC product modelled on the ACP server that pyacp launches: found through
# ACP_BINARY or the newest Ansys installation, told its transport and where to listen, and
# given a license server through ANSYSLMD_LICENSE_FILE; beside it a file-transfer server, a
# program of its own (as pyacp's container mode runs it), told its address. It has the direct,
# container and connect launch modes.
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
    "file_transfer_binary": {
        "type": "path",
        "default": "",
        "description": "The executable of the file-transfer server.",
        "env": "ACP_FILE_TRANSFER_BINARY",
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
ACP_SERVERS = {
    "main": "grpc",
    "file_transfer": {
        "kind": "grpc",
        "command": [
            "{file_transfer_binary}",
            "--address={address:file_transfer}",
            "--certs-dir={certs_dir}",
        ],
    },
}
ACP_LIKE = {
    "product_name": "acp",
    "server_type": "grpc",
    "include_connect_mode": True,
    "include_container_mode": True,
    "uds_service": "acp_grpcserver",
    "config_fields": json.dumps(ACP_FIELDS),
    "product_command": json.dumps(ACP_COMMAND),
    "product_env": json.dumps({"ANSYSLMD_LICENSE_FILE": "{license_server}"}),
    "servers": json.dumps(ACP_SERVERS),
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
    "include_slurm_mode": True,  # where the status server is a batch job of its own
    "launcher_library": "ansys-tools-common",
    "config_fields": json.dumps(CUSTOM_FIELDS),
    "product_command": json.dumps(
        [
            "{python}",
            *("-X", "workers={workers}", "-X", "scale={scale}", "-X", "verbose={verbose}"),
            *("-m", "http.server", "--bind", "{host}", "--directory", "{directory}", "0"),
        ]
    ),
    # A second server that is a program of its own, told its port.
    "servers": json.dumps(
        {
            "main": "http",
            "status": {
                "kind": "http",
                "command": ["{python}", "-m", "http.server", "--bind", "{host}", "{port:status}"],
            },
        }
    ),
}

# The roles on fields with other names, and the names the roles had before on ordinary fields:
# the launcher and the generated tests find the fields by their roles. Their launch modes and
# libraries are chosen for the covering array of tests/test_matrix.py, which they are part of.
RENAMED_GRPC = {
    "product_name": "renamed_grpc",
    "server_type": "grpc",
    "register_fallback": False,
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
            "--address={address:peer}",
            "--certs-dir={certificates}",
        ]
    ),
    "product_env": json.dumps({"RENAMED_TRANSPORT": "{transport}"}),
    # A second server that the same command serves (the demo server takes more addresses).
    "servers": json.dumps({"main": "grpc", "peer": "grpc"}),
}
RENAMED_HTTP = {
    "product_name": "renamed_http",
    "launcher_library": "ansys-tools-common",
    "config_fields": json.dumps(
        {
            "site_root": {
                "type": "path",
                "default": "",
                "description": "Folder to serve files from.",
                "role": "folder",
            },
            "directory": {"type": "path", "default": "", "description": "An ordinary field."},
            # Named like the admin server's port, which the stand-in must not confuse with it.
            "port_admin": {"type": "int", "default": 9, "description": "An ordinary field."},
        }
    ),
    # A product that serves HTTPS (with its own certificate) and takes a token in a header.
    "product_command": json.dumps(
        [
            *("{python}", "-m", "tls_http_server", "--bind={host}"),
            *("--directory={site_root}", "--api-key={token}", "--admin-port={port:admin}"),
            "{port}",
        ]
    ),
    # A second server that the same command serves, told its port.
    "servers": json.dumps({"main": "http", "admin": "http"}),
    "product_env": json.dumps(
        {"RENAMED_DIRECTORY": "{directory}", "RENAMED_PORT_ADMIN": "{port_admin}"}
    ),
    "http_scheme": "https",
    "token_header": "Authorization: Bearer {token}",
    "include_connect_mode": True,  # which verifies the certificate against its ca_file
}

# Four products like real ones (tests/products/), each baked with one command line.
PRODUCTS = "tests/products"
# An HTTP server told its port, that checks a token on every request and refuses to run as
# root without a switch.
TOKEN_HTTP = {
    "product_name": "token_http",
    "config_fields": json.dumps(
        {
            "server": {
                "type": "path",
                "default": "",
                "description": "The token_http_server.py program.",
                "env": "TOKEN_HTTP_SERVER",
            },
            "allow_root": {
                "type": "bool",
                "default": True,
                "description": "Let the server run as root.",
            },
        }
    ),
    "product_command": json.dumps(
        ["{python}", "{server}", "--port={port}", "--token={token}", "{allow_root:--allow-root}"]
    ),
    "readiness_path": "/api/status?token={token}",
}
# A gRPC server on TCP only (no Unix domain sockets), with a second port for its peers and a
# data folder it writes into the current folder unless told one.
TCP_GRPC = {
    "product_name": "tcp_grpc",
    "server_type": "grpc",
    "config_fields": json.dumps(
        {
            "server": {
                "type": "path",
                "default": "",
                "description": "The tcp_grpc_server.py program.",
                "env": "TCP_GRPC_SERVER",
            },
            "transport": {
                "type": "str",
                "default": "insecure",
                "description": "insecure: the server speaks TCP only, without TLS.",
                "role": "transport",
            },
            "certs_dir": {
                "type": "path",
                "default": "",
                "description": "Unused: the server takes no certificates.",
                "role": "certs_dir",
            },
        }
    ),
    "product_command": json.dumps(
        [
            "{python}",
            "{server}",
            "--port={port}",
            "--peer-port={port:peer}",
            "--data-dir={work_dir}",
        ]
    ),
}
# An HTTP server slow to start (a minute by default) that forks workers and writes a database
# into its current folder.
SLOW_HTTP = {
    "product_name": "slow_http",
    "config_fields": json.dumps(
        {
            "server": {
                "type": "path",
                "default": "",
                "description": "The slow_http_server.py program.",
                "env": "SLOW_HTTP_SERVER",
            },
            "delay": {"type": "int", "default": 60, "description": "Seconds it takes to start."},
            "workers": {"type": "int", "default": 13, "description": "Worker processes."},
        }
    ),
    "product_command": json.dumps(
        [
            "{python}",
            "{server}",
            "--port={port}",
            "--startup-delay={delay}",
            "--workers={workers}",
        ]
    ),
    "startup_timeout": "120",
}
# An HTTP server that picks its own port and prints its URL, with a token in it.
SELF_PORT_HTTP = {
    "product_name": "self_port_http",
    "config_fields": json.dumps(
        {
            "server": {
                "type": "path",
                "default": "",
                "description": "The self_port_http_server.py program.",
                "env": "SELF_PORT_HTTP_SERVER",
            }
        }
    ),
    "product_command": json.dumps(["{python}", "{server}"]),
    "listening_pattern": r"Serving at (?P<url>http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]+)",
}
