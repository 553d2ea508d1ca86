"""TCP ports for a product told its port (``{port}``): reserved, probed, and a new one when
another process took the first.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..errors import LaunchError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["port_is_free", "release_port", "reserve_port", "start_on_free_port"]

_PORTS_LOCK = threading.Lock()
_RESERVED_PORTS: set[int] = set()


def reserve_port(host: str) -> int:
    """Return a TCP port that is free on ``host`` and not handed to another launch of this process.

    Another process may still take the port before the product binds it; the launchers retry
    with another port when the product exits during start-up. Call ``release_port`` once the
    product listens (or gave up).
    """
    import socket

    with _PORTS_LOCK:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((host, 0))
                port: int = probe.getsockname()[1]
            if port not in _RESERVED_PORTS:
                _RESERVED_PORTS.add(port)
                return port


def port_is_free(host: str, port: int) -> bool:
    """Return whether nothing holds the TCP ``port`` on ``host`` now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: do not share a port in use
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def release_port(port: int | None) -> None:
    """Let ``reserve_port`` hand out ``port`` again."""
    if port is not None:
        with _PORTS_LOCK:
            _RESERVED_PORTS.discard(port)


def start_on_free_port(
    start: Callable[[int | None], None],
    stop: Callable[[], None],
    exited: Callable[[], bool],
    *,
    tells_port: bool,
    host: str,
    attempts: int,
    other_ports: Callable[[], Sequence[int]] = tuple,
) -> None:
    """Call ``start(port)``, with a newly reserved free port when ``tells_port`` (else ``None``).

    When ``start`` fails because a process of the product exited during start-up (``exited()``)
    while another process holds its port or one of ``other_ports()`` (``{port:NAME}``, reserved
    by ``start``), taken meanwhile, call ``stop()`` and try again with other ports, ``attempts``
    starts in all; the last error names every port that was taken. Any other failure (also an
    exit while the ports are free: the product failed for another reason) calls ``stop()`` and
    is raised at once.
    """
    tried: list[int] = []
    starts = 0
    while True:
        starts += 1
        port = reserve_port(host) if tells_port else None
        try:
            start(port)
        except BaseException as error:
            ended = exited()
            told = [*([] if port is None else [port]), *other_ports()]
            stop()
            if not told or not ended or not isinstance(error, LaunchError):
                raise
            taken = [each for each in told if not port_is_free(host, each)]
            if not taken:  # it failed for another reason
                raise
            tried.extend(taken)
            if starts >= attempts:
                ports = ", ".join(map(str, tried))
                raise LaunchError(
                    f"{error}\nIn each of {starts} starts, another process took a port before the"
                    f" product bound it: {ports}."
                ) from error
        else:
            return
        finally:
            release_port(port)
