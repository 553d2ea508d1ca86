"""Benchmark the baked example plugin against its baselines, side by side in one run.

Usage: ``python bench/benchmark.py [--rounds N]``. The running interpreter needs cookiecutter
and uv, which ``python -m pip install -r requirements-test.txt`` installs. The only network
use is uv installing the baked plugins' dependencies from the package index; every HTTP
server listens on 127.0.0.1, every gRPC server on a Unix domain socket (the Slurm jobs' on
their node's address, 127.0.0.1 on the CI cluster). Everything, uv's cache
included (unless ``UV_CACHE_DIR`` names one), goes to one temporary folder, removed at the end:
nothing is written to the home folder. Measurements (N rounds after one warm-up round; the
launch measurements run both sides in each round, alternating which goes first, and report the
median of the per-round ratios plugin/bare with their min-max, next to the medians of the raw
times; the others compare medians):

* launch: ``launch_product()`` + ``wait()`` + first GET of ``/hello.txt``, against a bare
  ``http.server`` child told a free port and polled until its first 200 (goal: median paired
  ratio <= 1.15).
* port: the same for a bake whose ``product_command`` names ``{port}`` (``example_porty``), so
  the launcher chooses the port and waits until it answers, without reading the product's
  output (goal: median paired ratio <= 1.15).
* import: time ``from example_httpserver_plugin import Launcher`` (what the entry point
  loads) adds after the launcher library is
  imported, next to the seed plugin's module (goal: <= 15 ms).
* bake: ``cookiecutter --no-input`` of this template with the default answers, each bake a
  process of its own as the command is, and where its time goes, from timers wrapped around
  cookiecutter's and the template's functions in the same process (no profiler): Python's
  start-up and imports; cookiecutter's own work (context, prompts, walking the template,
  rendering file names, copying and writing files); its hooks (``hooks/pre_gen_project.py``,
  which checks the answers, and ``hooks/post_gen_project.py``, each rendered and run as a
  program of its own); loading the template's Jinja extension (``launcher_filters``); rendering
  the files (Jinja compile and render). Each figure is the median of its own, so they need not add up to the
  total; the plain command's bakes alternate with the timed ones. Informational, no goal.
* ownership: one ``listeners.product_listens(pid, group, port)``, the check a launch over TCP
  makes once the product answers (that the listening socket is the product's), on an
  ``http.server`` started by the plugin's ``ProductProcess`` (with its watchdog, in its process
  group) as a launch starts it; the first check of the process, which may import psutil (paid
  once per process), is left out (round 0).
  Informational, no goal: the launch measurements include it.
* grpc: ``launch_product()`` of a gRPC bake (``server_type=grpc``, Unix domain socket) until
  its health service reports SERVING, against its bare ``demo_server`` child polled the same
  way; the HTTP plugin's launch time is shown alongside. Informational, no goal.
* slurm (where ``sbatch`` is on ``PATH``, such as the one-node cluster of
  ``.ci/engines/slurm.sh``): ``launch_product(..., launch_mode="slurm")`` of the same bake
  (``include_slurm_mode=true``, transport ``insecure``) until SERVING, then ``stop()``, against
  a bare ``sbatch`` of a script that execs ``demo_server`` on ``127.0.0.1:0``, its output file
  read for the address and polled the same way, paired (goal: median paired ratio <= 1.15).
* container (where ``docker`` and the test image of ``.ci/engines/docker.sh`` are):
  ``launch_product(..., launch_mode="container")`` of an HTTP bake
  (``include_container_mode=true``) on the host network until ``/hello.txt`` answers 200, then
  ``stop()``, against a bare ``docker run`` of the same image and server, its port read from its
  output and polled as fast as possible, then removed, paired (goal: median paired ratio <=
  1.15).

Exit status 0 when every goal holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import uv

TEMPLATE = Path(__file__).resolve().parent.parent
PACKAGE = "example_httpserver_plugin"
PORT_PACKAGE = "example_porty_plugin"
PORT_COMMAND = [
    "{python}",
    "-m",
    "http.server",
    "--bind={host}",
    "--directory={directory}",
    "{port}",
]
PORT_CONTEXT = ["product_name=example_porty", f"product_command={json.dumps(PORT_COMMAND)}"]
GRPC_PACKAGE = "example_grpc_plugin"
GRPC_CONTEXT = ["server_type=grpc", "product_name=example_grpc", "include_slurm_mode=true"]
CONTAINER_PACKAGE = "example_boxed_plugin"
CONTAINER_COMMAND = [
    "python3",
    "-m",
    "http.server",
    "--bind={host}",
    "--directory={directory}",
    "0",
]
CONTAINER_CONTEXT = [
    "product_name=example_boxed",
    "include_container_mode=true",
    f"container_command={json.dumps(CONTAINER_COMMAND)}",
]
CONTAINER_IMAGE = "launcher-template-test:py3-grpc"
"""The test image that ``.ci/engines/docker.sh`` builds: Debian with python3."""
HOOKS = (TEMPLATE / "hooks").is_dir()
"""Whether the template has hooks (cookiecutter's ``hooks`` folder)."""
LAUNCH_GOAL, PORT_GOAL, IMPORT_GOAL_MS, SLURM_GOAL, CONTAINER_GOAL = 1.15, 1.15, 15.0, 1.15, 1.15
QUIET = ["-W", "ignore::DeprecationWarning"]

# Arguments: rounds, the image, the folder to serve (with hello.txt). Both sides run the same
# image on the host network with the folder bind-mounted read-only, and end when hello.txt
# answers 200; the bare side reads the port from the server's first line, as the plugin does.
CONTAINER_CHILD = """\
import json, re, subprocess, sys, time, uuid
import requests
from ansys.tools.local_product_launcher import launch_product
from example_boxed_plugin.container import ContainerConfig

rounds, image, site = int(sys.argv[1]), sys.argv[2], sys.argv[3]
session = requests.Session()
session.trust_env = False

def answers(url):
    try:
        return session.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False

def bare():
    name = f"bench-bare-{uuid.uuid4().hex[:12]}"
    command = ["docker", "run", "--init", f"--name={name}", "--pull=never", "--network=host",
               "--env=PYTHONUNBUFFERED=1",
               f"--mount=type=bind,source={site},target={site},readonly", image,
               "python3", "-m", "http.server", "--bind=127.0.0.1", f"--directory={site}", "0"]
    start = time.perf_counter()
    client = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        found = None
        while found is None:
            line = client.stdout.readline()
            if not line:
                raise RuntimeError("the bare container ended before it reported its port")
            found = re.search(rb"port ([0-9]+)", line)
        url = f"http://127.0.0.1:{int(found.group(1))}/hello.txt"
        while not answers(url):
            time.sleep(0.0005)
        return time.perf_counter() - start
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
        client.wait()
        client.stdout.close()

def plugin():
    config = ContainerConfig(image=image, pull="never", network="host", directory=site)
    start = time.perf_counter()
    instance = launch_product("example_boxed", launch_mode="container", config=config)
    try:
        if session.get(instance.urls["main"] + "/hello.txt", timeout=10).status_code != 200:
            raise RuntimeError("example_boxed did not serve hello.txt")
        return time.perf_counter() - start
    finally:
        instance.stop()

print(json.dumps(alternate(rounds, bare, plugin)))
"""

# Shared by the launch children, which define bare() and plugin() to return seconds.
ALTERNATE = """\
def alternate(rounds, bare, plugin):  # returns {"bare": [seconds, ...], "plugin": [...]}
    times = {"bare": [], "plugin": []}
    for round_ in range(rounds + 1):  # round 0 warms up; alternate who goes first
        for name in ("bare", "plugin") if round_ % 2 else ("plugin", "bare"):
            seconds = bare() if name == "bare" else plugin()
            if round_:
                times[name].append(seconds)
    return times
"""

# Arguments: rounds, the folder to serve, the product name and the plugin's package.
LAUNCH_CHILD = """\
import importlib, json, socket, subprocess, sys, time
import requests
from ansys.tools.local_product_launcher import launch_product

rounds, directory, product, package = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
LauncherConfig = importlib.import_module(package + ".launcher").LauncherConfig
session = requests.Session()
session.trust_env = False

def answers(url):
    try:
        return session.get(url + "/hello.txt", timeout=(0.5, 2)).status_code == 200
    except requests.RequestException:
        return False

def listening(port):  # a cheap probe, so that polling steals little CPU from the server
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False

def bare():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
               "--directory", directory, str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (listening(port) and answers(f"http://127.0.0.1:{port}")):
            if process.poll() is not None:
                raise RuntimeError(f"http.server exited with {process.returncode}")
            time.sleep(0.0005)
        return time.perf_counter() - start
    finally:
        process.terminate()
        process.wait()

def plugin():
    start = time.perf_counter()
    instance = launch_product(product, config=LauncherConfig(directory=directory))
    try:
        instance.wait(timeout=30)
        while not answers(instance.urls["main"]):
            time.sleep(0.0005)
        return time.perf_counter() - start
    finally:
        instance.stop()

print(json.dumps(alternate(rounds, bare, plugin)))
"""

# Arguments: rounds, the folder to serve and the plugin's package.
OWNERSHIP_CHILD = """\
import importlib, json, socket, sys, time

rounds, directory, package = int(sys.argv[1]), sys.argv[2], sys.argv[3]
probes = importlib.import_module(package + "._machinery.probes")
listeners = importlib.import_module(package + "._machinery.listeners")
ProductProcess = importlib.import_module(package + "._machinery.process").ProductProcess

def check():  # seconds of one ownership check of a product started as a launch starts it
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = ProductProcess("ownership")
    process.start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                   "--directory", directory, str(port)])
    try:
        process.wait_until(lambda: probes.accepts_connections(f"127.0.0.1:{port}"),
                           time.monotonic() + 30, "did not listen")
        start = time.perf_counter()
        owned = listeners.product_listens(process.pid, process.group, port)
        seconds = time.perf_counter() - start
        if not owned:
            raise RuntimeError(f"the product's listener on port {port} was not found")
        return seconds
    finally:
        process.stop()

print(json.dumps([check() for _ in range(rounds + 1)][1:]))  # round 0 warms up (imports psutil)
"""

# Put before the gRPC children (GRPC_CHILD, SLURM_CHILD): the bare side's health probe.
GRPC_PROBE = """\
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

# gRPC waits about 1 s before it reconnects a channel whose first connect failed; a bare
# client that connected before the server listens would measure that backoff, not the server.
FAST_RECONNECT = [("grpc.initial_reconnect_backoff_ms", 10),
                  ("grpc.min_reconnect_backoff_ms", 10), ("grpc.max_reconnect_backoff_ms", 10)]

def serving(channel):
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                          timeout=2)
    except grpc.RpcError:
        return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING
"""

GRPC_CHILD = """\
import json, os, subprocess, sys, tempfile, time
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from example_grpc_plugin import LauncherConfig

rounds = int(sys.argv[1])
killed = 0  # bare demo servers still running 10 s after SIGTERM

def bare():
    global killed
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "s.sock")
        start = time.perf_counter()
        command = [sys.executable, "-m", "example_grpc_plugin.demo_server", "--address",
                   f"unix:{path}"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The socket file is the cheap probe: polling gRPC itself steals CPU from the server.
            with grpc.insecure_channel(f"unix:{path}", options=FAST_RECONNECT) as channel:
                while not (os.path.exists(path) and serving(channel)):
                    if process.poll() is not None:
                        raise RuntimeError(f"demo_server exited with {process.returncode}")
                    time.sleep(0.0005)
            return time.perf_counter() - start
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                killed += 1
                process.kill()
                process.wait()

def plugin():
    start = time.perf_counter()
    instance = launch_product("example_grpc", launch_mode="direct",
                              config=LauncherConfig(transport=""))
    try:
        if not check_grpc_health(instance.channels["main"], timeout=10):
            raise RuntimeError("example_grpc does not report SERVING")
        return time.perf_counter() - start
    finally:
        instance.stop()

print(json.dumps({**alternate(rounds, bare, plugin), "killed": killed}))
"""

SLURM_CHILD = """\
import json, os, re, subprocess, sys, time, uuid
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from example_grpc_plugin.slurm import SlurmConfig

rounds, work = int(sys.argv[1]), sys.argv[2]

def bare():
    output = os.path.join(work, f"bare-{uuid.uuid4().hex}.out")
    script = (f"#!/bin/bash\\nexec {sys.executable} -m example_grpc_plugin.demo_server"
              " --address=127.0.0.1:0\\n")
    start = time.perf_counter()
    submitted = subprocess.run(["sbatch", "--parsable", f"--output={output}", f"--chdir={work}",
                                "--time=5"], input=script, capture_output=True, text=True,
                               check=True)
    job = submitted.stdout.strip().split(";")[0]
    try:
        deadline = time.monotonic() + 60
        found = None
        while found is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"bare job {job} did not report where it listens in 60 s")
            try:
                with open(output) as text:
                    found = re.search(r"Serving gRPC on (\\S+)", text.read())
            except OSError:
                pass
            time.sleep(0.005)
        with grpc.insecure_channel(found.group(1), options=FAST_RECONNECT) as channel:
            while not serving(channel):
                time.sleep(0.0005)
        return time.perf_counter() - start
    finally:
        subprocess.run(["scancel", job], check=False)

def plugin():
    start = time.perf_counter()
    config = SlurmConfig(transport="insecure", work_dir=work, time_limit="5")
    instance = launch_product("example_grpc", launch_mode="slurm", config=config)
    try:
        if not check_grpc_health(instance.channels["main"], timeout=10):
            raise RuntimeError("example_grpc does not report SERVING on its node")
        return time.perf_counter() - start
    finally:
        instance.stop()

print(json.dumps(alternate(rounds, bare, plugin)))
"""

IMPORT_CHILD = """\
import importlib, sys, time
start = time.perf_counter()
import ansys.tools.local_product_launcher
import ansys.tools.local_product_launcher.interface
library = time.perf_counter()
importlib.import_module(sys.argv[1]).Launcher  # what the entry point loads
print(library - start, time.perf_counter() - library)
"""

# Arguments: the JSON file to write, the template, then the cookiecutter command's arguments.
# Bakes as ``python -m cookiecutter`` does, with timers around what a bake spends its time on;
# each figure leaves out the timed calls made inside it.
BAKE_CHILD = """\
import functools, json, sys, time
import cookiecutter.cli, cookiecutter.generate, cookiecutter.main
import jinja2

out, template, *arguments = sys.argv[1:]
keys = ["import", "command", "files", "extension", "compile", "render", "hooks"]
times = dict.fromkeys(keys, 0.0)
nested = [0.0]  # seconds of the timed calls inside the running one

def timed(key, function):  # keeps the function's attributes, such as Jinja's pass_context
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        nested.append(0.0)
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            times[key] += seconds - nested.pop()
            nested[-1] += seconds
    return wrapper

# The template's extension, imported here (as cookiecutter would, from the template's folder)
# to time it; cookiecutter then finds it loaded.
start = time.perf_counter()
sys.path.insert(0, template)
import launcher_filters
sys.path.remove(template)
times["import"] = time.perf_counter() - start
extension = launcher_filters.LauncherTemplate
extension.__init__ = timed("extension", extension.__init__)  # for each Jinja environment
cookiecutter.main.run_pre_prompt_hook = timed("hooks", cookiecutter.main.run_pre_prompt_hook)
generate = cookiecutter.generate
generate.run_hook_from_repo_dir = timed("hooks", generate.run_hook_from_repo_dir)
cookiecutter.main.generate_files = timed("files", cookiecutter.main.generate_files)

# The files' content, compiled and rendered: generate_file loads each file with get_template
# and renders it (file names and answers are rendered from strings, by cookiecutter's work).
files = {}
get_template, render = jinja2.Environment.get_template, jinja2.Template.render

def get_file(self, *args, **kwargs):
    loaded = get_template(self, *args, **kwargs)
    files[id(loaded)] = loaded
    return loaded

render_file = timed("render", render)
jinja2.Environment.get_template = timed("compile", get_file)
jinja2.Template.render = lambda self, *args, **kwargs: (
    render_file if files.get(id(self)) is self else render)(self, *args, **kwargs)
command = timed("command", cookiecutter.cli.main)
start = time.perf_counter()
command(arguments, prog_name="cookiecutter", standalone_mode=False)
times["call"] = time.perf_counter() - start
with open(out, "w", encoding="utf-8") as file:
    json.dump(times, file)
"""

# The seed plugin's launcher module, as published in its documentation, with its imports.
SEED_LAUNCHER = """\
import os
import subprocess
import sys
from dataclasses import dataclass, field

import requests

from ansys.tools.local_product_launcher.interface import LauncherProtocol, ServerType
from ansys.tools.local_product_launcher.helpers.ports import find_free_ports


@dataclass
class LauncherConfig:
    directory: str = field(default=os.getcwd())


class Launcher(LauncherProtocol[LauncherConfig]):
    CONFIG_MODEL = LauncherConfig
    SERVER_SPEC = {"main": ServerType.GENERIC}

    def __init__(self, *, config: LauncherConfig):
        self._config = config

    def start(self) -> None:
        port = find_free_ports()[0]
        self._url = f"localhost:{port}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--directory", self._config.directory,
             str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        )

    def stop(self, *, timeout: float | None = None) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def check(self, timeout: float | None = None) -> bool:
        try:
            requests.get(f"http://{self._url}")
            return True
        except requests.RequestException:
            return False

    @property
    def urls(self) -> dict[str, str]:
        return {"main": self._url}
"""


def run(command: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run ``command`` and return its stdout; raise with its stderr if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def bake(template: Path, out: Path, config_file: Path, context: list[str] | None = None) -> float:
    """Bake ``template`` into the new folder ``out`` with the cookiecutter CLI; return seconds.

    ``context`` holds ``key=value`` answers that replace the template's defaults.
    """
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "--config-file"]
    start = time.perf_counter()
    run([*command, str(config_file), str(template), "-o", str(out), *(context or [])])
    return time.perf_counter() - start


def uv_environment(tmp: Path) -> dict[str, str]:
    """Return the environment of uv: its cache in ``tmp`` unless ``UV_CACHE_DIR`` names one,
    and its temporary files in ``tmp``, so that it writes neither to the home folder nor to
    the system's temporary folder."""
    uv_tmp = tmp / "uv-tmp"
    uv_tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(uv_tmp), "TEMP": str(uv_tmp), "TMP": str(uv_tmp)}
    env.setdefault("UV_CACHE_DIR", str(tmp / "uv-cache"))
    return env


def make_venv(venv: Path, project: Path, env: dict[str, str]) -> Path:
    """Create the uv venv ``venv`` with ``project`` installed; return its python.

    ``env`` is uv's environment (see ``uv_environment``).
    """
    uv_bin = uv.find_uv_bin()
    run([uv_bin, "venv", "--quiet", "--python", sys.executable, str(venv)], env=env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # With compiled bytecode, as pip installs: the import measurement then compiles nothing.
    install = [uv_bin, "pip", "install", "--quiet", "--compile-bytecode"]
    run([*install, "--python", str(python), str(project)], env=env)
    return python


def child_environment(tmp: Path) -> dict[str, str]:
    """Return the environment of the launch children: their temporary files, the plugins' log
    files (one per start) and the launcher's configuration all in ``tmp``."""
    child_tmp = tmp / "child-tmp"
    child_tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(child_tmp), "TEMP": str(child_tmp), "TMP": str(child_tmp)}
    env["ANSYS_LAUNCHER_LOG_DIR"] = str(tmp / "logs")
    env["ANSYS_LAUNCHER_CONFIG_PATH"] = str(tmp / "launcher-config.json")
    return env


def run_launch_child(python: Path, tmp: Path, name: str, source: str, *args: str) -> Any:
    """Run the launch child ``source`` as ``{name}_child.py`` with ``python`` and ``args``.

    Return its JSON output: for the launches, ``bare`` and ``plugin`` seconds per round, and
    what else it adds.
    """
    script = tmp / f"{name}_child.py"
    script.write_text(ALTERNATE + source, encoding="utf-8")
    command = [str(python), *QUIET, str(script), *args]
    return json.loads(run(command, env=child_environment(tmp)))


def medians(times: dict[str, Any]) -> tuple[float, float]:
    """Return the medians of a launch child's ``bare`` and ``plugin`` seconds."""
    return statistics.median(times["bare"]), statistics.median(times["plugin"])


class Paired(NamedTuple):
    """A launch child's rounds: the per-round ratios plugin/bare and the raw medians (seconds)."""

    ratio: float
    """Median of the per-round ratios."""
    low: float
    high: float
    bare: float
    plugin: float


def paired(times: dict[str, Any]) -> Paired:
    """Return the paired ratios of a launch child's rounds (its lists hold one entry a round)."""
    ratios = [plugin / bare for bare, plugin in zip(times["bare"], times["plugin"], strict=True)]
    return Paired(statistics.median(ratios), min(ratios), max(ratios), *medians(times))


def measure_launch(python: Path, tmp: Path, rounds: int, product: str, package: str) -> Paired:
    """Return paired rounds of a bare http.server start and of ``launch_product(product)``.

    ``package`` is the plugin of ``product``, installed for ``python``.
    """
    www = tmp / "www"
    www.mkdir(exist_ok=True)
    (www / "hello.txt").write_text("hello\n", encoding="utf-8")
    args = [str(rounds), str(www), product, package]
    return paired(run_launch_child(python, tmp, f"launch-{product}", LAUNCH_CHILD, *args))


def measure_ownership(python: Path, tmp: Path, rounds: int) -> float:
    """Return the median seconds of one ownership check (``listeners.product_listens``) of a
    running product started by the default plugin's ``ProductProcess``."""
    www = tmp / "www"
    www.mkdir(exist_ok=True)
    args = [str(rounds), str(www), PACKAGE]
    times: list[float] = run_launch_child(python, tmp, "ownership", OWNERSHIP_CHILD, *args)
    return statistics.median(times)


def measure_grpc(python: Path, tmp: Path, rounds: int) -> tuple[float, float]:
    """Return the median seconds of a bare demo_server and of ``launch_product()`` to SERVING."""
    times = run_launch_child(python, tmp, "grpc", GRPC_PROBE + GRPC_CHILD, str(rounds))
    if times["killed"]:
        print(
            f"note: killed {times['killed']} bare demo_server(s) that outlived SIGTERM by 10 s",
            file=sys.stderr,
        )
    return medians(times)


def measure_slurm(python: Path, tmp: Path, rounds: int) -> Paired | str:
    """Return paired rounds of a bare ``sbatch`` of ``demo_server`` and of the slurm mode's
    ``launch_product()``, each until SERVING; or why there are none."""
    import shutil

    if shutil.which("sbatch") is None:
        return "no sbatch on PATH"
    plugin = tmp / "baked-grpc" / GRPC_PACKAGE / "src" / GRPC_PACKAGE / "slurm.py"
    if not plugin.exists():
        return "this template has no slurm mode"
    work = tmp / "slurm-work"  # the jobs' folder: on this machine, which is the only node
    work.mkdir(exist_ok=True)
    return paired(
        run_launch_child(python, tmp, "slurm", GRPC_PROBE + SLURM_CHILD, str(rounds), str(work))
    )


def measure_container(python: Path | None, tmp: Path, rounds: int) -> Paired | str:
    """Return paired rounds of a bare ``docker run`` of the test image's HTTP server and of the
    container mode's ``launch_product()``, each until ``hello.txt`` answers; or why there are
    none."""
    import shutil

    if python is None:
        return "this template has no container mode"
    if shutil.which("docker") is None:
        return "no docker on PATH"
    found = subprocess.run(
        ["docker", "image", "inspect", CONTAINER_IMAGE], capture_output=True, check=False
    )
    if found.returncode != 0:
        return f"no image {CONTAINER_IMAGE} (.ci/engines/docker.sh builds it) or no engine"
    site = tmp / "container-site"
    site.mkdir(exist_ok=True)
    (site / "hello.txt").write_text("hello from the benchmark", encoding="utf-8")
    times = run_launch_child(
        python, tmp, "container", CONTAINER_CHILD, str(rounds), CONTAINER_IMAGE, str(site)
    )
    return paired(times)


def measure_import(python: Path, tmp: Path, rounds: int) -> tuple[float, float, float]:
    """Return median seconds of the library import and of what the plugin and seed add."""
    seed = tmp / "seed"
    seed.mkdir()
    (seed / "launcher.py").write_text(SEED_LAUNCHER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(seed)}
    library: list[float] = []
    added: dict[str, list[float]] = {PACKAGE: [], "launcher": []}
    pairs = list(added.items())
    for round_ in range(rounds + 1):  # alternate the order, so neither side always runs first
        for module, times in pairs if round_ % 2 else pairs[::-1]:
            out = run([str(python), *QUIET, "-c", IMPORT_CHILD, module], env=env)
            library_s, added_s = map(float, out.split())
            if round_:
                times.append(added_s)
                library.append(library_s)
    return (
        statistics.median(library),
        statistics.median(added[PACKAGE]),
        statistics.median(added["launcher"]),
    )


class Bake(NamedTuple):
    """Medians of the bakes (seconds): the plain command's, and the timed ones' parts."""

    total: float
    """A bake by the plain ``python -m cookiecutter --no-input``."""
    timed: float
    """A bake with the timers, whose parts follow."""
    startup: float
    """Python's start-up, imports and exit: the process's time but the command's and the
    extension's import."""
    cookiecutter: float
    """cookiecutter's own work: ``command`` and ``files`` (and looking for hooks, if none)."""
    command: float
    """The command's own work: its options, the context, the prompts and the replay file."""
    files: float
    """``generate_files``'s own work: walking the template, rendering file and folder names,
    copying and writing files."""
    hooks: float
    """Looking for the template's hooks and running them."""
    extension: float
    """Importing the template's Jinja extension, and setting up each Jinja environment with it."""
    imported: float
    """Importing the extension (``launcher_filters`` and ``launcher_rules``)."""
    compile: float
    """Compiling the files' content (``get_template``)."""
    render: float
    """Rendering the files' content."""


def measure_bake(tmp: Path, config_file: Path, rounds: int) -> Bake:
    """Return the medians of bakes of this template with the default answers, each a process
    of its own as the command is: plain ones, and, alternating with them, ones with timers
    around their parts (``BAKE_CHILD``)."""
    script = tmp / "bake_child.py"
    script.write_text(BAKE_CHILD, encoding="utf-8")
    plain: list[float] = []
    parts: dict[str, list[float]] = {}
    for round_ in range(rounds + 1):  # round 0 warms up; alternate which goes first
        for name in ("plain", "timed") if round_ % 2 else ("timed", "plain"):
            if name == "plain":
                seconds = bake(TEMPLATE, Path(tempfile.mkdtemp(dir=tmp)), config_file)
                if round_:
                    plain.append(seconds)
                continue
            out = tmp / "bake-times.json"
            arguments = ["--no-input", "--config-file", str(config_file), str(TEMPLATE)]
            arguments += ["-o", tempfile.mkdtemp(dir=tmp)]
            start = time.perf_counter()
            run([sys.executable, str(script), str(out), str(TEMPLATE), *arguments])
            seconds = time.perf_counter() - start
            times = json.loads(out.read_text(encoding="utf-8"))
            times["cookiecutter"] = times["command"] + times["files"]
            if not HOOKS:  # looking for hooks is then cookiecutter's own work
                times["cookiecutter"] += times["hooks"]
            times["imported"] = times["import"]
            times["extension"] += times["import"]
            times["startup"] = seconds - times["call"] - times["import"]
            times["timed"] = seconds
            if round_:
                for key, value in times.items():
                    parts.setdefault(key, []).append(value)
    median = {key: statistics.median(values) for key, values in parts.items()}
    return Bake(
        statistics.median(plain),
        *(median[field] for field in Bake._fields[1:]),
    )


def paired_line(name: str, result: Paired, goal: float) -> tuple[str, bool]:
    """Return the report line of paired rounds, and whether the median ratio passes."""
    return (
        f"{name:<9} bare {result.bare * 1e3:.1f} ms  plugin {result.plugin * 1e3:.1f} ms  "
        f"paired ratio {result.ratio:.2f} ({result.low:.2f}-{result.high:.2f})  "
        f"(goal <= {goal:.2f})",
        result.ratio <= goal,
    )


def bake_lines(result: Bake) -> list[str]:
    """Return the report lines of the bakes: the time of one, and where it goes."""

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:.1f} ms"

    hooks = ms(result.hooks) if HOOKS else "none"
    cookiecutter = f"context and prompts {ms(result.command)}, files {ms(result.files)}"
    files = f"compile {ms(result.compile)}, render {ms(result.render)}"
    return [
        f"{'bake':<8}{ms(result.total)}  (cookiecutter --no-input, default answers; "
        f"{ms(result.timed)} with the timers)  info",
        f"{'':<8}start-up and imports {ms(result.startup)}  "
        f"cookiecutter {ms(result.cookiecutter)} ({cookiecutter})  hooks {hooks}  info",
        f"{'':<8}extension {ms(result.extension)} (import {ms(result.imported)})  "
        f"rendering files {ms(result.compile + result.render)} ({files})  info",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds per measurement")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as name:
        tmp = Path(name)
        print(f"setting up a venv with the baked plugin in {tmp} ...", file=sys.stderr)
        config_file = tmp / "cookiecutter.yaml"  # keeps replay files out of the home folder
        config_file.write_text(f"replay_dir: {json.dumps(str(tmp / 'replay'))}\n", "utf-8")
        uv_env = uv_environment(tmp)
        bake(TEMPLATE, tmp / "baked", config_file)
        python = make_venv(tmp / "venv", tmp / "baked" / PACKAGE, uv_env)
        bake(TEMPLATE, tmp / "baked-port", config_file, PORT_CONTEXT)
        port_python = make_venv(tmp / "venv-port", tmp / "baked-port" / PORT_PACKAGE, uv_env)
        bake(TEMPLATE, tmp / "baked-grpc", config_file, GRPC_CONTEXT)
        grpc_python = make_venv(tmp / "venv-grpc", tmp / "baked-grpc" / GRPC_PACKAGE, uv_env)
        bake(TEMPLATE, tmp / "baked-boxed", config_file, CONTAINER_CONTEXT)
        boxed = tmp / "baked-boxed" / CONTAINER_PACKAGE
        boxed_python = make_venv(tmp / "venv-boxed", boxed, uv_env) if boxed.is_dir() else None
        print(f"measuring {rounds} rounds each ...", file=sys.stderr)
        launch = measure_launch(python, tmp, rounds, "example_httpserver", PACKAGE)
        port = measure_launch(port_python, tmp, rounds, "example_porty", PORT_PACKAGE)
        ownership = measure_ownership(python, tmp, rounds)
        library, plugin_import, seed_import = measure_import(python, tmp, rounds)
        baking = measure_bake(tmp, config_file, rounds)
        grpc_bare, grpc_plugin = measure_grpc(grpc_python, tmp, rounds)
        slurm = measure_slurm(grpc_python, tmp, rounds)
        container = measure_container(boxed_python, tmp, rounds)

    added_ms = plugin_import * 1e3
    results = [
        paired_line("launch", launch, LAUNCH_GOAL),
        paired_line("port", port, PORT_GOAL),
        (
            f"import  library {library * 1e3:.1f} ms  seed +{seed_import * 1e3:.1f} ms  "
            f"plugin +{added_ms:.1f} ms  (goal <= {IMPORT_GOAL_MS:.0f} ms)",
            added_ms <= IMPORT_GOAL_MS,
        ),
    ]
    print(
        f"{rounds} rounds, medians; paired ratio = median of per-round plugin/bare (min-max); "
        f"Python {sys.version.split()[0]}"
    )
    for line, ok in results:
        print(f"{line}  {'ok' if ok else 'FAILED'}")
    print("\n".join(bake_lines(baking)))
    print(f"ownership check +{ownership * 1e3:.1f} ms (median of {rounds})  info")
    print(
        f"{'grpc':<8}bare {grpc_bare * 1e3:.1f} ms  plugin {grpc_plugin * 1e3:.1f} ms  "
        f"ratio {grpc_plugin / grpc_bare:.2f}  (http plugin launch {launch.plugin * 1e3:.1f} ms)  info"
    )
    for name, result, goal in (
        ("slurm", slurm, SLURM_GOAL),
        ("container", container, CONTAINER_GOAL),
    ):
        if isinstance(result, str):  # not measured here: no engine
            print(f"{name:<9} not measured: {result}  info")
            continue
        line, ok = paired_line(name, result, goal)
        print(f"{line}  {'ok' if ok else 'FAILED'}")
        results.append((line, ok))
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
