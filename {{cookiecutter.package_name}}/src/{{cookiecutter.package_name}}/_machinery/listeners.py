"""Who listens on a TCP port of this machine: the product's processes, or another process.

A product told its port can lose it to another process between the launcher's choice and the
product's bind; that process may answer the launcher's probes. The launcher hands over an
address only once a listening socket on it belongs to the product: its process, the processes it
started, or (POSIX) a process of its process group. psutil reads that from the operating system
on Linux, macOS and Windows.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

__all__ = ["holder", "product_listens"]


def _processes(pid: int, group: int | None) -> list[psutil.Process]:
    """Return the product ``pid``, the processes it started, and those of its ``group``."""
    import psutil

    found: dict[int, psutil.Process] = {}
    try:
        product = psutil.Process(pid)
        found.update((each.pid, each) for each in [product, *product.children(recursive=True)])
    except psutil.Error:
        pass
    if group is not None and sys.platform != "win32":
        for each in psutil.process_iter():
            try:
                if each.pid not in found and os.getpgid(each.pid) == group:
                    found[each.pid] = each
            except OSError:
                continue
    return list(found.values())


def product_listens(pid: int, group: int | None, port: int) -> bool:
    """Return whether the product ``pid`` (with the processes it started and its process
    ``group``) has a TCP socket listening on ``port``."""
    import psutil

    for process in _processes(pid, group):
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(
            connection.status == psutil.CONN_LISTEN and _port(connection.laddr) == port
            for connection in connections
        ):
            return True
    return False


def _port(address: object) -> int | None:
    """Return the port of a psutil address (empty for some sockets)."""
    port = getattr(address, "port", None)
    return port if isinstance(port, int) else None


def holder(port: int) -> str | None:
    """Return which process listens on TCP ``port`` ("pid N (name)"), where the operating
    system tells this user; ``None`` if it does not."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:  # macOS tells only root
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and _port(connection.laddr) == port:
            if connection.pid is None:
                return "a process of another user"
            try:
                return f"pid {connection.pid} ({psutil.Process(connection.pid).name()})"
            except psutil.Error:
                return f"pid {connection.pid}"
    return None
