"""Who listens on a TCP port of this machine: the product's processes, or another process.

A product told its port can lose it to another process between the launcher's choice and the
product's bind; that process may answer the launcher's probes. The launcher hands over an
address only once a listening socket on it belongs to the product: its process, the processes it
started, or (POSIX) a process of its process group.

The check runs while a launch waits, so it is kept cheap: it looks at the product's own process
first (the usual listener), then at the processes it started, then at the rest of its group, and
stops at the first listener. On Linux the kernel is asked once for the sockets listening on the
port (its sock_diag netlink interface, as ``ss`` asks; ``/proc/net/tcp`` and ``tcp6`` where
netlink is not allowed), and they are looked for among each process's file descriptors
(``/proc/PID/fd``); psutil would read all of ``/proc/net/tcp`` and ``tcp6`` again for each
process, milliseconds on a machine with many connections. psutil reads the sockets on macOS and
Windows, and lists the processes the product started and those of its group everywhere.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["holder", "product_listens"]


def product_listens(pid: int, group: int | None, port: int) -> bool:
    """Return whether the product ``pid`` (with the processes it started and its process
    ``group``) has a TCP socket listening on ``port``."""
    sockets = _listening_sockets(port)
    if sockets is not None and not sockets:
        return False  # nothing listens on the port
    for candidate in _processes(pid, group):
        if sockets is None:
            if _psutil_listens(candidate, port):
                return True
        elif _holds(candidate, sockets):
            return True
    return False


def _processes(pid: int, group: int | None) -> Iterator[int]:
    """Yield the product ``pid``, then the processes it started, then the other processes of
    its ``group``, each once; each list is read only when the one before held no listener."""
    yield pid
    import psutil

    seen = {pid}
    try:
        children = [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        children = []
    for child in children:
        if child not in seen:
            seen.add(child)
            yield child
    if group is None or sys.platform == "win32":
        return
    for each in psutil.pids():
        try:
            member = each not in seen and os.getpgid(each) == group
        except OSError:  # ended meanwhile
            continue
        if member:
            seen.add(each)
            yield each


def _psutil_listens(pid: int, port: int) -> bool:
    """Return whether the process ``pid`` has a TCP socket listening on ``port``, read with
    psutil (macOS and Windows, and Linux when the faster reading fails)."""
    import psutil

    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(
        connection.status == psutil.CONN_LISTEN and _port(connection.laddr) == port
        for connection in connections
    )


def _holds(pid: int, sockets: set[str]) -> bool:
    """Return whether the process ``pid`` has one of ``sockets`` (``/proc/PID/fd`` link
    targets, ``socket:[INODE]``) among its file descriptors (Linux)."""
    folder = f"/proc/{pid}/fd"
    try:
        descriptors = os.listdir(folder)
    except OSError:  # ended, or another user's
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(f"{folder}/{descriptor}") in sockets:
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def _listening_sockets(port: int) -> set[str] | None:
    """Return the TCP sockets (IPv4 and IPv6) listening on ``port``, as ``/proc/PID/fd`` link
    targets (``socket:[INODE]``); ``None`` where they cannot be read so (not Linux)."""
    if sys.platform != "linux":
        return None
    try:
        return _diag_listening(port)
    except (OSError, ValueError):  # netlink not allowed here (ValueError: a short message)
        pass
    try:
        return _table_listening(port)
    except OSError:
        return None


_SOCK_DIAG_BY_FAMILY, _NETLINK_SOCK_DIAG = 20, 4
_NLM_F_REQUEST, _NLM_F_DUMP, _NLMSG_ERROR, _NLMSG_DONE = 0x1, 0x300, 2, 3
_TCP_LISTEN = 10
"""The kernel's number of the LISTEN state (``0A`` in ``/proc/net/tcp``)."""


def _diag_listening(port: int) -> set[str]:
    """Return the sockets listening on TCP ``port``, from the kernel's sock_diag netlink
    interface, which lists only listening sockets when asked for them (Linux).

    Raises ``OSError`` where netlink or sock_diag is not allowed, or an answer is an error.
    """
    if sys.platform != "linux":
        raise OSError("sock_diag is Linux's")
    import socket
    import struct

    found: set[str] = set()
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as channel:
        channel.settimeout(1.0)
        for sequence, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
            # struct inet_diag_req_v2: the family, TCP, the states wanted (LISTEN) and the
            # socket id (source port, destination port, addresses, interface, no cookie).
            request = (
                struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN)
                + struct.pack(">HH", port, 0)
                + bytes(36)
                + b"\xff" * 8
            )
            flags = _NLM_F_REQUEST | _NLM_F_DUMP
            header = struct.pack(
                "=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, flags, sequence, 0
            )
            channel.send(header + request)
            done = False
            while not done:
                data = channel.recv(1 << 16)
                if not data:
                    raise ValueError("an empty netlink message")
                offset = 0
                while offset + 16 <= len(data):
                    length, kind, _, answered, _ = struct.unpack_from("=IHHII", data, offset)
                    if length < 16 or offset + length > len(data):
                        raise ValueError("a netlink message runs past the data received")
                    if answered == sequence:
                        if kind in (_NLMSG_DONE, _NLMSG_ERROR):
                            # An error, or the end of the dump with its result: 0 if complete.
                            if length < 20:
                                raise ValueError("a netlink message is too short")
                            (code,) = struct.unpack_from("=i", data, offset + 16)
                            if code < 0:
                                raise OSError(-code, f"sock_diag: {os.strerror(-code)}")
                            done = True
                        elif kind == _SOCK_DIAG_BY_FAMILY:
                            # struct inet_diag_msg: the state is byte 1, the source port bytes
                            # 4-5 (big-endian), the inode bytes 68-71.
                            if length < 16 + 72:
                                raise ValueError("a sock_diag message is too short")
                            state = data[offset + 17]
                            (local,) = struct.unpack_from(">H", data, offset + 20)
                            (inode,) = struct.unpack_from("=I", data, offset + 84)
                            if state == _TCP_LISTEN and local == port:
                                found.add(f"socket:[{inode}]")
                    offset += (length + 3) & ~3
    return found


def _table_listening(port: int) -> set[str]:
    """Return the sockets listening on TCP ``port``, from ``/proc/net/tcp`` and ``tcp6``, as
    psutil reads them (Linux). Raises ``OSError`` if ``/proc/net/tcp`` cannot be read."""
    wanted = b":%04X" % port
    found: set[str] = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name, "rb") as table:
                lines = table.read().splitlines()[1:]
        except FileNotFoundError:
            if name.endswith("6"):  # IPv6 is disabled
                continue
            raise
        for line in lines:
            # sl, local address:port, remote, state, queues, timer, retransmits, uid, timeout,
            # inode
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == b"%02X" % _TCP_LISTEN
                and fields[1].endswith(wanted)
            ):
                found.add(f"socket:[{int(fields[9])}]")
    return found


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
