"""The product never outlives the Python process that launched it."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }} import (
    LauncherConfig,
)
from {{ cookiecutter.package_name }}._machinery.process import (
    ProductProcess,
)

from .conftest import python_command

# A Python process that launches the product (from a thread that then ends) and a program that
# starts a process of its own, prints what it started, then ends as its first argument says.
PARENT = """
import json, os, signal, sys, threading, time
import {{ cookiecutter.package_name }}.launcher as launcher_module
from {{ cookiecutter.package_name }}._machinery.process import (
    LaunchError,
    ProductProcess,
)

ending, command, servers, config, program = sys.argv[1], *map(json.loads, sys.argv[2:])
launcher_module.PRODUCT_COMMAND = command  # the stand-in
launcher_module.SERVER_COMMANDS = servers  # the stand-in for each server of its own
launcher = launcher_module.Launcher(config=launcher_module.LauncherConfig(**config))
thread = threading.Thread(target=launcher.start)
thread.start()
thread.join()
tree = ProductProcess("tree")
tree.start(program)
while b"child " not in open(tree.log_path, "rb").read():
    time.sleep(0.01)
child = int(open(tree.log_path, "rb").read().split(b"child ")[1].split()[0])
folder = getattr(launcher, "_socket_folder", None)
pids = [process.pid for process in launcher._processes()]
print(json.dumps([*pids, tree.pid, child, folder]), flush=True)
sys.stdin.readline()  # the test's go, or a signal meanwhile
if ending == "exception":
    raise RuntimeError("the launching program fails")
"""
TREE = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print('child', child.pid, flush=True)\n"
    "time.sleep(60)\n"
)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX process groups")
ENDINGS = ["exit", "exception"] + (
    ["kill"] if sys.platform == "win32" else ["SIGKILL", "SIGTERM", "SIGHUP"]
)


def alive(pid: int) -> bool:
    """Return whether the process ``pid`` runs (a zombie, exited but not reaped, does not)."""
    if sys.platform == "win32":
        listed = subprocess.run(
            ["tasklist", "/FI", f"PID eq {pid}", "/NH", "/FO", "CSV"],
            capture_output=True,
            text=True,
            check=False,
        )
        return f'"{pid}"' in listed.stdout
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def end(parent: subprocess.Popen[str], ending: str) -> None:
    """End ``parent`` as ``ending`` says: on its own, or by a signal."""
    assert parent.stdin is not None
    if ending in ("exit", "exception"):
        parent.stdin.write("go\n")
    elif ending == "kill":
        parent.kill()
    elif ending.startswith("SIG"):
        parent.send_signal(getattr(signal, ending))
    parent.stdin.close()
    parent.wait(timeout=30)


@pytest.mark.slow
def test_the_product_and_its_processes_end_with_the_process_that_launched_it(
    config: LauncherConfig, tmp_path: Path
) -> None:
    command = launcher_module.PRODUCT_COMMAND  # type: ignore[attr-defined]  # the stand-in
    servers = launcher_module.SERVER_COMMANDS  # type: ignore[attr-defined]
    values = (command, servers, dataclasses.asdict(config))
    arguments = [json.dumps(value) for value in values]
    tree = json.dumps(python_command(TREE))
    parents = {}
    for ending in ENDINGS:
        with open(tmp_path / f"{ending}.err", "wb") as errors:
            parents[ending] = subprocess.Popen(
                [sys.executable, "-c", PARENT, ending, *arguments, tree],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
    started: dict[str, list[int]] = {}
    folders: dict[str, str | None] = {}
    try:
        for ending, parent in parents.items():
            assert parent.stdout is not None
            report = parent.stdout.readline()
            parent.stdout.close()
            assert report, (tmp_path / f"{ending}.err").read_text(encoding="utf-8")
            *pids, folders[ending] = json.loads(report)
            started[ending] = pids
        # The product launched from a thread that has ended still runs, as do the others.
        assert all(alive(pid) for pids in started.values() for pid in pids)
        began = time.monotonic()
        for ending, parent in parents.items():
            end(parent, ending)
        every = [pid for pids in started.values() for pid in pids]
        while time.monotonic() - began < 10 and (
            any(map(alive, every))
            or any(folder and os.path.exists(folder) for folder in folders.values())
        ):
            time.sleep(0.05)
        left = {ending: [pid for pid in pids if alive(pid)] for ending, pids in started.items()}
        assert left == {ending: [] for ending in ENDINGS}, "still running"
        assert time.monotonic() - began < 3
        kept = [folder for folder in folders.values() if folder and os.path.exists(folder)]
        assert kept == [], "socket folders left behind"
    finally:
        for parent in parents.values():
            parent.kill()
            parent.wait()
            if parent.stdin is not None:
                parent.stdin.close()
        for pid in (pid for pids in started.values() for pid in pids if alive(pid)):
            if sys.platform == "win32":
                os.kill(pid, signal.SIGTERM)
            else:
                os.kill(pid, signal.SIGKILL)


@posix_only
def test_stop_ends_what_the_product_started_also_after_the_product_itself_ended() -> None:
    helper = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('child', child.pid, flush=True)\n"
    )
    product = ProductProcess("stand-in")
    product.start(python_command(helper))
    deadline = time.monotonic() + 10
    while not product.exited and time.monotonic() < deadline:
        time.sleep(0.01)
    assert product.log_path is not None
    child = int(Path(product.log_path).read_text(encoding="utf-8").split()[1])
    product.stop()
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(child)


@pytest.mark.slow
@posix_only
def test_a_forked_child_does_not_hold_up_stop() -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    product = ProductProcess("stand-in")
    product.start(python_command("import time; time.sleep(60)"))
    child = os.fork()
    if child == 0:  # the child keeps whatever it inherited open for a while
        time.sleep(1.5)
        os._exit(0)
    try:
        began = time.monotonic()
        product.stop()
        assert time.monotonic() - began < 1
    finally:
        os.waitpid(child, 0)
