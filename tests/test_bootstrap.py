"""bootstrap.py: the pip wheel it chooses, what it refuses, and a real run without ensurepip.

The real run creates a venv with no pip and installs pip from the package index
(``PIP_INDEX_URL`` or PyPI: it fails, as it must, when the index cannot be reached), then a
one-package requirements file. The failures are run against a package index served here, and
the reuse of a venv with a pip that logs what it is asked.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATE, load_module, run, venv_python

bootstrap = load_module("bootstrap.py")

PEP_691 = "application/vnd.pypi.simple.v1+json"
BIN = ".venv\\Scripts\\" if sys.platform == "win32" else ".venv/bin/"
NEXT = [f"{BIN}cookiecutter --no-input . --output-dir ..", f"{BIN}python -m pytest"]
HASH = "0" * 64


def wheel(
    filename: str, requires_python: str | None = ">=3.9", yanked: bool | str = False
) -> dict[str, Any]:
    """An entry of a PEP 691 project page, as PyPI writes them."""
    url = f"https://files.pythonhosted.org/packages/00/{filename}"
    entry = {"filename": filename, "url": url, "hashes": {"sha256": HASH}, "yanked": yanked}
    return {**entry, "requires-python": requires_python}


PAGE = {
    "meta": {"api-version": "1.1"},
    "name": "pip",
    "files": [
        wheel("pip-9.0.3-py2.py3-none-any.whl", ">=2.6,!=3.0.*,!=3.1.*,!=3.2.*"),
        wheel("pip-21.2-py3-none-any.whl", ">=3.6", yanked=True),
        wheel("pip-25.1-py3-none-any.whl"),
        wheel("pip-25.2-py3-none-any.whl", ">=3.9", yanked="broke installs"),
        wheel("pip-25.3b1-py3-none-any.whl"),
        wheel("pip-26.2-py3-none-any.whl", ">=3.10"),
        wheel("pip-26.2.tar.gz", ">=3.10"),
        wheel("pip-26.3-py3-none-any.whl", ">=3.10, <3.11"),
        wheel("pip-27.0-cp311-cp311-manylinux_2_17_x86_64.whl", ">=3.10"),
        wheel("pip-27.0-py3-none-any.whl", "~=3.11"),
    ],
}


@pytest.mark.parametrize(
    ("requires_python", "met"),
    [
        (None, True),
        ("", True),
        (">=3.10", True),
        (">= 3.9, <4", True),
        (">=3.11.4", True),
        (">=3.11.5", False),
        (">=3.12", False),
        (">3.11.4", False),
        ("<=3.11.4", True),
        ("<3.11", False),
        ("==3.11", False),
        ("==3.11.*", True),
        ("!=3.11.*", False),
        (">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*", True),
        (">=3.10.*", False),
        ("~=3.9", False),
    ],
)
def test_requires_python_is_checked(requires_python: str | None, met: bool) -> None:
    assert bootstrap.satisfies(requires_python, (3, 11, 4)) is met


@pytest.mark.parametrize(
    ("python", "chosen"),
    [
        ((3, 13, 1), "pip-26.2-py3-none-any.whl"),  # 27.0 is not a known form, 26.3 is < 3.11
        ((3, 10, 0), "pip-26.3-py3-none-any.whl"),
        ((3, 9, 18), "pip-25.1-py3-none-any.whl"),  # 25.2 yanked, 25.3b1 a pre-release
        ((3, 5, 10), "pip-9.0.3-py2.py3-none-any.whl"),
    ],
)
def test_the_newest_suitable_final_wheel_is_chosen(python: tuple[int, ...], chosen: str) -> None:
    assert bootstrap.choose_wheel(PAGE, python)["filename"] == chosen


def test_no_suitable_wheel_is_an_error() -> None:
    with pytest.raises(
        bootstrap.BootstrapError, match=r"no pip wheel for Python 3\.2\.6: set PIP_INDEX_URL"
    ):
        bootstrap.choose_wheel(PAGE, (3, 2, 6))
    with pytest.raises(bootstrap.BootstrapError, match="lists no files"):
        bootstrap.choose_wheel({"name": "pip"}, (3, 11, 4))


NOT_PIP = b"not the pip the index vouches for"
INDEX_PAGES = {  # path: (content type, content)
    "/simple/pip/": (
        PEP_691,
        json.dumps(
            {
                "meta": {"api-version": "1.1"},
                "name": "pip",
                "files": [
                    {
                        "filename": "pip-99.0-py3-none-any.whl",
                        "url": "../../files/pip-99.0-py3-none-any.whl",
                        "hashes": {"sha256": hashlib.sha256(b"pip").hexdigest()},
                        "requires-python": ">=3.10",
                    }
                ],
            }
        ).encode(),
    ),
    "/files/pip-99.0-py3-none-any.whl": ("application/octet-stream", NOT_PIP),
    "/html/pip/": ("text/html", b"<!DOCTYPE html><title>Links for pip</title>"),
}


AUTHORIZATION = "Basic " + base64.b64encode("user:sécret".encode()).decode()


class IndexHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``INDEX_PAGES``, also under ``/private`` to the user ``AUTHORIZATION`` names;
    a JSON page only to a request that accepts it, as PyPI does."""

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/private/"):
            if self.headers.get("Authorization") != AUTHORIZATION:
                self.send_error(401)
                return
            path = path.removeprefix("/private")
        content_type, content = INDEX_PAGES.get(path, ("", b""))
        if content_type == PEP_691 and PEP_691 not in self.headers.get("Accept", ""):
            content_type, content = INDEX_PAGES["/html/pip/"]
        if not content:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


@pytest.fixture(scope="module")
def index() -> Iterator[str]:
    """The address of a package index served here, whose pip wheel does not match its hash."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), IndexHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder with a requirements file of one small package, as bootstrap.py needs."""
    (tmp_path / "requirements-test.txt").write_text("iniconfig\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("credentials", "folder"),
    [("", ""), ("user:s%C3%A9cret@", "/private")],
    ids=["public", "private"],
)
def test_a_wheel_that_does_not_match_its_hash_is_refused(
    root: Path,
    index: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    credentials: str,
    folder: str,
) -> None:
    address = index.replace("//", f"//{credentials}") + folder
    monkeypatch.setenv("PIP_INDEX_URL", f"{address}/simple/")
    assert bootstrap.main(root, use_ensurepip=False) == 1
    out, err = capfd.readouterr()
    assert f"Installing pip from {index}{folder}/files/pip-99.0-py3-none-any.whl" in out
    assert "cret" not in out + err
    expected = f"sha256 {hashlib.sha256(NOT_PIP).hexdigest()}, the index gives"
    assert err.startswith("bootstrap: error: refused pip-99.0-py3-none-any.whl: it does not match")
    assert expected in err
    assert err.count("\n") == 1
    assert not (root / ".venv").exists()  # made by this run, removed


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nowhere", "could not download {index}/nowhere/pip/ (HTTP Error 404: Not Found)"),
        ("/html", "{index}/html/pip/ is not a JSON (PEP 691) project page"),
    ],
    ids=["not-found", "html-page"],
)
def test_an_index_that_fails_is_named_and_a_venv_made_before_is_kept(
    root: Path,
    index: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    path: str,
    message: str,
) -> None:
    venv.EnvBuilder(with_pip=False).create(root / ".venv")  # the user's venv, without pip
    monkeypatch.setenv("PIP_INDEX_URL", index + path)
    assert bootstrap.main(root, use_ensurepip=False) == 1
    err = capfd.readouterr().err
    assert err.startswith(f"bootstrap: error: {message.format(index=index)}")
    assert err.endswith("python3-venv (sudo apt install python3-venv), then run this again\n")
    assert err.count("\n") == 1
    assert venv_python(root / ".venv").exists()


def test_the_script_needs_its_requirements_beside_it(tmp_path: Path) -> None:
    script = shutil.copy(TEMPLATE / "bootstrap.py", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, script], cwd=elsewhere, capture_output=True, text=True, check=False
    )
    missing = tmp_path.resolve() / "requirements-test.txt"
    expected = f"bootstrap: error: {missing} is missing: run this script from a clone\n"
    assert (result.returncode, result.stdout, result.stderr) == (1, "", expected)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bootstrap.py", "elsewhere"]


def test_the_next_commands_are_relative_to_the_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert bootstrap.next_commands(tmp_path) == NEXT
    monkeypatch.chdir(tmp_path.parent)
    assert bootstrap.next_commands(tmp_path)[1:] == NEXT
    assert bootstrap.next_commands(tmp_path)[0].startswith("cd ")


def script_env(folder: Path, **variables: str) -> dict[str, str]:
    """This environment with ``variables``, for bootstrap.py: pip's cache in ``folder``."""
    env = {**os.environ, "PIP_CACHE_DIR": str(folder / "pip-cache"), "PIP_NO_INPUT": "1"}
    env.pop("VIRTUAL_ENV", None)
    return {**env, **variables}


def clone(tmp_path: Path) -> Path:
    """Put a copy of bootstrap.py beside a requirements file of one small package; return
    their folder."""
    shutil.copy(TEMPLATE / "bootstrap.py", tmp_path)
    (tmp_path / "requirements-test.txt").write_text("iniconfig\n", encoding="utf-8")
    return tmp_path.resolve()


FAKE_PIP = """import json, os, sys
with open(os.environ["FAKE_PIP_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.exit(int(os.environ["FAKE_PIP_EXIT"]) if sys.argv[1] == "install" else 0)
"""


@pytest.mark.parametrize("pip_exit", [0, 1], ids=["install-passes", "install-fails"])
def test_a_venv_with_pip_is_reused_for_the_requirements_alone_and_kept(
    tmp_path: Path, pip_exit: int
) -> None:
    root = clone(tmp_path)
    venv.EnvBuilder(with_pip=False).create(root / ".venv")
    (tmp_path / "fake" / "pip").mkdir(parents=True)  # a pip that logs what it is asked
    (tmp_path / "fake" / "pip" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "fake" / "pip" / "__main__.py").write_text(FAKE_PIP, encoding="utf-8")
    log = tmp_path / "pip.log"
    env = script_env(
        root,
        PYTHONPATH=str(tmp_path / "fake"),
        FAKE_PIP_LOG=str(log),
        FAKE_PIP_EXIT=str(pip_exit),
        PIP_INDEX_URL="http://127.0.0.1:9/simple",  # no index to reach
    )
    result = subprocess.run(
        [sys.executable, "bootstrap.py"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert calls == [["--version"], ["install", "-r", str(root / "requirements-test.txt")]]
    assert result.stdout.startswith(f"Reusing {root / '.venv'}\nInstalling requirements-test.txt\n")
    if pip_exit == 0:
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout.endswith(f"Done. Next:\n  {NEXT[0]}\n  {NEXT[1]}\n")
    else:
        assert result.returncode == 1
        assert result.stderr == (
            "bootstrap: error: installing requirements-test.txt failed (pip's output is above):"
            " fix the cause and run this again\n"
        )
    assert venv_python(root / ".venv").exists()


WITHOUT_ENSUREPIP = (
    "import runpy, sys; sys.exit(runpy.run_path('bootstrap.py')['main'](use_ensurepip=False))"
)


def test_without_ensurepip_pip_comes_from_the_index(tmp_path: Path) -> None:
    root = clone(tmp_path)
    output = run([sys.executable, "-c", WITHOUT_ENSUREPIP], cwd=root, env=script_env(root))
    assert output.startswith(f"Creating {root / '.venv'}\nInstalling pip from http")
    assert output.endswith(f"Done. Next:\n  {NEXT[0]}\n  {NEXT[1]}\n")
    run([str(venv_python(root / ".venv")), "-c", "import iniconfig, pip"], cwd=root)
