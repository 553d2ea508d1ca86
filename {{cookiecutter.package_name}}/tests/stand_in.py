"""A stand-in for {{ cookiecutter.product_name }}: it accepts the product's command line, listens where it is
told and serves {% if cookiecutter.server_type == "grpc" %}the standard gRPC health service{% else %}HTTP{% endif %}, so the tests need no product installed.

The ``stand_in`` fixture of ``conftest.py`` runs ``python stand_in.py ARGUMENTS...`` in place of
the product, where ``ARGUMENTS`` are the ones the launcher built from ``PRODUCT_COMMAND``, and
{%- if cookiecutter.server_type == "grpc" %}
passes the templates (``PRODUCT_COMMAND`` without its program, ``PRODUCT_ENV``, ``UDS_SERVICE``,
the names of the config fields by their roles) as JSON in the environment variable
``TEMPLATES_VARIABLE``.
{%- else %}
passes the templates (``PRODUCT_COMMAND`` without its program, ``PRODUCT_ENV``, the names of the
config fields by their roles) as JSON in the environment variable ``TEMPLATES_VARIABLE``.
{%- endif %}

The stand-in matches its arguments and environment against the templates, allowing for the
arguments the launcher leaves out, and exits with code 2 naming the first one that does not
fit. So it keeps working when ``PRODUCT_COMMAND`` changes, as long as each argument keeps its
form. It imports nothing of the plugin, so that it starts as fast as a small product.
{%- if cookiecutter.server_type == "grpc" %}

Where it listens comes from the placeholders it finds: ``{address}``, ``{uds_dir}`` and
``{uds_id}`` (``<uds_dir>/<UDS_SERVICE>-<uds_id>.sock``), or ``{host}`` and ``{port}``; the
placeholder of the field with the role ``certs_dir`` switches on mutual TLS.
{%- else %}

Where it listens comes from the placeholders it finds: ``{host}`` and ``{port}``; it serves the
files of the folder the field with the role ``folder`` names if the command names that field,
else of the current folder.
{%- endif %}

Told no port, it picks one and prints it as ``REPORT`` says, which ``LISTENING_PATTERN`` in
``launcher.py`` reads; told where to listen, it prints nothing that the launcher could read. If
it cannot listen there (the port is taken), it exits with code 1, as a product does.
"""

from __future__ import annotations

import functools
import json
import os
import re
import string
import sys
{%- if cookiecutter.server_type == "grpc" %}
import threading
{%- endif %}
from collections.abc import Mapping, Sequence
from typing import {% if cookiecutter.server_type == "http" %}Any, {% endif %}NoReturn

TEMPLATES_VARIABLE = "LAUNCHER_STAND_IN_TEMPLATES"
{%- if cookiecutter.server_type == "grpc" %}
"""Environment variable with the templates, as JSON:
``{"command": [...], "env": {...}, "uds_service": "...", "roles": {role: field name}}``."""
{%- else %}
"""Environment variable with the templates, as JSON:
``{"command": [...], "env": {...}, "roles": {role: field name}}``."""
{%- endif %}
REPORT = {{ cookiecutter.listening_pattern | listening_report | py_str }}
"""What the stand-in prints when it picked its port itself, made from ``LISTENING_PATTERN`` (the
``listening_pattern`` answer), which matches it: ``{port}`` and ``{address}`` are filled in."""


SITE_VARIABLE = "STAND_IN_SITE"
"""Environment variable with the folder the HTTP stand-in serves when no field names one."""


def pattern(template: str) -> re.Pattern[str]:
    """Return a regular expression that matches what ``template`` becomes once filled in."""
    regex, seen = "", set()
    for number, (literal, name, spec, _) in enumerate(string.Formatter().parse(template)):
        regex += re.escape(literal)
        if name is None:
            continue
        if spec and name not in ("port", "address"):  # a switch: its text for true or false
            texts = "|".join(re.escape(text) for text in spec.split("|") if text)
            regex += f"(?P<_switch_{number}>{texts})"
            continue
        key = named(name, spec) if spec else name  # {port:NAME}, {address:NAME}: another server
        value = "[0-9]+" if name == "port" else ".+?"
        regex += f"(?P={key})" if key in seen else f"(?P<{key}>{value})"
        seen.add(key)
    return re.compile(regex, re.DOTALL)


def named(placeholder: str, name: str) -> str:
    """Return the key of ``{placeholder:NAME}`` (``port`` or ``address`` of another server) in
    the values the stand-in finds: ``_port_NAME``, which no config field's name can be (they
    start with a letter)."""
    return f"_{placeholder}_{name}"


def _merged(first: dict[str, str], second: dict[str, str]) -> dict[str, str] | None:
    """Return both sets of placeholder values together, or ``None`` if they disagree."""
    if any(
        first[name] != value
        for name, value in second.items()
        if name in first and not name.startswith("_switch_")  # each switch reads its own text
    ):
        return None
    return {**first, **second}


ALWAYS_FILLED = ("address", "uds_dir", "uds_id", "port", "host", "python")
"""Placeholders the launcher fills in whenever they apply (with the field of the role
``transport``, see ``roles``): a reading of the arguments that binds more of them is the likelier
one."""


def roles(environment: Mapping[str, str]) -> dict[str, str]:
    """Return the names of the config fields by their roles, from the templates."""
    templates = json.loads(environment[TEMPLATES_VARIABLE])
    return dict(templates.get("roles", {}))


def match_arguments(
    templates: Sequence[str], arguments: Sequence[str], filled: Sequence[str] = ()
) -> dict[str, str] | None:
    """Return the placeholder values that make ``arguments`` the filled-in ``templates``, where
    arguments with placeholders may have been left out; ``None`` if there are none.

    Of several readings (``{a} {b}`` with one argument), the one that binds the most
    placeholders of ``ALWAYS_FILLED`` and ``filled`` wins.
    """
    always = (*ALWAYS_FILLED, *filled)

    @functools.cache
    def walk(template: int, argument: int) -> tuple[dict[str, str], ...]:
        if template == len(templates):
            return ({},) if argument == len(arguments) else ()
        compiled = pattern(templates[template])
        readings: list[dict[str, str]] = []
        found = compiled.fullmatch(arguments[argument]) if argument < len(arguments) else None
        if found:
            for rest in walk(template + 1, argument + 1):
                merged = _merged(found.groupdict(), rest)
                if merged is not None:
                    readings.append(merged)
        if compiled.groupindex:  # an argument with placeholders may have been left out
            readings.extend(walk(template + 1, argument))
        return tuple(readings)

    readings = walk(0, 0)
    if not readings:
        return None
    return max(readings, key=lambda values: sum(name in values for name in always))


def match_environment(
    templates: Mapping[str, str], environment: Mapping[str, str]
) -> dict[str, str]:
    """Return the placeholder values in the environment variables set from ``templates``."""
    values: dict[str, str] = {}
    for name, template in templates.items():
        compiled = pattern(template)
        if name not in environment:
            if not compiled.groupindex:
                fail(f"environment variable {name} is not set, though PRODUCT_ENV sets it always")
            continue
        found = compiled.fullmatch(environment[name])
        merged = _merged(values, found.groupdict()) if found else None
        if merged is None:
            fail(f"environment variable {name}={environment[name]!r} does not fit {template!r}")
        values = merged
    return values


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` and exit with ``code``."""
    print(f"stand-in: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


SERVER_OPTION = "--stand-in-server="
"""The first argument of the stand-in in place of a server with a command of its own
(``SERVER_COMMANDS``): the server's name."""


def served(arguments: Sequence[str], environment: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Return the servers this stand-in serves, ``main`` first if it is one of them, and the
    template of its command: ``main`` and the servers without a command of their own, or the
    server ``SERVER_OPTION`` names."""
    templates = json.loads(environment[TEMPLATES_VARIABLE])
    own: dict[str, list[str]] = templates.get("server_commands", {})
    if arguments and arguments[0].startswith(SERVER_OPTION):
        server = arguments[0].removeprefix(SERVER_OPTION)
        return [server], own[server]
    others = [server for server in templates.get("servers", ["main"])[1:] if server not in own]
    return ["main", *others], templates["command"]


def told_values(arguments: Sequence[str], environment: Mapping[str, str]) -> dict[str, str]:
    """Return the placeholder values found in ``arguments`` and ``environment``."""
    templates = json.loads(environment[TEMPLATES_VARIABLE])
    transport = templates.get("roles", {}).get("transport")
    _, command = served(arguments, environment)
    arguments = [argument for argument in arguments if not argument.startswith(SERVER_OPTION)]
    values = match_arguments(command, arguments, [transport] if transport else [])
    if values is None:
        fail(f"the arguments {list(arguments)} do not fit the command {command}")
    both = _merged(values, match_environment(templates["env"], environment))
    if both is None:
        fail("the environment and the arguments disagree on a placeholder's value")
    return {**both, "uds_service": templates.get("uds_service", "")}
{%- if cookiecutter.server_type == "grpc" %}


def listen_address(told: Mapping[str, str], server: str = "main") -> str:
    """Return where ``server`` listens: ``unix:PATH`` or ``HOST:PORT`` (port ``0``: pick one)."""
    if server != "main":
        if named("address", server) in told:
            return told[named("address", server)]
        return f"127.0.0.1:{told[named('port', server)]}"
    if "address" in told:
        return told["address"]
    if "uds_dir" in told:
        name = told["uds_service"] + (f"-{told['uds_id']}" if "uds_id" in told else "")
        return f"unix:{os.path.join(told['uds_dir'], name)}.sock"
    return f"{told.get('host', '127.0.0.1')}:{told.get('port', '0')}"


def serve(told: Mapping[str, str], servers: Sequence[str] = ("main",)) -> None:
    """Serve the health service of each of ``servers`` where ``told`` says, until SIGTERM or
    Ctrl+C."""
    import contextlib
    import signal
    from concurrent import futures
    from pathlib import Path

    import grpc
    from grpc_health.v1 import (  # type: ignore[import-untyped,unused-ignore]
        health,
        health_pb2,
        health_pb2_grpc,
    )

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    reported = ("", 0)
    for name in servers:
        address = listen_address(told, name)
        try:
            certs_dir = told.get(roles(os.environ).get("certs_dir", ""))
            if certs_dir:
                folder = Path(certs_dir)
                credentials = grpc.ssl_server_credentials(
                    [((folder / "server.key").read_bytes(), (folder / "server.crt").read_bytes())],
                    root_certificates=(folder / "ca.crt").read_bytes(),
                    require_client_auth=True,
                )
                port = server.add_secure_port(address, credentials)
            else:
                port = server.add_insecure_port(address)
        except (OSError, RuntimeError) as error:
            fail(f"cannot listen on {address}: {error}", code=1)
        if not address.startswith("unix:") and port == 0:
            fail(f"cannot listen on {address}", code=1)
        if name == servers[0]:  # the first it serves reports where it listens, if it picked
            reported = address, port
    server.start()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    address, port = reported
    if address.endswith(":0"):
        host = address.rpartition(":")[0]
        print(REPORT.format(address=f"{host}:{port}", port=port), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        while not done.wait(timeout=0.2):  # timed: the handler runs when the main thread wakes
            pass
    server.stop(grace=1).wait()
{%- else %}


def serve(told: Mapping[str, str], servers: Sequence[str] = ("main",)) -> None:
    """Serve HTTP for each of ``servers`` where ``told`` says, until the process is ended: over
    TLS with the files the templates name (``tls``), and only to requests with the token header,
    if there is one."""
    import threading

    places = [
        (told.get("host", "127.0.0.1"), int(told.get("port", "0")))
        if server == "main"
        else ("127.0.0.1", int(told[named("port", server)]))
        for server in servers
    ]
    bound = [listen(told, host, port) for host, port in places]  # all, before serving any
    for server in bound[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    bound[0].serve_forever()


def listen(told: Mapping[str, str], host: str, port: int) -> Any:
    """Return an HTTP server bound to ``host``:``port``; port ``0``: pick one and print it as
    ``REPORT`` says."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    folder = told.get(roles(os.environ).get("folder", ""))
    # Its working folder is the launch's {work_dir}: with no folder field, the tests' site.
    served = folder or os.environ.get(SITE_VARIABLE) or os.getcwd()
    templates = json.loads(os.environ[TEMPLATES_VARIABLE])
    name, _, value = str(templates.get("token_header") or "").partition(":")
    expected = value.strip().format(token=told.get("token", "")) if name else None

    class Handler(SimpleHTTPRequestHandler):
        def send_head(self) -> Any:  # what GET and HEAD answer with
            if expected is not None and self.headers.get(name) != expected:
                self.send_error(403, "no token header, or a wrong token")
                return None
            return super().send_head()

    handler = functools.partial(Handler, directory=served)
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error}", code=1)
    tls = templates.get("tls")
    if tls:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    if port == 0:
        port = server.server_address[1]
        print(REPORT.format(address=f"{host}:{port}", port=port), flush=True)
    return server
{%- endif %}


if __name__ == "__main__":
    serve(told_values(sys.argv[1:], os.environ), served(sys.argv[1:], os.environ)[0])
