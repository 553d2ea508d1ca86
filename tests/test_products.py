"""The products in tests/products, as their makers ship them: each does what its docstring says,
ends with all its processes on SIGTERM, and writes only where it is told.

Each runs from an empty folder, with its home and temporary folders empty folders of the test,
which are listed at the end. Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import TEMPLATE, new_venv, run, uv_command, venv_python

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the products are stopped with SIGTERM, which Windows lacks"
)

PRODUCTS = TEMPLATE / "tests" / "products"
HOST = "127.0.0.1"
# No proxy, whatever the environment says: the requests go to loopback only.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
HEALTH_CHECK = """
import sys, grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
with grpc.insecure_channel(sys.argv[1]) as channel:
    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
print(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))
"""


@pytest.fixture(scope="module")
def grpc_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with grpcio and grpcio-health-checking, as the gRPC product needs."""
    venv = new_venv(tmp_path_factory, "products-venv")
    python = venv_python(venv)
    packages = ("grpcio", "grpcio-health-checking")
    run(uv_command("pip", "install", "--quiet", "--python", str(python), *packages), cwd=venv)
    return python


def free_port() -> int:
    """A TCP port of 127.0.0.1 free now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """``GET url``: the status and the body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=5) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def listens(port: int) -> bool:
    """Whether something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def processes() -> dict[int, tuple[int, str]]:
    """Every process of the machine: its parent and state, by its pid (``ps``: Linux, macOS)."""
    output = subprocess.run(
        ["ps", "-A", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=True
    ).stdout
    table = {}
    for line in output.splitlines():
        pid, ppid, state = line.split(None, 2)
        table[int(pid)] = (int(ppid), state)
    return table


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` that run (zombies do not)."""
    table = processes()
    return {pid for pid in pids if pid in table and not table[pid][1].startswith("Z")}


def children(pid: int) -> set[int]:
    """The running child processes of ``pid``."""
    table = processes()
    return {child for child, (parent, _) in table.items() if parent == pid} & alive(set(table))


def files(folder: Path) -> list[str]:
    """Everything in ``folder``, as sorted relative paths."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@dataclass
class Product:
    """A product running from an empty folder, with its output in files of the test."""

    process: subprocess.Popen[bytes]
    folder: Path
    logs: Path
    places: list[Path]
    descendants: set[int] = field(default_factory=set)

    @property
    def stdout(self) -> str:
        """What the product printed on its standard output so far."""
        return (self.logs / "stdout").read_text(encoding="utf-8")

    @property
    def stderr(self) -> str:
        """What the product printed on its standard error stream so far."""
        return (self.logs / "stderr").read_text(encoding="utf-8")

    def wait_until(self, condition: str, check: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait until ``check()`` is true; fail, showing the output, if the product ends first
        or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not check():
            if self.process.poll() is not None:
                pytest.fail(
                    f"the product ended ({self.process.returncode}) before {condition}:"
                    f"\n{self.stdout}\n{self.stderr}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"no {condition} within {timeout} s:\n{self.stdout}\n{self.stderr}")
            time.sleep(0.02)

    def terminate(self, timeout: float = 5.0) -> int:
        """Send SIGTERM, wait for the product; return its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def written(self) -> dict[str, list[str]]:
        """What is in the product's current, home and temporary folders."""
        return {place.name: files(place) for place in self.places}


@contextlib.contextmanager
def running(python: Path | str, product: str, *args: str, folder: Path) -> Iterator[Product]:
    """Run ``python tests/products/PRODUCT ARGS`` from the empty folder ``folder/cwd``; end it
    and what it started at the end, whatever happened."""
    places = [folder / "cwd", folder / "home", folder / "tmp"]
    logs = folder / "logs"
    for place in (*places, logs):
        place.mkdir()
    environment = {**os.environ, "HOME": str(places[1])}
    environment.update(dict.fromkeys(("TMPDIR", "TEMP", "TMP"), str(places[2])))
    with (logs / "stdout").open("wb") as stdout, (logs / "stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [str(python), str(PRODUCTS / product), *args],
            cwd=places[0],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    started = Product(process, places[0], logs, places)
    try:
        yield started
    finally:
        if process.poll() is None:
            started.descendants |= children(process.pid)
            process.kill()
            process.wait()
        for pid in alive(started.descendants):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def usage(python: Path | str, product: str) -> str:
    """What ``product --help`` prints."""
    result = subprocess.run(
        [str(python), str(PRODUCTS / product), "--help"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# The token server refuses root without --allow-root; the option is accepted from anyone.
AS_ANYONE = ["--allow-root"]


@pytest.mark.parametrize(
    ("product", "options"),
    [
        ("token_http_server.py", ["--port", "--host", "--token", "--allow-root"]),
        ("slow_http_server.py", ["--port", "--startup-delay", "--workers"]),
        ("self_port_http_server.py", []),
    ],
)
def test_each_http_product_shows_its_options(product: str, options: list[str]) -> None:
    shown = usage(sys.executable, product)
    assert shown.startswith(f"usage: {product.removesuffix('.py')}")
    assert all(option in shown for option in options)


def test_the_grpc_product_shows_its_options(grpc_python: Path) -> None:
    shown = usage(grpc_python, "tcp_grpc_server.py")
    assert shown.startswith("usage: tcp_grpc_server [-h] --port PORT --peer-port PEER_PORT")
    assert "--data-dir" in shown


# token_http_server.py


def test_the_token_server_answers_only_requests_with_its_token(tmp_path: Path) -> None:
    port = free_port()
    options = [f"--port={port}", "--token=s3cret", *AS_ANYONE]
    with running(sys.executable, "token_http_server.py", *options, folder=tmp_path) as product:
        product.wait_until("listening", lambda: listens(port))
        status = f"http://{HOST}:{port}/api/status"
        assert get(status)[0] == 403
        assert get(f"{status}?token=other")[0] == 403
        assert get(status, {"Authorization": "token other"})[0] == 403
        assert get(status, {"Authorization": "Bearer s3cret"})[0] == 403
        code, body = get(f"{status}?token=s3cret")
        assert (code, json.loads(body)["status"]) == (200, "ok")
        assert get(status, {"Authorization": "token s3cret"})[0] == 200
        assert get(f"http://{HOST}:{port}/?token=s3cret")[0] == 200
        assert product.terminate() == 0
        assert f"Serving at http://{HOST}:{port}/\n" in product.stderr
        assert "s3cret" not in product.stdout + product.stderr
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_without_a_token_the_token_server_makes_one_shown_only_in_its_log_line(
    tmp_path: Path,
) -> None:
    port = free_port()
    with running(
        sys.executable, "token_http_server.py", f"--port={port}", *AS_ANYONE, folder=tmp_path
    ) as product:
        # The line comes once the server listens: wait for it, not for the port.
        product.wait_until("its log line", lambda: "Serving at" in product.stderr)
        shown = re.findall(
            rf"Serving at (http://127\.0\.0\.1:{port}/\?token=(\w+))\n", product.stderr
        )
        assert len(shown) == 1, product.stderr
        url, token = shown[0]
        assert len(token) >= 32
        assert get(url)[0] == 200
        assert get(f"http://{HOST}:{port}/api/status?token={token}")[0] == 200
        assert get(f"http://{HOST}:{port}/api/status?token={token[:-1]}")[0] == 403
        assert get(f"http://{HOST}:{port}/api/status")[0] == 403
        assert product.terminate() == 0
        assert product.stdout == ""
        assert (product.stdout + product.stderr).count(token) == 1
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_the_token_server_starts_as_root_only_with_allow_root(tmp_path: Path) -> None:
    port = free_port()
    without, with_option = tmp_path / "without", tmp_path / "with"
    without.mkdir()
    with_option.mkdir()
    options = [f"--port={port}", "--token=t"]
    with running(sys.executable, "token_http_server.py", *options, folder=without) as product:
        if ROOT:
            assert product.process.wait(timeout=5) == 1
            assert "Use --allow-root" in product.stderr
            assert not listens(port)
        else:
            product.wait_until("listening", lambda: listens(port))
            assert product.terminate() == 0
    with running(
        sys.executable, "token_http_server.py", *options, "--allow-root", folder=with_option
    ) as product:
        product.wait_until("listening", lambda: listens(port))
        assert get(f"http://{HOST}:{port}/api/status?token=t")[0] == 200
        assert product.terminate() == 0


# tcp_grpc_server.py


def health(python: Path, port: int, folder: Path) -> str:
    """The status the product's gRPC health service gives for the whole server, asked from
    ``folder``."""
    return run([str(python), "-c", HEALTH_CHECK, f"{HOST}:{port}"], cwd=folder).strip()


def peer_line(port: int) -> bytes:
    """What the peer port answers."""
    with socket.create_connection((HOST, port), timeout=5) as connection:
        answer = b""
        while chunk := connection.recv(100):
            answer += chunk
        return answer


def test_the_grpc_server_serves_health_on_tcp_answers_peers_and_keeps_its_data_dir(
    grpc_python: Path, tmp_path: Path
) -> None:
    port, peer_port, data = free_port(), free_port(), tmp_path / "work" / "data"
    options = [f"--port={port}", f"--peer-port={peer_port}", f"--data-dir={data}"]
    with running(grpc_python, "tcp_grpc_server.py", *options, folder=tmp_path) as product:
        product.wait_until("listening", lambda: listens(port))
        assert health(grpc_python, port, tmp_path) == "SERVING"
        pid = product.process.pid
        assert peer_line(peer_port) == f"tcp_grpc_server peer {pid}\n".encode()
        assert peer_line(peer_port) == f"tcp_grpc_server peer {pid}\n".encode()
        state = json.loads((data / "state.json").read_text(encoding="utf-8"))
        assert state == {"pid": pid, "port": port, "peer_port": peer_port}
        assert product.terminate() == 0
        assert not listens(port)
        assert not listens(peer_port)
        assert files(tmp_path / "work") == ["data", "data/state.json"]
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_without_a_data_dir_the_grpc_server_writes_data_in_its_current_folder(
    grpc_python: Path, tmp_path: Path
) -> None:
    port, peer_port = free_port(), free_port()
    options = [f"--port={port}", f"--peer-port={peer_port}"]
    with running(grpc_python, "tcp_grpc_server.py", *options, folder=tmp_path) as product:
        product.wait_until("listening", lambda: listens(port))
        assert product.terminate() == 0
        assert product.written() == {"cwd": ["data", "data/state.json"], "home": [], "tmp": []}


@pytest.mark.parametrize("address", ["unix:/tmp/product.sock", "unix-abstract:product"])
def test_the_grpc_server_refuses_unix_socket_addresses(
    grpc_python: Path, tmp_path: Path, address: str
) -> None:
    options = [f"--port={address}", f"--peer-port={free_port()}"]
    with running(grpc_python, "tcp_grpc_server.py", *options, folder=tmp_path) as product:
        assert product.process.wait(timeout=10) == 2
        assert "listens on TCP only" in product.stderr
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_the_grpc_server_fails_when_its_port_is_taken(grpc_python: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = [f"--port={port}", f"--peer-port={free_port()}"]
        with running(grpc_python, "tcp_grpc_server.py", *options, folder=tmp_path) as product:
            assert product.process.wait(timeout=10) == 1
            assert f"Cannot listen for gRPC on {HOST}:{port}" in product.stderr
            assert product.written() == {"cwd": [], "home": [], "tmp": []}


# slow_http_server.py


def workers_recorded(database: Path) -> list[int]:
    """The worker pids in the product's database."""
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
        try:
            return [pid for (pid,) in connection.execute("SELECT pid FROM workers")]
        except sqlite3.OperationalError:  # not made yet
            return []


def test_the_slow_server_listens_after_its_delay_with_13_workers_all_ended_by_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    options = [f"--port={port}", "--startup-delay=0.5"]
    began = time.monotonic()
    with running(sys.executable, "slow_http_server.py", *options, folder=tmp_path) as product:
        time.sleep(0.3)
        assert not listens(port)
        database = product.folder / "state.db"
        product.wait_until("13 workers", lambda: len(workers_recorded(database)) == 13)
        assert time.monotonic() - began >= 0.5
        main = product.process.pid
        workers = set(workers_recorded(database))
        product.descendants |= workers
        assert children(main) == workers
        with contextlib.closing(sqlite3.connect(database)) as connection:
            assert connection.execute("SELECT pid, port FROM server").fetchall() == [(main, port)]
        answers = [json.loads(get(f"http://{HOST}:{port}/api/status")[1]) for _ in range(20)]
        assert {answer["pid"] for answer in answers} <= workers
        assert {answer["workers"] for answer in answers} == {13}
        assert get(f"http://{HOST}:{port}/")[0] == 200
        assert product.terminate() == 0
        assert alive(workers) == set()
        assert not listens(port)
        assert product.written() == {"cwd": ["state.db"], "home": [], "tmp": []}


def test_the_slow_server_stopped_while_starting_ends_at_once_writing_nothing(
    tmp_path: Path,
) -> None:
    port = free_port()
    with running(
        sys.executable, "slow_http_server.py", f"--port={port}", folder=tmp_path
    ) as product:
        product.wait_until("its start", lambda: "Starting: listening in 60 s" in product.stderr)
        began = time.monotonic()
        assert product.terminate(timeout=5) == 0
        assert time.monotonic() - began < 2
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_the_slow_server_workers_end_themselves_when_the_main_process_is_killed(
    tmp_path: Path,
) -> None:
    port = free_port()
    options = [f"--port={port}", "--startup-delay=0", "--workers=3"]
    with running(sys.executable, "slow_http_server.py", *options, folder=tmp_path) as product:
        database = product.folder / "state.db"
        product.wait_until("3 workers", lambda: len(workers_recorded(database)) == 3)
        workers = set(workers_recorded(database))
        product.descendants |= workers
        assert get(f"http://{HOST}:{port}/")[0] == 200
        product.process.kill()
        product.process.wait()
        deadline = time.monotonic() + 5
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alive(workers) == set()
        assert not listens(port)


# self_port_http_server.py


def test_the_self_port_server_prints_exactly_its_url_once_listening(tmp_path: Path) -> None:
    with running(sys.executable, "self_port_http_server.py", folder=tmp_path) as product:
        product.wait_until("its URL", lambda: product.stdout.endswith("\n"))
        printed = re.fullmatch(
            r"Serving at (http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32}))\n", product.stdout
        )
        assert printed is not None, product.stdout
        url, port, token = printed.group(1), int(printed.group(2)), printed.group(3)
        code, body = get(url)
        assert (code, json.loads(body)["status"]) == (200, "ok")
        assert get(f"http://{HOST}:{port}/api/status?token={token}")[0] == 200
        assert get(f"http://{HOST}:{port}/api/status")[0] == 403
        assert get(f"http://{HOST}:{port}/?token={token[::-1]}")[0] == 403
        assert get(f"http://{HOST}:{port}/", {"Authorization": f"token {token}"})[0] == 403
        assert product.terminate() == 0
        assert product.stdout == printed.group(0)
        assert not listens(port)
        assert product.written() == {"cwd": [], "home": [], "tmp": []}


def test_the_self_port_server_makes_a_new_token_each_time(tmp_path: Path) -> None:
    urls = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        with running(sys.executable, "self_port_http_server.py", folder=tmp_path / name) as product:
            product.wait_until("its URL", lambda: product.stdout.endswith("\n"))
            urls.append(product.stdout)
            assert product.terminate() == 0
    tokens = [url.rsplit("=", 1)[1] for url in urls]
    assert tokens[0] != tokens[1]
