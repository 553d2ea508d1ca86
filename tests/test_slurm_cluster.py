"""A gRPC bake with the slurm mode submits real jobs to a real Slurm cluster: the one-node
cluster of ``.ci/engines/slurm.sh``, which ``.ci/run`` starts (its own tests, with stand-ins
for the Slurm commands, run in test_matrix.py).

Through the real ``launch_product``, with the demo server as the product and as a second server
of its own, each a job (the jobs run on this machine, so the bake's venv is where the node looks
for it): the channels report SERVING,
``stop()`` leaves no job, a SIGKILL of the launching process cancels the job within 5 s, and a
job that cannot start is named within the start-up timeout. Every job a test submits is
cancelled by the launcher it started, or by the test itself if that failed; no other job is
touched. On Linux with ``CI=true`` a missing cluster fails these tests instead of skipping them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Plugin

SLURM = {
    "server_type": "grpc",
    "product_name": "example_grpc",
    "include_slurm_mode": True,
    # A second server, a program of its own: a job of its own, which reports where it listens.
    "servers": json.dumps(
        {
            "main": "grpc",
            "peer": {
                "kind": "grpc",
                "command": [
                    "{python}",
                    "-m",
                    "example_grpc_plugin.demo_server",
                    "--address={address:peer}",
                    "--certs-dir={certs_dir}",
                ],
            },
        }
    ),
}

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="the CI cluster (.ci/engines/slurm.sh) runs on Linux",
)


def cluster_problem() -> str | None:
    """Return why no Slurm cluster takes jobs here, or ``None`` if one does."""
    if shutil.which("sbatch") is None:
        return "no sbatch on PATH"
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"sinfo fails: {error}"
    if done.returncode != 0:
        return f"sinfo fails: {done.stderr.strip()}"
    usable = {"idle", "mixed", "allocated", "completing"}
    if not usable & {state.strip() for state in done.stdout.split()}:
        return f"no usable node (sinfo: {done.stdout.strip() or 'none'})"
    return None


@pytest.fixture(scope="module")
def cluster() -> None:
    """A Slurm cluster that takes jobs; fails under ``CI=true`` if there is none, else skips."""
    problem = cluster_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and no Slurm cluster: {problem}; .ci/engines/slurm.sh starts one")
    pytest.skip(f"no Slurm cluster ({problem}); sudo bash .ci/engines/slurm.sh starts one")


@pytest.fixture(scope="module")
def slurm_plugin(cluster: None, install: Callable[..., Plugin]) -> Plugin:
    """The gRPC bake with the slurm mode, installed in a venv of its own."""
    return install(**SLURM)


def job_state(job: str) -> str:
    """Return the state the cluster gives ``job``, ended jobs included (``squeue -t all``)."""
    done = subprocess.run(
        ["squeue", "-h", "-j", job, "-t", "all", "-o", "%T"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def active(job: str) -> str:
    """Return what plain ``squeue`` (pending and running jobs) lists of ``job``."""
    done = subprocess.run(
        ["squeue", "-h", "-j", job, "-o", "%i %T"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


LIFECYCLE = """
import subprocess, sys
from ansys.tools.common.launcher import launch_product
from ansys.tools.common.launcher.helpers.grpc import check_grpc_health
from example_grpc_plugin.slurm import SlurmConfig

config = SlurmConfig(transport="insecure", work_dir=sys.argv[1], time_limit="5")
instance = launch_product("example_grpc", launch_mode="slurm", config=config)
jobs = [instance._launcher.job_id, *(other.job_id for other in instance._launcher._others.values())]
print("jobs", *jobs)
print("addresses", *(instance.urls[name] for name in ("main", "peer")))
print("SERVING", *(check_grpc_health(instance.channels[name], timeout=10) for name in ("main", "peer")))
print("check", instance.check(timeout=10))
instance.stop()
print("stopped", instance._launcher.job_id)
"""


def test_launch_product_reports_serving_on_the_node_and_stop_leaves_no_job(
    slurm_plugin: Plugin, tmp_path: Path
) -> None:
    output = slurm_plugin.run("-W", "ignore", "-c", LIFECYCLE, str(tmp_path))
    lines = dict(line.split(" ", 1) for line in output.splitlines())
    jobs = lines["jobs"].split()
    try:
        assert len(jobs) == 2, output  # main's job, and the peer's of its own
        addresses = lines["addresses"].split()
        assert all(re.fullmatch(r"127\.0\.0\.1:\d+", address) for address in addresses), output
        assert len(set(addresses)) == 2, output
        assert lines["SERVING"] == "True True", output
        assert lines["check"] == "True", output
        assert lines["stopped"] == "None", output
        assert [active(job) for job in jobs] == ["", ""]
        assert [job_state(job) for job in jobs] == ["CANCELLED", "CANCELLED"]
    finally:
        subprocess.run(["scancel", *jobs], check=False)


ORPHAN = """
import sys
from example_grpc_plugin.slurm import SlurmConfig, SlurmLauncher

config = SlurmConfig(transport="insecure", work_dir=sys.argv[1], time_limit="5")
launcher = SlurmLauncher(config=config)
launcher.start()
print(launcher.job_id, *(other.job_id for other in launcher._others.values()), flush=True)
sys.stdin.read()
"""


def test_a_sigkill_of_the_launching_process_cancels_its_job_within_5_s(
    slurm_plugin: Plugin, tmp_path: Path
) -> None:
    environment = {**os.environ, "ANSYS_LAUNCHER_CONFIG_PATH": str(slurm_plugin.config_path)}
    launching = subprocess.Popen(
        [str(slurm_plugin.python), "-W", "ignore", "-c", ORPHAN, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    jobs: list[str] = []
    try:
        assert launching.stdout is not None
        jobs = launching.stdout.readline().split()
        assert len(jobs) == 2, jobs  # main's job, and the peer's
        assert [job_state(job) for job in jobs] == ["RUNNING", "RUNNING"]
        launching.kill()  # SIGKILL: no stop(), no atexit
        launching.wait()
        killed = time.monotonic()
        for job in jobs:
            state = job_state(job)
            while state in ("RUNNING", "COMPLETING") and time.monotonic() - killed < 5:
                time.sleep(0.02)
                state = job_state(job)
            late = time.monotonic() - killed
            assert state == "CANCELLED", f"job {job}: {state} {late:.2f} s after"
            assert active(job) == ""
    finally:
        launching.kill()
        launching.wait()
        for pipe in (launching.stdin, launching.stdout):
            if pipe is not None:
                pipe.close()
        if jobs:
            subprocess.run(["scancel", *jobs], check=False)


CANNOT_START = """
import sys, time
from example_grpc_plugin import LaunchError
from example_grpc_plugin.slurm import SlurmConfig, SlurmLauncher

cases = {
    "refused": {"partition": "no-such-partition"},
    "pending": {"sbatch_options": "--begin=now+1hour", "startup_timeout": 3.0},
    "ended": {"setup": "echo preparing the node; exit 3"},
}
for name, changes in cases.items():
    config = SlurmConfig(transport="insecure", work_dir=sys.argv[1], time_limit="5", **changes)
    began = time.monotonic()
    try:
        SlurmLauncher(config=config).start()
    except LaunchError as error:
        print(f"{name} {time.monotonic() - began:.2f} {error}".replace("\\n", " | "))
    else:
        print(name, "started")
"""


def test_a_job_that_cannot_start_is_named_within_the_startup_timeout(
    slurm_plugin: Plugin, tmp_path: Path
) -> None:
    output = slurm_plugin.run("-W", "ignore", "-c", CANNOT_START, str(tmp_path))
    found = {}
    for line in output.splitlines():
        name, seconds, message = line.split(" ", 2)
        found[name] = (float(seconds), message)
    jobs = re.findall(r"\bjob (\d+)", output)
    try:
        seconds, message = found["refused"]
        assert seconds < 5, output
        assert "Slurm refused the job" in message, output
        assert "Invalid partition name specified" in message, output

        seconds, message = found["pending"]
        assert 3 <= seconds < 3 + 5, output
        assert "still PENDING after 3 s (squeue's reason: BeginTime)" in message, output
        assert "it was cancelled" in message, output

        seconds, message = found["ended"]
        assert seconds < 10, output
        assert "ended during start-up (FAILED, exit code 3:0)" in message, output
        assert message.endswith("preparing the node"), output

        assert len(jobs) == 2, output
        assert [job_state(job) for job in jobs] == ["CANCELLED", "FAILED"]
        assert [active(job) for job in jobs] == ["", ""]
    finally:
        for job in jobs:
            subprocess.run(["scancel", job], check=False)


def test_the_plugins_own_lifecycle_tests_pass_against_the_cluster(slurm_plugin: Plugin) -> None:
    output = slurm_plugin.run(
        *("pytest", "-p", "no:cacheprovider", "-q", "-m", "lifecycle", "tests/test_slurm.py"),
        *("--real-slurm", "--real-product", "--product-option=transport=insecure"),
    )
    assert re.search(r"\b5 passed\b", output), output
    assert "failed" not in output, output
