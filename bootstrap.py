"""Create the virtual environment ``.venv`` beside this script and install the template's test
tooling (``requirements-test.txt``, beside this script) into it.

Run it with any Python 3.10 or later, from any folder: ``python3 bootstrap.py`` (on Windows
``py bootstrap.py``). It needs only the standard library, so it works where ``python3 -m venv``
does not: on Debian and Ubuntu without the ``python3-venv`` package, ``ensurepip`` is missing, and
pip is then installed into the new venv from pip's own wheel, taken from the package index named
by ``PIP_INDEX_URL`` (https://pypi.org/simple by default; ``user:password@`` in it and
``PIP_CERT`` are used as pip uses them) and checked against the sha256 the index gives.
An existing ``.venv`` with a working pip is reused, so running it again only updates the
requirements. On failure it prints what failed and what to do, and removes the ``.venv`` it made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import venv
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DEFAULT_INDEX = "https://pypi.org/simple"
PEP_691 = "application/vnd.pypi.simple.v1+json"
PIP_WHEEL = re.compile(r"pip-(?P<version>\d+(?:\.\d+)*)-(?P<python>[\w.]+)-none-any\.whl")
SPECIFIER = re.compile(r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<version>\d+(?:\.\d+)*)(?P<star>\.\*)?")
COMPARE: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
APT_HINT = "or install python3-venv (sudo apt install python3-venv), then run this again"


class BootstrapError(Exception):
    """An expected failure; the message says what failed and what to do."""


def satisfies(requires_python: str | None, version: tuple[int, ...]) -> bool:
    """Whether ``version`` meets ``requires_python``: comma-separated comparisons such as
    ``>=3.9``, ``<4`` and ``!=3.0.*``; a clause of any other form counts as not met."""
    for clause in filter(None, (requires_python or "").replace(" ", "").split(",")):
        found = SPECIFIER.fullmatch(clause)
        if found is None or (found["star"] and found["op"] not in ("==", "!=")):
            return False
        bound = tuple(int(part) for part in found["version"].split("."))
        if found["star"]:  # a prefix match
            left = version[: len(bound)]
        else:  # 3.9 is 3.9.0
            left = version + (0,) * (len(bound) - len(version))
            bound += (0,) * (len(left) - len(bound))
        if not COMPARE[found["op"]](left, bound):
            return False
    return True


def choose_wheel(page: Any, version: tuple[int, ...]) -> dict[str, Any]:
    """Return the entry of the newest final release of pip in a PEP 691 project page that is a
    ``py3-none-any`` wheel, not yanked, and whose ``requires-python`` ``version`` meets."""
    files = page.get("files") if isinstance(page, dict) else None
    if not isinstance(files, list):
        raise BootstrapError(
            f"the package index's page for pip lists no files: set PIP_INDEX_URL to another"
            f" index, {APT_HINT}"
        )
    candidates: list[tuple[tuple[int, ...], dict[str, Any]]] = []
    for entry in files:
        if not isinstance(entry, dict):
            continue
        found = PIP_WHEEL.fullmatch(str(entry.get("filename", "")))
        if (
            found
            and "py3" in found["python"].split(".")
            and not entry.get("yanked")
            and satisfies(entry.get("requires-python"), version)
        ):
            candidates.append((tuple(int(part) for part in found["version"].split(".")), entry))
    if not candidates:
        python = ".".join(map(str, version))
        raise BootstrapError(
            f"the package index has no pip wheel for Python {python}: set PIP_INDEX_URL to one"
            f" that has, {APT_HINT}"
        )
    return max(candidates, key=lambda candidate: candidate[0])[1]


def without_credentials(url: str) -> tuple[str, str | None]:
    """Split ``https://user:password@host/...`` into the address without them and the value of
    an ``Authorization`` header that sends them."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    user = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
    address = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return address, "Basic " + base64.b64encode(user.encode()).decode()


def fetch(url: str, accept: str = "*/*", authorization: str | None = None) -> tuple[bytes, str]:
    """Return the content of ``url`` and its final address (after redirects)."""
    headers = {"Accept": accept, "User-Agent": "launcher-template-bootstrap"}
    try:
        context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
        request = urllib.request.Request(url, headers=headers)
        if authorization:
            request.add_unredirected_header("Authorization", authorization)  # not to a redirect
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.read(), response.geturl()
    except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
        reason = getattr(error, "reason", error)
        if isinstance(error, urllib.error.HTTPError):
            error.close()  # its response
            reason = error
        raise BootstrapError(
            f"could not download {url} ({reason}): check the network, or set PIP_INDEX_URL to a"
            f" package index you can reach, {APT_HINT}"
        ) from None


def install_pip(python: Path) -> None:
    """Install pip into the venv of ``python`` from pip's newest suitable wheel on the index."""
    index, authorization = without_credentials(os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX)
    content, page_url = fetch(f"{index.rstrip('/')}/pip/", PEP_691, authorization)
    try:
        page = json.loads(content)
    except ValueError:
        raise BootstrapError(
            f"{page_url} is not a JSON (PEP 691) project page: set PIP_INDEX_URL to an index that"
            f" serves them, {APT_HINT}"
        ) from None
    entry = choose_wheel(page, sys.version_info[:3])
    name = entry["filename"]
    url = urllib.parse.urljoin(page_url, str(entry.get("url", "")))
    hashes = entry.get("hashes")
    expected = str(hashes.get("sha256", "")).lower() if isinstance(hashes, dict) else ""
    print(f"Installing pip from {url}", flush=True)
    same_host = urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(index).netloc
    wheel, _ = fetch(url, authorization=authorization if same_host else None)
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != expected:
        found = f"sha256 {digest}, the index gives {expected}" if expected else "no sha256 given"
        raise BootstrapError(
            f"refused {name}: it does not match the package index ({found}); nothing was"
            f" installed: try again later, {APT_HINT}"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_bytes(wheel)
        command = [str(python), str(path / "pip"), "install", "--isolated", "--quiet", "--no-index"]
        if subprocess.run([*command, str(path)], check=False).returncode != 0:
            raise BootstrapError(f"installing {name} into the venv failed (pip's output is above)")


def venv_python(folder: Path) -> Path:
    """Return the interpreter of the venv ``folder``."""
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pip_works(python: Path) -> bool:
    """Whether ``python`` runs and has pip."""
    command = [str(python), "-m", "pip", "--version"]
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def bootstrap(root: Path, *, use_ensurepip: bool | None = None) -> None:
    """Make ``root/.venv`` with pip, unless it has one, and install ``root``'s test requirements.

    ``use_ensurepip`` (by default: whether ``ensurepip`` can be imported) chooses how pip is
    installed into a new venv; a venv created here is removed if anything fails.
    """
    requirements = root / "requirements-test.txt"
    if not requirements.is_file():
        raise BootstrapError(f"{requirements} is missing: run this script from a clone")
    folder = root / ".venv"
    python = venv_python(folder)
    created = not folder.exists()
    try:
        if pip_works(python):
            print(f"Reusing {folder}", flush=True)
        elif python.exists():  # a venv without pip: creating it again would clash with it
            print(f"Adding pip to {folder}", flush=True)
            install_pip(python)
        else:
            with_pip = (
                find_spec("ensurepip") is not None if use_ensurepip is None else use_ensurepip
            )
            print(f"Creating {folder}", flush=True)
            builder = venv.EnvBuilder(with_pip=with_pip, symlinks=os.name != "nt", prompt=root.name)
            try:
                builder.create(folder)
            except (OSError, subprocess.CalledProcessError) as error:
                raise BootstrapError(
                    f"could not create {folder} ({error}): fix the cause and run this again"
                ) from None
            if not with_pip:
                install_pip(python)
        print(f"Installing {requirements.name}", flush=True)
        command = [str(python), "-m", "pip", "install", "-r", str(requirements)]
        if subprocess.run(command, check=False).returncode != 0:
            raise BootstrapError(
                f"installing {requirements.name} failed (pip's output is above): fix the cause"
                " and run this again"
            )
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def next_commands(root: Path) -> list[str]:
    """The commands that bake the default plugin and run the template's tests."""
    windows = os.name == "nt"
    scripts = ".venv\\Scripts\\" if windows else ".venv/bin/"
    here = Path.cwd().resolve() == root.resolve()
    cd = [] if here else [f'cd "{root}"' if windows else f"cd {shlex.quote(str(root))}"]
    return [
        *cd,
        f"{scripts}cookiecutter --no-input . --output-dir ..",
        f"{scripts}python -m pytest",
    ]


def main(root: Path = ROOT, *, use_ensurepip: bool | None = None) -> int:
    """Run :func:`bootstrap`; print the next commands, or what failed. Return the exit status."""
    try:
        bootstrap(root, use_ensurepip=use_ensurepip)
    except BootstrapError as error:
        print(f"bootstrap: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bootstrap: interrupted; run this again to finish", file=sys.stderr)
        return 130
    print("Done. Next:", *(f"  {command}" for command in next_commands(root)), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
