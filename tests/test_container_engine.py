"""The container launch mode with a real engine: plugins baked with include_container_mode=true
launch real containers through Docker (``.ci/engines/docker.sh`` sets it up, with the test
image built on this machine) with ``launch_product(..., launch_mode="container")``.

Containers run under the host network only: the test engine publishes no ports (its bridge is
off), so the published-port form is covered by the command line it builds (see
``tests/test_container.py`` of a baked project). Without Docker or the image these tests are
skipped, and with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from answers import ACP_LIKE
from conftest import TEMPLATE, Plugin

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the test engine runs on Linux")

IMAGE = "launcher-template-test:py3-grpc"
"""The test image of ``.ci/engines/docker.sh``: Debian with python3 and python3-grpcio."""
PLUGIN_LABEL = "ansys.tools.launcher.plugin"
HEALTH_SERVER = TEMPLATE / "tests" / "products" / "health_only_server.py"
IN_IMAGE = "/opt/product/server.py"
HTTP = {
    "product_name": "container_http",
    "include_container_mode": True,
    "container_command": json.dumps(
        ["python3", "-m", "http.server", "--bind={host}", "--directory={directory}", "0"]
    ),
}
GRPC = {
    "server_type": "grpc",
    "product_name": "container_grpc",
    "include_container_mode": True,
    "container_command": json.dumps(["python3", IN_IMAGE, "--address={address}"]),
}


def docker(*args: str) -> str:
    """Run ``docker ARGS``; return its output."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def containers_of(plugin: str) -> list[str]:
    """Return the names of the containers, running or not, labelled with ``plugin``."""
    return docker(
        "ps", "--all", f"--filter=label={PLUGIN_LABEL}={plugin}", "--format={{.Names}}"
    ).split()


def volumes() -> set[str]:
    """Return the engine's volumes."""
    return set(docker("volume", "ls", "--quiet").split())


@pytest.fixture(scope="module", autouse=True)
def engine() -> None:
    """Require the Docker engine and the test image: skipped without them, failed with
    ``CI=true``."""
    problem = None
    if shutil.which("docker") is None:
        problem = "docker is not installed"
    elif subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode != 0:
        problem = "the Docker engine is not running"
    elif (
        subprocess.run(
            ["docker", "image", "inspect", IMAGE], capture_output=True, timeout=60
        ).returncode
        != 0
    ):
        problem = f"the test image {IMAGE} is missing"
    if problem:
        message = f"{problem}: run .ci/engines/docker.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def http_plugin(install: Callable[..., Plugin]) -> Plugin:
    """An HTTP plugin with the container launch mode, installed."""
    return install(**HTTP)


@pytest.fixture(scope="module")
def grpc_plugin(install: Callable[..., Plugin]) -> Plugin:
    """A gRPC plugin with the container launch mode, installed."""
    return install(**GRPC)


LAUNCH = """
import json, subprocess, sys, requests
from ansys.tools.local_product_launcher import launch_product
from {package}.container import ContainerConfig

config = ContainerConfig(**json.loads(sys.argv[1]))
with launch_product("{product}", launch_mode="container", config=config) as instance:
    running = subprocess.run(
        ["docker", "ps", "--filter=label=ansys.tools.launcher.plugin={package}", "--format={{{{.Names}}}}"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    if "{kind}" == "http":
        session = requests.Session()
        session.trust_env = False
        answer = session.get(instance.urls["main"] + "/hello.txt", timeout=10)
        print(answer.status_code, answer.text, len(running), instance.check(timeout=5))
    else:
        print(instance.urls["main"].split(":")[0], len(running), instance.check(timeout=5))
    instance._launcher.stop()  # a first stop() of the launcher; leaving the block stops it again
print("stopped")
"""


def launch(plugin: Plugin, kind: str, config: dict[str, object]) -> list[str]:
    """Launch ``plugin`` in a container with ``config``; return the script's output lines."""
    package = plugin.root.name
    product = package.removesuffix("_plugin")
    script = LAUNCH.format(package=package, product=product, kind=kind)
    return plugin.run("-W", "ignore", "-c", script, json.dumps(config)).splitlines()


def http_config(tmp_path: Path) -> dict[str, object]:
    """Return the config of the HTTP plugin serving a new folder with ``hello.txt``."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "hello.txt").write_text("hello from the container", encoding="utf-8")
    return {"image": IMAGE, "pull": "never", "network": "host", "directory": str(site)}


def grpc_config(transport: str) -> dict[str, object]:
    """Return the config of the gRPC plugin with ``transport``, its product bound into the
    image read-only."""
    mount = f"--mount=type=bind,source={HEALTH_SERVER},target={IN_IMAGE},readonly"
    return {
        "image": IMAGE,
        "pull": "never",
        "network": "host",
        "transport": transport,
        "engine_options": mount,
    }


def test_an_http_product_in_a_container_answers_and_stop_leaves_no_container_nor_volume(
    http_plugin: Plugin, tmp_path: Path
) -> None:
    before = volumes()
    output = launch(http_plugin, "http", http_config(tmp_path))
    assert output == ["200 hello from the container 1 True", "stopped"]
    assert containers_of("container_http_plugin") == []
    assert volumes() == before


@pytest.mark.parametrize("transport", ["uds", "insecure"])
def test_a_grpc_product_in_a_container_reports_serving_and_stop_leaves_no_container(
    grpc_plugin: Plugin, transport: str
) -> None:
    output = launch(grpc_plugin, "grpc", grpc_config(transport))
    scheme = "unix" if transport == "uds" else "127.0.0.1"
    assert output == [f"{scheme} 1 True", "stopped"]
    assert containers_of("container_grpc_plugin") == []


KEEP_RUNNING = """
import json, sys, time
from ansys.tools.local_product_launcher import launch_product
from container_http_plugin.container import ContainerConfig

instance = launch_product(
    "container_http", launch_mode="container", config=ContainerConfig(**json.loads(sys.argv[1]))
)
print("started", flush=True)
time.sleep(120)
"""


def killed_launcher_leaves_no_container(
    plugin: Plugin, script: str, config: dict[str, object], containers: int, folder: Path
) -> None:
    """Run ``script`` (which launches ``plugin`` in the container mode with ``config``, prints
    ``started`` and sleeps) and check that it runs ``containers`` containers, all removed within
    5 s of the launching process being killed with SIGKILL."""
    package = plugin.root.name
    env = {**os.environ, "ANSYS_LAUNCHER_CONFIG_PATH": str(plugin.config_path)}
    command = [str(plugin.python), "-W", "ignore", "-c", script, json.dumps(config)]
    launcher = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=folder)
    try:
        assert launcher.stdout is not None
        assert launcher.stdout.readline() == b"started\n"
        assert len(containers_of(package)) == containers
        launcher.send_signal(signal.SIGKILL)
        launcher.wait()
        killed = time.monotonic()
        while containers_of(package) and time.monotonic() - killed < 5:
            time.sleep(0.1)
        assert containers_of(package) == []
    finally:
        launcher.kill()
        launcher.wait()
        if launcher.stdout is not None:
            launcher.stdout.close()
        for name in containers_of(package):
            docker("rm", "--force", "--volumes", name)


def test_the_container_is_removed_within_5_s_of_the_launching_process_being_killed(
    http_plugin: Plugin, tmp_path: Path
) -> None:
    config = http_config(tmp_path)
    killed_launcher_leaves_no_container(http_plugin, KEEP_RUNNING, config, 1, tmp_path)


def test_containers_left_by_a_crashed_run_are_removed_at_the_next_start(
    http_plugin: Plugin, tmp_path: Path
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a launching process that is gone
    labels = {
        PLUGIN_LABEL: "container_http_plugin",
        "ansys.tools.launcher.host": os.uname().nodename,
        "ansys.tools.launcher.pid": str(gone.pid),
    }
    options = [f"--label={key}={value}" for key, value in labels.items()]
    name = f"container_http-left-{os.getpid()}"
    docker("run", "--detach", "--network=host", f"--name={name}", *options, IMAGE, "sleep", "300")
    try:
        assert containers_of("container_http_plugin") == [name]
        output = launch(http_plugin, "http", http_config(tmp_path))
        assert output == ["200 hello from the container 1 True", "stopped"]
        assert containers_of("container_http_plugin") == []
    finally:
        subprocess.run(["docker", "rm", "--force", "--volumes", name], capture_output=True)


ERROR = """
import json, sys
from ansys.tools.local_product_launcher import launch_product
from container_http_plugin import LaunchError
from container_http_plugin.container import ContainerConfig

try:
    launch_product(
        "container_http", launch_mode="container", config=ContainerConfig(**json.loads(sys.argv[1]))
    )
except LaunchError as error:
    print(error)
"""


def test_a_missing_image_fails_the_start_with_the_engine_s_message(
    http_plugin: Plugin, tmp_path: Path
) -> None:
    config = {**http_config(tmp_path), "image": "launcher-template-test:no-such-tag"}
    output = http_plugin.run("-W", "ignore", "-c", ERROR, json.dumps(config))
    assert "exited with code 125 during start-up" in output
    assert "No such image" in output or "Unable to find image" in output
    assert containers_of("container_http_plugin") == []


def test_an_engine_that_does_not_answer_fails_the_start_with_its_message(
    http_plugin: Plugin, tmp_path: Path
) -> None:
    down = {"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"}
    output = http_plugin.run(
        "-W", "ignore", "-c", ERROR, json.dumps(http_config(tmp_path)), environment=down
    )
    assert "exited with code 125 during start-up" in output
    assert "Is the docker daemon running?" in output


ACP_IMAGES = {
    "main": ("acp-main", "acp_like_server.py"),
    "file_transfer": ("acp-file-transfer", "file_transfer_like_server.py"),
}
"""The images of the ACP-like product's two servers, made from the test image: a name and the
test product that is the image's entrypoint."""


@pytest.fixture(scope="module")
def acp_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return the image of each server of the ACP-like product, built from the test image on
    this machine (no registry): named after their content, so built once and kept."""
    images = {}
    for server, (name, program) in ACP_IMAGES.items():
        source = (TEMPLATE / "tests" / "products" / program).read_bytes()
        image = f"launcher-template-test:{name}-{hashlib.sha256(source).hexdigest()[:12]}"
        missing = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
        if missing.returncode != 0:
            context = tmp_path_factory.mktemp(name)
            (context / program).write_bytes(source)
            (context / "Dockerfile").write_text(
                f"FROM {IMAGE}\nCOPY {program} /opt/product/\n"
                f'ENTRYPOINT ["python3", "/opt/product/{program}"]\n',
                encoding="utf-8",
            )
            docker("build", "--network=none", "--quiet", f"--tag={image}", str(context))
        images[server] = image
    return images


def acp_config(images: dict[str, str]) -> dict[str, object]:
    """Return the container mode's config of the ACP-like plugin: an image per server, built
    here, under the host network, with a license server."""
    return {
        "image": images["main"],
        "image_file_transfer": images["file_transfer"],
        "pull": "never",
        "network": "host",
        "license_server": "1055@licenses",
    }


ACP_LAUNCH = """
import json, pathlib, shutil, subprocess, sys, tempfile
from ansys.tools.local_product_launcher import launch_product
from ansys.tools.local_product_launcher.helpers.grpc import check_grpc_health
from acp_plugin.container import ContainerConfig
from tests.conftest import write_certificates

certs_dir = tempfile.mkdtemp()  # mTLS certificates for 127.0.0.1, made by the plugin's tests
write_certificates(pathlib.Path(certs_dir))
for transport in sys.argv[2:]:
    values = {**json.loads(sys.argv[1]), "transport": transport, "certs_dir": certs_dir}
    with launch_product("acp", launch_mode="container", config=ContainerConfig(**values)) as instance:
        images = subprocess.run(
            ["docker", "ps", "--filter=label=ansys.tools.launcher.plugin=acp_plugin",
             "--format={{.Image}}"],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        serving = [check_grpc_health(instance.channels[name], timeout=10) for name in ("main", "file_transfer")]
        print(transport, serving, sorted(images), instance.check(timeout=5))
shutil.rmtree(certs_dir)
print("stopped")
"""


@pytest.mark.xdist_group("test_real_grpc_product")  # shares the install of the ACP-like bake
def test_the_acp_like_product_runs_as_two_containers_both_serving_and_stop_leaves_none(
    install: Callable[..., Plugin], acp_images: dict[str, str]
) -> None:
    acp_like = install(**ACP_LIKE)
    before = volumes()
    config = acp_config(acp_images)
    transports = ["uds", "insecure", "mtls"]
    output = acp_like.run("-W", "ignore", "-c", ACP_LAUNCH, json.dumps(config), *transports)
    both = sorted(acp_images.values())
    assert output.splitlines() == [
        *(f"{transport} [True, True] {both} True" for transport in transports),
        "stopped",
    ]
    assert containers_of("acp_plugin") == []
    assert volumes() == before


ACP_KEEP_RUNNING = """
import json, sys, time
from ansys.tools.local_product_launcher import launch_product
from acp_plugin.container import ContainerConfig

config = ContainerConfig(**json.loads(sys.argv[1]))
instance = launch_product("acp", launch_mode="container", config=config)
print("started", flush=True)
time.sleep(120)
"""


@pytest.mark.xdist_group("test_real_grpc_product")
def test_both_containers_are_removed_within_5_s_of_the_launching_process_being_killed(
    install: Callable[..., Plugin], acp_images: dict[str, str], tmp_path: Path
) -> None:
    acp_like = install(**ACP_LIKE)
    config = {**acp_config(acp_images), "transport": "insecure"}
    killed_launcher_leaves_no_container(acp_like, ACP_KEEP_RUNNING, config, 2, tmp_path)
