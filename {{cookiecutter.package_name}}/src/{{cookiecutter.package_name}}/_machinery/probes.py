"""Cheap questions about where a product listens: is it this machine, does anything accept
connections there, and how long may one readiness probe wait."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re

__all__ = ["accepts_connections", "is_loopback", "probe_timeout", "reported_port"]


def reported_port(found: re.Match[bytes]) -> int:
    """Return the port in what ``LISTENING_PATTERN`` found: its group ``port``, or the port of
    its group ``address`` (``HOST:PORT``) or ``url``; without those, of its first group."""
    from urllib.parse import urlsplit

    names = found.re.groupindex
    if "port" in names:
        return int(found.group("port"))
    text = found.group("url" if "url" in names else "address" if "address" in names else 1)
    text = text.decode("ascii", "replace")
    port = urlsplit(text).port if "://" in text else int(text.rpartition(":")[2])
    if port is None:
        raise ValueError(f"no port in {text!r}")
    return port


def is_loopback(host: str) -> bool:
    """Return whether ``host`` (a name, or an IP address, IPv6 in brackets or not) is this
    machine's loopback."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def accepts_connections(address: str) -> bool:
    """Return whether something accepts connections at ``address`` (``unix:PATH`` or
    ``HOST:PORT``): a cheap probe before the first HTTP request or gRPC call."""
    import socket

    try:
        if address.startswith("unix:"):
            path = address.removeprefix("unix:")
            if not hasattr(socket, "AF_UNIX"):
                return os.path.exists(path)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(path)
        else:
            host, _, port = address.rpartition(":")
            socket.create_connection((host.strip("[]"), int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def probe_timeout(deadline: float) -> float:
    """Return how long one readiness probe may wait: at most 1 s, so that a product that exits
    (or another server that took its port and never answers) is noticed soon."""
    import time

    return min(max(deadline - time.monotonic(), 0.001), 1.0)
