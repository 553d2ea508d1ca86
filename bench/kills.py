"""Kill launching Python processes at random moments and count what they leave behind.

Usage: ``python bench/kills.py [TEMPLATE] [--trials N] [--jobs J] [--cache FOLDER]``. The running
interpreter needs cookiecutter and uv, which ``python -m pip install -r requirements-test.txt``
installs; TEMPLATE (default: this repository) may be any version of the template, such as
``git archive 2a93a89 | tar -x -C old`` for the figures before a change. The only network use is
uv installing the baked plugins' dependencies (and psutil) from the package index; with
``--cache`` the venvs (and uv's cache, unless ``UV_CACHE_DIR`` names one) are kept there and
reused while the template and the bake are unchanged. Without it, everything goes to one folder
in ``/tmp``, removed at the end; nothing is written to the home folder.

Four bakes, ``N`` trials each:

* ``http``: the default plugin (the product reports its own port);
* ``port``: an HTTP plugin told its port (``{port}`` in ``product_command``);
* ``grpc-uds``: ``server_type=grpc`` launched with transport ``uds`` (a socket folder in TMPDIR);
* ``grpc-tcp``: the same bake launched with transport ``insecure``.

A trial runs a Python child that imports the plugin, prints ``launching``, calls
``launch_product(PRODUCT, launch_mode="direct", config=...)`` and prints ``started`` once it
returns. The child has its own TMPDIR (short, under ``/tmp/k-*``), log folder and launcher
configuration file, and a unique marker in its environment, which the watchdog and the product
inherit. A uniform random 0-``--max-delay`` s after ``launching`` the child gets SIGKILL or
SIGTERM (half each). Until the trial is clean, or ``--settle`` s after the kill, the trial looks
for *orphans* (processes, not zombies, carrying the marker: found with psutil, which runs in the
bake's venv) and *leftovers* (anything in the child's TMPDIR); then it kills what is left and
removes its folders. ``--jobs`` trials run at once, to add load.

Exit status 0 when no trial left an orphan or a leftover, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import importlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, NamedTuple

TEMPLATE = Path(__file__).resolve().parent.parent
MARKER = "LAUNCHER_KILLS_MARKER"
"""Environment variable that marks a trial's child and everything it starts."""
LAUNCHER_MODULE = "ansys.tools.local_product_launcher"
# The benchmark's port-told product. Not imported from benchmark.py: this script also runs
# itself inside each bake's venv, which has none of the benchmark's imports.
PORT_COMMAND = [
    "{python}",
    "-m",
    "http.server",
    "--bind={host}",
    "--directory={directory}",
    "{port}",
]


class Bake(NamedTuple):
    """One plugin to bake, and how its trials launch it."""

    name: str
    context: tuple[str, ...]
    """``key=value`` answers of the bake."""
    product: str
    package: str
    config: dict[str, str]
    """The ``LauncherConfig`` fields of each launch; ``"{www}"`` is a folder to serve."""


BAKES = (
    Bake("http", (), "example_httpserver", "example_httpserver_plugin", {"directory": "{www}"}),
    Bake(
        "port",
        ("product_name=example_porty", f"product_command={json.dumps(PORT_COMMAND)}"),
        "example_porty",
        "example_porty_plugin",
        {"directory": "{www}"},
    ),
    Bake(
        "grpc-uds",
        ("server_type=grpc", "product_name=example_grpc"),
        "example_grpc",
        "example_grpc_plugin",
        {"transport": "uds"},
    ),
    Bake(
        "grpc-tcp",
        ("server_type=grpc", "product_name=example_grpc"),
        "example_grpc",
        "example_grpc_plugin",
        {"transport": "insecure"},
    ),
)

# Arguments: the launcher's module, the product, the plugin's package, the config fields (JSON).
CHILD = """\
import importlib, json, sys, time
launch_product = importlib.import_module(sys.argv[1]).launch_product
LauncherConfig = importlib.import_module(sys.argv[3] + ".launcher").LauncherConfig
config = LauncherConfig(**json.loads(sys.argv[4]))
print("launching", flush=True)
instance = launch_product(sys.argv[2], launch_mode="direct", config=config)
print("started", flush=True)
time.sleep(60)  # the kill comes long before
instance.stop()
"""


def run(command: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run ``command`` and return its stdout; raise with its stderr if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def template_key(template: Path, context: tuple[str, ...]) -> str:
    """Return a short hash of what a bake of ``template`` with ``context`` installs: the answers,
    ``cookiecutter.json``, the Python modules beside it (the Jinja extensions) and the project
    folder."""
    digest = hashlib.sha256(json.dumps([sys.version, *context]).encode())
    baked = [template / "cookiecutter.json", *template.glob("*.py")]
    for folder in template.glob("{{*}}"):
        baked.extend(path for path in folder.rglob("*") if "__pycache__" not in path.parts)
    for path in sorted(path for path in baked if path.is_file()):
        digest.update(str(path.relative_to(template)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install(template: Path, bake: Bake, venvs: Path, work: Path) -> Path:
    """Return the python of a venv with ``bake`` of ``template`` and psutil installed; reuse
    the venv in ``venvs`` made for the same template files and answers."""
    import uv

    venv = venvs / f"{bake.package}-{template_key(template, bake.context)}"
    python = venv_python(venv)
    if (venv / "installed").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    out = Path(tempfile.mkdtemp(prefix="bake-", dir=work))
    config_file = out / "cookiecutter.yaml"  # keeps replay files out of the home folder
    config_file.write_text(f"replay_dir: {json.dumps(str(out / 'replay'))}\n", "utf-8")
    cookiecutter = [sys.executable, "-m", "cookiecutter", "--no-input", "--config-file"]
    run([*cookiecutter, str(config_file), str(template), "-o", str(out), *bake.context])
    uv_bin = uv.find_uv_bin()
    # uv's cache beside the venvs, its temporary files in ``work``: none in the home folder.
    env = {**os.environ, "TMPDIR": str(out), "TEMP": str(out), "TMP": str(out)}
    env.setdefault("UV_CACHE_DIR", str(venvs / "uv-cache"))
    run([uv_bin, "venv", "--quiet", "--python", sys.executable, str(venv)], env=env)
    # With compiled bytecode, as pip installs: the children start as fast as a user's would.
    install_ = [uv_bin, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
    run([*install_, str(out / bake.package), "psutil"], env=env)
    shutil.rmtree(out)
    (venv / "installed").touch()
    return python


class Trial(NamedTuple):
    """What one kill did."""

    number: int
    signal: str
    delay: float
    """Seconds from ``launching`` to the kill, as sent."""
    started: bool
    """Whether ``launch_product`` had returned (the child printed ``started``)."""
    orphans: list[str]
    """The marked processes still running ``settle`` s after the kill: pid, parent, cmdline."""
    leftovers: list[str]
    """What was left in the child's TMPDIR: name, and whether a folder or a file."""
    clean_after: float | None
    """Seconds from the kill until nothing was left; ``None`` if something was."""
    error: str | None
    """The child's output if it ended before the kill."""


class Scanner:
    """Finds the processes of each marker; one scan of the machine serves every trial that
    asks within ``every`` seconds."""

    def __init__(self, every: float = 0.05) -> None:
        # psutil is in the bake's venv, where trials run: the template's own has no need of it.
        self.psutil: Any = importlib.import_module("psutil")
        self.every = every
        self._lock = threading.Lock()
        self._when = 0.0
        self._found: dict[str, list[Any]] = {}

    def marked(self, marker: str) -> list[Any]:
        """Return the running processes (not zombies) whose environment holds ``marker``."""
        with self._lock:
            if time.monotonic() - self._when > self.every:
                self._found = self._scan()
                self._when = time.monotonic()
            return list(self._found.get(marker, []))

    def _scan(self) -> dict[str, list[Any]]:
        psutil = self.psutil
        found: dict[str, list[Any]] = {}
        for process in psutil.process_iter():
            try:
                value = process.environ().get(MARKER)
                if value and process.status() != psutil.STATUS_ZOMBIE:
                    found.setdefault(value, []).append(process)
            except psutil.Error:
                continue
        return found

    def describe(self, process: Any) -> str:
        try:
            with process.oneshot():
                return (
                    f"pid {process.pid} ppid {process.ppid()} pgid {os.getpgid(process.pid)}"
                    f" {process.status()} {' '.join(process.cmdline())}"
                )
        except (self.psutil.Error, OSError):
            return f"pid {process.pid} (gone)"


def kind(path: Path) -> str:
    """Return the name of ``path`` and what it is: a folder (with its entries) or a file."""
    try:
        if path.is_dir() and not path.is_symlink():
            return f"{path.name} (folder: {', '.join(sorted(os.listdir(path))) or 'empty'})"
        return f"{path.name} (file, {path.lstat().st_size} bytes)"
    except OSError:
        return f"{path.name} (gone)"


def trial(
    index: int,
    bake: Bake,
    root: Path,
    www: Path,
    choice: tuple[str, float],
    settle: float,
    scanner: Scanner,
) -> Trial:
    """Run one trial in a new folder of ``root``; remove the folder and what was left."""
    name, delay = choice
    folder = root / str(index)
    tmp = folder / "t"
    tmp.mkdir(parents=True)
    marker = uuid.uuid4().hex
    env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp), MARKER: marker}
    env["ANSYS_LAUNCHER_LOG_DIR"] = str(folder / "logs")
    env["ANSYS_LAUNCHER_CONFIG_PATH"] = str(folder / "launcher-config.json")
    config = {key: value.replace("{www}", str(www)) for key, value in bake.config.items()}
    args = [LAUNCHER_MODULE, bake.product, bake.package, json.dumps(config)]
    stderr = folder / "stderr"
    with open(stderr, "wb") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
            cwd=folder,
        )
    assert child.stdout is not None
    error = None
    try:
        first = child.stdout.readline()
        launching = time.monotonic()
        time.sleep(max(0.0, launching + delay - time.monotonic()))
        killed = time.monotonic()
        if first != b"launching\n" or child.poll() is not None:  # it failed: no kill to count
            child.kill()
            child.wait()
            error = (first + child.stdout.read()).decode() + stderr.read_text()
        child.send_signal(signal.SIGKILL if name == "SIGKILL" else signal.SIGTERM)
        started = b"started" in child.stdout.read()
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    while True:
        orphans = scanner.marked(marker)
        leftovers = sorted(os.listdir(tmp))
        elapsed = time.monotonic() - killed
        if (not orphans and not leftovers) or elapsed > settle:
            break
        time.sleep(0.05)
    described = [scanner.describe(process) for process in orphans]
    leftovers = [kind(tmp / entry) for entry in leftovers]
    for process in orphans:
        with contextlib.suppress(scanner.psutil.Error):
            process.kill()
    scanner.psutil.wait_procs(orphans, timeout=5)
    shutil.rmtree(folder, ignore_errors=True)
    clean = None if orphans or leftovers else elapsed
    return Trial(index, name, delay, started, described, leftovers, clean, error)


def run_trials(spec: dict[str, Any]) -> list[Trial]:
    """Run the trials of one bake, ``spec["jobs"]`` at a time (in the bake's venv)."""
    bake = Bake(*spec["bake"])
    root, www = Path(spec["root"]), Path(spec["www"])
    rng = random.Random(spec["seed"])
    choices = [
        (rng.choice(("SIGKILL", "SIGTERM")), rng.uniform(0, spec["max_delay"]))
        for _ in range(spec["trials"])
    ]
    scanner = Scanner()
    with concurrent.futures.ThreadPoolExecutor(spec["jobs"]) as pool:
        futures = [
            pool.submit(trial, index, bake, root, www, choice, spec["settle"], scanner)
            for index, choice in enumerate(choices)
        ]
        return [future.result() for future in futures]


def table(results: dict[str, list[Trial]]) -> list[str]:
    """Return the report lines: one row a bake and the totals."""
    head = (
        f"{'bake':<10}{'trials':>7}{'SIGKILL':>8}{'SIGTERM':>8}{'in start':>9}{'after':>6}"
        f"{'orphans':>8}{'leftover':>9}{'errors':>7}  clean after (median/max)"
    )
    lines = [head]
    every: list[Trial] = []
    for name, trials in [*results.items(), ("total", [])]:
        trials = trials or every
        if name != "total":
            every.extend(trials)
        times = [each.clean_after for each in trials if each.clean_after is not None]
        clean = f"{statistics.median(times):.2f}/{max(times):.2f} s" if times else "-"
        lines.append(
            f"{name:<10}{len(trials):>7}"
            f"{sum(each.signal == 'SIGKILL' for each in trials):>8}"
            f"{sum(each.signal == 'SIGTERM' for each in trials):>8}"
            f"{sum(not each.started for each in trials):>9}"
            f"{sum(each.started for each in trials):>6}"
            f"{sum(len(each.orphans) for each in trials):>8}"
            f"{sum(len(each.leftovers) for each in trials):>9}"
            f"{sum(each.error is not None for each in trials):>7}  {clean}"
        )
    return lines


def details(results: dict[str, list[Trial]]) -> list[str]:
    """Return a paragraph for each trial that left something or whose child failed."""
    lines = []
    for name, trials in results.items():
        for each in trials:
            if each.orphans or each.leftovers or each.error:
                lines.append(
                    f"{name} trial {each.number}: {each.signal} {each.delay * 1e3:.0f} ms after"
                    f" 'launching', {'after' if each.started else 'before'} launch_product"
                    " returned"
                )
                lines.extend(f"  orphan: {orphan}" for orphan in each.orphans)
                lines.extend(f"  left in TMPDIR: {entry}" for entry in each.leftovers)
                if each.error:
                    lines.extend(f"  child: {line}" for line in each.error.splitlines()[-5:])
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", type=Path, default=TEMPLATE)
    parser.add_argument("--trials", type=int, default=250, help="trials per bake")
    parser.add_argument("--jobs", type=int, default=4, help="trials at once")
    parser.add_argument("--max-delay", type=float, default=0.3, help="seconds, at most")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to get clean")
    parser.add_argument("--seed", type=int, help="of the signals and delays")
    parser.add_argument("--cache", type=Path, help="folder that keeps the venvs between runs")
    parser.add_argument("--bakes", default=",".join(bake.name for bake in BAKES))
    parser.add_argument("--run-trials", help=argparse.SUPPRESS)  # a bake's venv runs them
    options = parser.parse_args()
    if options.run_trials:
        spec = json.loads(options.run_trials)
        print(json.dumps([each._asdict() for each in run_trials(spec)]))
        return 0
    seed = random.randrange(2**32) if options.seed is None else options.seed
    template = options.template.resolve()
    chosen = [bake for bake in BAKES if bake.name in options.bakes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="k-", dir="/tmp" if os.name != "nt" else None))
    results: dict[str, list[Trial]] = {}
    try:
        venvs = options.cache.resolve() if options.cache else root / "venvs"
        venvs.mkdir(parents=True, exist_ok=True)
        www = root / "www"
        www.mkdir()
        (www / "hello.txt").write_text("hello\n", encoding="utf-8")
        for number, bake in enumerate(chosen):
            print(f"{bake.name}: installing {template} ...", file=sys.stderr)
            python = install(template, bake, venvs, root)
            print(f"{bake.name}: {options.trials} trials ...", file=sys.stderr)
            trials_root = root / f"{number}"
            trials_root.mkdir()
            spec = {
                "bake": bake,
                "root": str(trials_root),
                "www": str(www),
                "seed": seed + number,
                "trials": options.trials,
                "jobs": options.jobs,
                "max_delay": options.max_delay,
                "settle": options.settle,
            }
            command = [str(python), __file__, "--run-trials", json.dumps(spec)]
            out = run(command, timeout=7200)
            results[bake.name] = [Trial(**each) for each in json.loads(out)]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{template}: {options.trials} trials per bake, {options.jobs} at once, kill"
        f" 0-{options.max_delay * 1e3:.0f} ms after 'launching', seed {seed};"
        f" Python {sys.version.split()[0]}"
    )
    print("in start/after: killed before/after launch_product returned")
    lines = table(results)
    print("\n".join(lines))
    problems = details(results)
    if problems:
        print("\n".join(problems))
    return 1 if any(each.orphans or each.leftovers for t in results.values() for each in t) else 0


if __name__ == "__main__":
    sys.exit(main())
