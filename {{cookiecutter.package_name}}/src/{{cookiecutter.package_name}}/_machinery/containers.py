"""Run the product in a container: the engine's command line, names, labels, leftovers.

The engine is Docker or Podman (the same command line). The container runs attached to its
``run`` client, which is the product's process for ``ProductProcess``: the container's output
goes to the launch's log, the client exits when the container does, and the client forwards
``SIGTERM`` to it (``--init`` makes the product get it). Killing the client does not remove the
container, so the launcher tells ``ProductProcess.on_end`` the ``rm`` command *before* the
container is created: it runs at ``stop()`` and, from the watchdog, when the launching process
ends without ``stop()``. Containers that a launching process left when its watchdog died too
(the machine lost power, the whole process group was killed) carry labels naming the plugin,
the machine and the process: the next start of the plugin removes those whose process is gone.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NamedTuple

from ..errors import LaunchError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "LABEL_HOST",
    "LABEL_PID",
    "LABEL_PLUGIN",
    "Mount",
    "container_name",
    "engine_program",
    "labels",
    "removal",
    "remove_leftovers",
    "run_command",
]

LABEL_PLUGIN = "ansys.tools.launcher.plugin"
"""Label naming the plugin that created the container (its package)."""
LABEL_HOST = "ansys.tools.launcher.host"
"""Label naming the machine of the launching process."""
LABEL_PID = "ansys.tools.launcher.pid"
"""Label with the process id of the launching process."""
PULL_POLICIES = ("missing", "always", "never", "newer")
"""Values of the engine's ``--pull`` option (``newer`` is Podman's)."""
HOST_NETWORK = "host"
"""The network under which the product shares the machine's network: it listens on
``127.0.0.1`` as in the direct launch mode, and no port is published."""
ENGINE_TIMEOUT = 10.0
"""Seconds an engine command other than ``run`` (``ps``, ``inspect``, ``rm``) may take."""


class Mount(NamedTuple):
    """A folder or file of this machine seen at the same path in the container."""

    path: str
    read_only: bool


def engine_program(engine: str, configure: str, field: str) -> str:
    """Return the engine's program (``docker``, ``podman`` or a path) found on ``PATH``.

    Raises ``LaunchError`` naming the engine and how to configure another one.
    """
    import shutil

    found = shutil.which(engine) if engine else None
    if found:
        return found
    raise LaunchError(
        f"the container engine {engine!r} is not installed (not on PATH): install Docker or"
        f" Podman, or configure the engine's program with: {configure} --{field}=podman"
    )


def container_name(product: str) -> str:
    """Return a new container name for ``product``: unique, and valid for the engines."""
    import re
    import uuid

    start = re.sub(r"[^A-Za-z0-9_.-]", "-", product).lstrip("_.-") or "product"
    return f"{start[:40]}-{uuid.uuid4().hex[:12]}"


def labels(plugin: str) -> dict[str, str]:
    """Return the labels of a container that this process creates for ``plugin``."""
    import socket

    return {LABEL_PLUGIN: plugin, LABEL_HOST: socket.gethostname(), LABEL_PID: str(os.getpid())}


def _mount_option(mount: Mount) -> str:
    """Return the ``--mount`` value binding ``mount.path`` at the same path (CSV-quoted)."""
    parts = [f"type=bind,source={mount.path},target={mount.path}"]
    if mount.read_only:
        parts.append("readonly")
    text = ",".join(parts)
    if any(char in mount.path for char in ',"'):
        quoted = mount.path.replace('"', '""')
        text = f'type=bind,"source={quoted}","target={quoted}"' + (
            ",readonly" if mount.read_only else ""
        )
    return text


def run_command(
    engine: str,
    *,
    name: str,
    labels: dict[str, str],
    image: str,
    arguments: Sequence[str],
    pull: str,
    network: str,
    ports: Sequence[int] = (),
    mounts: Sequence[Mount] = (),
    environment: Sequence[str] = (),
    user: str | None = None,
    options: Sequence[str] = (),
) -> list[str]:
    """Return the ``run`` command line that starts the product's container, attached.

    ``--init`` gives the product an init process that forwards ``SIGTERM`` and reaps. There is
    no ``--rm``: the engine would remove the container in the background after it exits, so
    that it could still be listed after ``stop()``; ``removal`` removes it, and returns once it
    is gone.

    Under the host network (``network`` is ``HOST_NETWORK``) nothing is published; under any
    other network (empty: the engine's default) each of ``ports`` is published on ``127.0.0.1``
    only. The variables named in ``environment`` get their values from the client's
    environment, so they never appear on a command line. ``options`` come last before the
    image: the user's extra engine options.
    """
    command = [engine, "run", "--init", f"--name={name}", f"--pull={pull}"]
    command += [f"--label={key}={value}" for key, value in labels.items()]
    if network:
        command.append(f"--network={network}")
    if network != HOST_NETWORK:
        command += [f"--publish=127.0.0.1:{port}:{port}" for port in ports]
    command += [f"--mount={_mount_option(mount)}" for mount in mounts]
    command += [f"--env={variable}" for variable in environment]
    if user:
        command.append(f"--user={user}")
    return [*command, *options, image, *arguments]


def removal(engine: str, name: str) -> list[str]:
    """Return the command that removes the container ``name`` and its anonymous volumes,
    stopping it first; harmless when it is gone."""
    return [engine, "rm", "--force", "--volumes", name]


def _alive(pid: int) -> bool:
    """Return whether the process ``pid`` runs on this machine."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32")
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _engine_output(command: list[str], *, partial: bool = False) -> str | None:
    """Return the standard output of an engine command, or ``None`` if it failed (with
    ``partial``, what it wrote all the same: ``inspect`` describes the containers it found and
    fails for one removed meanwhile)."""
    import subprocess

    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=ENGINE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 and not (partial and done.stdout.strip()):
        return None
    return done.stdout.decode("utf-8", errors="replace")


def remove_leftovers(engine: str, plugin: str) -> list[str]:
    """Remove the containers of ``plugin`` whose launching process on this machine is gone;
    return their names.

    Containers of launching processes that still run (this one's, another program's) and of
    other machines sharing the engine are kept. An engine that does not answer removes nothing:
    the start that follows reports it.
    """
    import json
    import socket

    listed = _engine_output(
        [engine, "ps", "--all", "--quiet", f"--filter=label={LABEL_PLUGIN}={plugin}"]
    )
    ids = (listed or "").split()
    if not ids:
        return []
    try:
        described = json.loads(_engine_output([engine, "inspect", *ids], partial=True) or "[]")
    except ValueError:
        return []
    host = socket.gethostname()
    left = []
    for container in described if isinstance(described, list) else []:
        try:
            found = container["Config"]["Labels"] or {}
            pid = int(found.get(LABEL_PID, ""))
            name = str(container["Name"]).lstrip("/")
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
        if found.get(LABEL_HOST) == host and pid != os.getpid() and not _alive(pid):
            left.append(name)
    if left:
        _engine_output([engine, "rm", "--force", "--volumes", *left])
    return left
