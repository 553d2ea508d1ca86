"""How the product's process is started, watched and stopped, with stand-in products."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}._machinery import (
    listeners,
    process,
)
from {{ cookiecutter.package_name }}._machinery.process import (
    LaunchError,
    ProductProcess,
)

from .conftest import python_command

# The machinery alone: no answer of the template changes what these tests run.
pytestmark = pytest.mark.machinery

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")
READY = rb"ready on (\d+)"


def soon(seconds: float = 10.0) -> float:
    """Return a deadline ``seconds`` from now."""
    return time.monotonic() + seconds


def test_it_finds_what_the_product_reports_and_keeps_the_output_in_a_log_file() -> None:
    product = ProductProcess("stand-in")
    product.start(python_command("import time; print('ready on 4242'); time.sleep(60)"))
    try:
        assert product.wait_for_output(READY, soon()).group(1) == b"4242"
        assert product.running
    finally:
        product.stop()
    assert not product.running
    assert product.log_path is not None
    assert Path(product.log_path).name.startswith("stand-in-")
    assert "ready on 4242" in Path(product.log_path).read_text(encoding="utf-8")


def test_a_product_that_exits_during_start_up_is_reported_with_its_code_and_output() -> None:
    product = ProductProcess("stand-in")
    product.start(python_command("import sys; print('cannot start: licence missing'); sys.exit(3)"))
    with pytest.raises(LaunchError, match="stand-in exited with code 3") as raised:
        product.wait_for_output(READY, soon())
    assert "cannot start: licence missing" in str(raised.value)
    assert str(product.log_path) in str(raised.value)
    product.stop()


@pytest.mark.slow
def test_a_product_slow_to_start_is_asked_less_often_after_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(process, "SOON", 0.2)  # a second in the product's code
    product = ProductProcess("stand-in")
    product.start(python_command("import time; time.sleep(60)"))
    asked: list[float] = []

    def ready() -> bool:
        asked.append(time.monotonic())
        return False

    try:
        with pytest.raises(LaunchError, match="was never ready"):
            product.wait_until(ready, soon(0.8), "was never ready")
    finally:
        product.stop()
    later = [moment for moment in asked if moment - asked[0] > 0.3]
    assert 4 <= len(later) <= 15  # every 50 ms for 0.5 s: 10; every 5 ms would be 100


@pytest.mark.slow
def test_a_product_that_never_reports_fails_at_the_deadline(
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    product = ProductProcess("stand-in")
    product.start(python_command("import time; time.sleep(60)"))
    began = time.monotonic()
    with pytest.raises(LaunchError, match="did not report where it listens"):
        product.wait_for_output(READY, soon(0.5))
    assert time.monotonic() - began < 5
    product.stop()
    assert [process.returncode is not None for process in spawned] == [True]


def test_stop_is_safe_before_start_twice_and_after_a_crash(
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    product = ProductProcess("stand-in")
    product.stop()
    product.start(python_command("import time; time.sleep(60)"))
    spawned[0].kill()
    spawned[0].wait()
    assert not product.running
    product.stop()
    product.stop()


def test_it_can_start_again_after_a_stop() -> None:
    product = ProductProcess("stand-in")
    for _ in range(2):
        product.start(python_command("import time; print('ready on 1'); time.sleep(60)"))
        product.wait_for_output(READY, soon())
        product.stop()
    assert not product.running


def test_a_second_start_while_running_is_refused() -> None:
    product = ProductProcess("stand-in")
    product.start(python_command("import time; time.sleep(60)"))
    try:
        with pytest.raises(LaunchError, match="already started"):
            product.start(python_command("pass"))
    finally:
        product.stop()


@pytest.mark.slow
@posix_only
def test_stop_kills_a_product_that_ignores_the_request_to_end(
    spawned: list[subprocess.Popen[bytes]],
) -> None:
    stubborn = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready on 1', flush=True)\n"
        "time.sleep(60)\n"
    )
    product = ProductProcess("stand-in")
    product.start(python_command(stubborn))
    product.wait_for_output(READY, soon())
    began = time.monotonic()
    product.stop(timeout=0.5)
    assert 0.4 < time.monotonic() - began < 5
    assert spawned[0].returncode == -9


def test_a_program_that_cannot_be_run_is_a_launch_error_and_leaves_no_log_file(
    tmp_path: Path,
) -> None:
    not_a_program = tmp_path / "not-a-program"
    not_a_program.write_text("plain text\n", encoding="utf-8")
    product = ProductProcess("stand-in")
    with pytest.raises(LaunchError, match="cannot be run as"):
        product.start([str(not_a_program)])
    assert product.log_path is None
    assert not product.running


# Listens on a free port of the address given and says which; started as the product, by the
# product, or by a process the product started, which ends at once (so that the listener is no
# descendant of the product, only a process of its group).
LISTENER = (
    "import socket, sys, time\n"
    "server = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\n"
    "server.bind((sys.argv[1], 0))\n"
    "server.listen()\n"
    "print('ready on', server.getsockname()[1], flush=True)\n"
    "time.sleep(60)\n"
)
STARTS = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', *sys.argv[1:]])"
STARTS_AND_WAITS = STARTS + "; import time; time.sleep(60)"
LISTENS = {
    "the product": [LISTENER, "127.0.0.1"],
    "the product, over IPv6": [LISTENER, "::1"],
    "a process it started": [STARTS_AND_WAITS, LISTENER, "127.0.0.1"],
    "a process of its group": [STARTS_AND_WAITS, STARTS, LISTENER, "127.0.0.1"],
}
"""Who listens: the arguments of ``python -c`` that the product runs."""
READINGS = ["sock_diag", "/proc/net", "psutil"] if sys.platform == "linux" else ["psutil"]
"""How ``listeners`` reads the listening sockets: on Linux it falls back from each to the next."""


def read_with(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``listeners`` read the listening sockets the way ``reading`` says."""

    def refused(port: int) -> set[str]:
        raise OSError("sock_diag is not allowed here")

    if reading == "/proc/net":
        monkeypatch.setattr(listeners, "_diag_listening", refused)
    elif reading == "psutil":
        monkeypatch.setattr(listeners, "_listening_sockets", lambda port: None)


@pytest.mark.parametrize("who", LISTENS)
def test_the_products_listener_is_found_in_it_in_what_it_started_or_in_its_group(
    monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    if who == "a process of its group" and sys.platform == "win32":
        pytest.skip("process groups are POSIX")
    family, host = (socket.AF_INET6, "::1") if ":" in LISTENS[who][-1] else (socket.AF_INET, "")
    with socket.socket(family) as other:  # another process's listener, as a thief's
        try:
            other.bind((host or "127.0.0.1", 0))
        except OSError:
            pytest.skip(f"no {host} on this machine")
        other.listen()
        product = ProductProcess("stand-in")
        product.start([sys.executable, "-c", *LISTENS[who]])
        try:
            port = int(product.wait_for_output(READY, soon()).group(1))
            pid, group = product.pid, product.group
            assert pid is not None
            for reading in READINGS:
                with monkeypatch.context() as patched:
                    read_with(reading, patched)
                    assert listeners.product_listens(pid, group, port), reading
                    assert not listeners.product_listens(pid, group, other.getsockname()[1])
        finally:
            product.stop()
        for reading in READINGS:  # the product and its group have ended
            with monkeypatch.context() as patched:
                read_with(reading, patched)
                assert not listeners.product_listens(pid, group, port), reading


def test_a_cleanup_command_runs_at_stop_and_when_the_launcher_is_killed(tmp_path: Path) -> None:
    """What runs outside the process tree (a container, a cluster job) is ended by a command
    the watchdog runs: at ``stop()``, and after the launcher died without it."""
    stopped = tmp_path / "stopped"
    product = ProductProcess("cleanup")
    product.on_end([sys.executable, "-c", f"open({str(stopped)!r}, 'w').close()"])
    product.start(python_command("import time; time.sleep(60)"))
    product.stop()
    assert stopped.exists()
    killed = tmp_path / "killed"
    script = (
        "import os, signal, sys\n"
        "from {{ cookiecutter.package_name }}._machinery.process import ProductProcess\n"
        "product = ProductProcess('cleanup')\n"
        f"product.on_end([sys.executable, '-c', \"open({str(killed)!r}, 'w').close()\"])\n"
        "product.start([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    deadline = soon(5.0)
    while not killed.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert killed.exists()
