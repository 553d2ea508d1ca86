"""The product's log files: private folders, a new file per start, pruning that touches only logs,
and errors that name what is wrong."""

from __future__ import annotations

import errno
import logging
import os
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}._machinery import (
    logs,
    places,
)
from {{ cookiecutter.package_name }}._machinery.process import (
    LaunchError,
    ProductProcess,
)

from .conftest import python_command

# The machinery alone: no answer of the template changes what these tests run.
pytestmark = pytest.mark.machinery

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes, owners and FIFOs")
PRODUCT = "stand-in"
ANOTHER_USER = 65534  # nobody
READY = rb"ready on (\d+)"


def running_as_root() -> bool:
    """Return whether this process may give a folder to another user."""
    if sys.platform == "win32":
        return False
    return os.geteuid() == 0


root_only = pytest.mark.skipif(not running_as_root(), reason="gives a folder to another user")


def mode(path: Path) -> int:
    """Return the permission bits of ``path`` itself (a symbolic link not followed)."""
    return stat.S_IMODE(path.lstat().st_mode)


def new_log(name: str = PRODUCT) -> Path:
    """Create a log as a start does; return its path (its descriptor closed)."""
    descriptor, path = logs.new_log(name)
    os.close(descriptor)
    return Path(path)


def old_logs(folder: Path, count: int = 3) -> list[Path]:
    """Write ``count`` logs of the stand-in in ``folder`` as earlier starts named them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for day in range(1, 1 + count):
        path = folder / f"{PRODUCT}-2000010{day}-000000-000000-abc_1234.log"
        path.write_text("earlier output\n", encoding="utf-8")
        paths.append(path)
    return paths


def fallback_name() -> str:
    """Return the name of the launcher's folder in the temporary folder: it names the user."""
    if sys.platform == "win32":
        import getpass

        return f"{logs.APP_NAME}-{getpass.getuser()}"
    return f"{logs.APP_NAME}-{os.geteuid()}"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Send the logs to the user's cache folder (``cache/launcher``, a folder of the test's own),
    else to the temporary folder (``temp``, the test's own); return the stand-in's log folder in
    the cache folder."""
    import platformdirs

    monkeypatch.delenv(logs.LOG_DIR_VARIABLE)
    ours = str(tmp_path / "cache" / "launcher")
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *_, **__: ours)
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    return tmp_path / "cache" / "launcher" / "logs" / PRODUCT


def test_each_start_keeps_the_newest_logs_and_those_of_running_products(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logs.LOG_DIR_VARIABLE, str(tmp_path / "logs"))
    monkeypatch.setattr(logs, "LOGS_KEPT", 3)
    running = ProductProcess("stand-in")
    running.start(python_command("import time; time.sleep(60)"))
    try:
        finished = []
        for _ in range(6):
            product = ProductProcess("stand-in")
            product.start(python_command("print('done')"))
            product.stop()
            finished.append(product.log_path)
        folder = tmp_path / "logs" / "stand-in"
        assert logs.log_folder("stand-in") == str(folder)
        assert running.log_path is not None
        assert Path(running.log_path).parent == folder
        files = sorted(str(path) for path in folder.iterdir())
        assert files == sorted([running.log_path, *map(str, finished[-3:])])
    finally:
        running.stop()


def test_a_long_product_name_is_shortened_in_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logs.LOG_DIR_VARIABLE, str(tmp_path))
    name = "a-product-with-a-very-long-name-" * 8
    product = ProductProcess(name)
    product.start(python_command("print('done')"))
    product.stop()
    assert product.log_path is not None
    log = Path(product.log_path)
    assert log.exists()
    assert len(log.name) < 100
    assert len(log.parent.name) < 50
    assert logs.file_stem(name) != logs.file_stem(name[:-1])


def test_the_log_of_a_product_not_yet_stopped_is_kept_for_its_error_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logs, "LOGS_KEPT", 1)
    failing = python_command("import sys; print('cannot start: licence missing'); sys.exit(3)")
    products = [ProductProcess("stand-in") for _ in range(3)]
    for product in products:
        product.start(failing)
    deadline = time.monotonic() + 10
    while not all(product.exited for product in products) and time.monotonic() < deadline:
        time.sleep(0.01)
    another = ProductProcess("stand-in")
    another.start(python_command("pass"))  # removes the old logs it may
    another.stop()
    for product in products:
        assert "cannot start: licence missing" in str(product.error("failed"))
        product.stop()


def test_a_log_folder_that_cannot_be_made_is_a_launch_error_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(logs.LOG_DIR_VARIABLE, str(blocker / "logs"))
    product = ProductProcess("stand-in")
    with pytest.raises(LaunchError, match=logs.LOG_DIR_VARIABLE):
        product.start(python_command("pass"))
    assert not product.running


def test_without_a_usable_cache_folder_the_logs_go_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.delenv(logs.LOG_DIR_VARIABLE)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *_, **__: str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    product = ProductProcess("stand-in")
    product.start(python_command("pass"))
    product.stop()
    assert product.log_path is not None
    assert Path(product.log_path).is_relative_to(tmp_path / "temp")


def test_the_fallback_folder_carries_the_user_and_its_use_is_logged_at_info(
    tmp_path: Path, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    caplog.set_level(logging.INFO, logger=logs.__name__)
    log = new_log()
    folder = tmp_path / "temp" / fallback_name() / "logs" / PRODUCT
    assert log.parent == folder
    (record,) = [record for record in caplog.records if record.name == logs.__name__]
    assert record.levelno == logging.INFO
    assert str(folder) in record.getMessage()
    assert str(tmp_path / "cache") in record.getMessage()  # why the cache folder is not used
    if sys.platform != "win32":
        assert [mode(path) for path in (folder, folder.parent, folder.parent.parent)] == [0o700] * 3


@posix_only
def test_log_folders_are_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path
) -> None:
    configured = tmp_path / "new" / "logs"
    previous = os.umask(0)
    try:
        in_cache = new_log()
        monkeypatch.setenv(logs.LOG_DIR_VARIABLE, str(configured))
        in_configured = new_log()
    finally:
        os.umask(previous)
    assert in_cache.parent == cache
    made = [cache, cache.parent, cache.parent.parent, tmp_path / "cache"]
    assert [mode(folder) for folder in made] == [0o700] * 4
    assert in_configured.parent == configured / PRODUCT
    made = [configured / PRODUCT, configured, configured.parent]
    assert [mode(folder) for folder in made] == [0o700] * 3
    assert mode(in_cache) == mode(in_configured) == 0o600


@posix_only
def test_a_log_folder_that_is_a_symlink_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    kept = old_logs(elsewhere)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / PRODUCT).symlink_to(elsewhere)
    monkeypatch.setattr(logs, "LOGS_KEPT", 0)
    with pytest.raises(LaunchError, match="symbolic link") as raised:
        new_log()
    assert str(tmp_path / "logs" / PRODUCT) in str(raised.value)
    assert sorted(elsewhere.iterdir()) == kept


@posix_only
def test_pruning_does_not_follow_a_log_folder_that_is_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    kept = old_logs(elsewhere)
    link = tmp_path / PRODUCT
    link.symlink_to(elsewhere)
    assert logs.remove_old_logs(str(link), 0) == []
    assert sorted(elsewhere.iterdir()) == kept


@posix_only
def test_a_cache_folder_that_is_a_symlink_is_not_used_and_the_logs_go_to_the_fallback(
    tmp_path: Path, cache: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    kept = old_logs(elsewhere)
    cache.parent.mkdir(parents=True)
    cache.symlink_to(elsewhere)
    log = new_log()
    assert log.parent == tmp_path / "temp" / fallback_name() / "logs" / PRODUCT
    assert sorted(elsewhere.iterdir()) == kept


@posix_only
@root_only
def test_a_log_folder_of_another_user_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    folder = tmp_path / "logs" / PRODUCT
    kept = old_logs(folder)
    folder.chmod(0o700)
    os.chown(folder, ANOTHER_USER, ANOTHER_USER)
    monkeypatch.setattr(logs, "LOGS_KEPT", 0)
    with pytest.raises(LaunchError, match="owned by another user") as raised:
        new_log()
    assert str(folder) in str(raised.value)
    assert logs.remove_old_logs(str(folder), 0) == []
    assert sorted(folder.iterdir()) == kept


@posix_only
@root_only
def test_a_fallback_folder_taken_by_another_user_is_named_in_the_error(
    tmp_path: Path, cache: Path
) -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    (tmp_path / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    taken = tmp_path / "temp" / fallback_name()
    taken.mkdir(mode=0o700)
    os.chown(taken, ANOTHER_USER, ANOTHER_USER)
    with pytest.raises(LaunchError) as raised:
        new_log()
    message = str(raised.value)
    assert f"{tmp_path / 'cache'}: " in message
    assert f"{taken}: owned by another user (uid {ANOTHER_USER})" in message
    assert list(taken.iterdir()) == []


@posix_only
def test_a_log_folder_that_others_may_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "logs" / PRODUCT
    kept = old_logs(folder)
    folder.chmod(0o777)
    monkeypatch.setattr(logs, "LOGS_KEPT", 0)
    with pytest.raises(LaunchError, match="other users may write to it") as raised:
        new_log()
    assert str(folder) in str(raised.value)
    assert logs.remove_old_logs(str(folder), 0) == []
    assert sorted(folder.iterdir()) == kept
    assert mode(folder) == 0o777


@posix_only
def test_a_log_folder_of_the_user_that_others_may_only_read_is_made_private(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "logs" / PRODUCT
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    log = new_log()
    assert log.parent == folder
    assert mode(folder) == 0o700


@posix_only
def test_pruning_removes_only_regular_files_named_as_the_products_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "logs" / PRODUCT
    removed = old_logs(folder)
    outside = tmp_path / "precious.txt"
    outside.write_text("not a log", encoding="utf-8")
    others = [
        folder / "notes.log",
        folder / f"{PRODUCT}.log",
        folder / f"{PRODUCT}-20000101-000000-000000.log",
        folder / f"other-{PRODUCT}-20000101-000000-000000-abc_1234.log",
        folder / f"{PRODUCT}-20000101-000000-000000-abc_1234.log.bak",
    ]
    for path in others:
        path.write_text("not a log of this product", encoding="utf-8")
    link = folder / f"{PRODUCT}-20000104-000000-000000-abc_1234.log"
    link.symlink_to(outside)
    directory = folder / f"{PRODUCT}-20000105-000000-000000-abc_1234.log"
    directory.mkdir()
    monkeypatch.setattr(logs, "LOGS_KEPT", 0)
    log = new_log()
    left = set(folder.iterdir())
    assert left == {log, link, directory, *others}
    assert not any(path in left for path in removed)
    assert outside.read_text(encoding="utf-8") == "not a log"


@posix_only
def test_a_fifo_named_like_a_log_does_not_hold_up_a_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform == "win32":  # skipped there; this tells mypy
        return
    folder = tmp_path / "logs" / PRODUCT
    folder.mkdir(parents=True, mode=0o700)
    fifo = folder / f"{PRODUCT}-20000101-000000-000000-abc_1234.log"
    os.mkfifo(fifo)
    monkeypatch.setattr(logs, "LOGS_KEPT", 0)
    made: list[Path] = []
    starting = threading.Thread(target=lambda: made.append(new_log()), daemon=True)
    starting.start()
    starting.join(timeout=10)
    try:
        assert not starting.is_alive(), "new_log waits on the FIFO"
    finally:
        if starting.is_alive():  # a writer lets the blocked reader go
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            starting.join(timeout=10)
    assert [path.parent for path in made] == [folder]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_start_finds_no_temporary_folder_and_uses_the_cache_folder(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_temporary_folder() -> str:
        raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in [...]")

    monkeypatch.setattr(places, "temporary_folder", no_temporary_folder)
    assert new_log().parent == cache


@pytest.mark.parametrize("temporary", ["none", "missing"])
def test_with_neither_a_cache_nor_a_temporary_folder_the_error_names_both(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, temporary: str
) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    if temporary == "none":

        def no_temporary_folder() -> str:
            raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in [...]")

        monkeypatch.setattr(places, "temporary_folder", no_temporary_folder)
        expected = "no usable temporary folder"
    else:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
        expected = f"{tmp_path / 'missing'}: "
    with pytest.raises(LaunchError, match=logs.LOG_DIR_VARIABLE) as raised:
        new_log()
    assert f"{tmp_path / 'cache'}: " in str(raised.value)
    assert expected in str(raised.value)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("failing", ["open", "write"])
def test_a_full_disk_is_named_and_leaves_no_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    real = getattr(os, failing)

    def full(*args: Any, **kwargs: Any) -> Any:
        if failing == "open" and not args[1] & os.O_CREAT:
            return real(*args, **kwargs)
        raise OSError(errno.ENOSPC, "disk full")

    folder = tmp_path / "logs" / PRODUCT
    with monkeypatch.context() as patched:
        patched.setattr(os, failing, full)
        with pytest.raises(LaunchError) as raised:
            new_log()
    assert f"{folder}: no space left on device" in str(raised.value)
    assert list(folder.iterdir()) == []


def test_a_product_that_exits_printing_nothing_is_said_to_and_leaves_no_empty_log(
    log_dir: Path,
) -> None:
    product = ProductProcess(PRODUCT)
    product.start(python_command("import sys; sys.exit(4)"))
    try:
        with pytest.raises(LaunchError) as raised:
            product.wait_for_output(READY, time.monotonic() + 10)
        said = f"{PRODUCT} exited with code 4 during start-up. It printed nothing."
        assert str(raised.value) == said
        assert product.log_path is None
    finally:
        product.stop()
    assert list((log_dir / PRODUCT).iterdir()) == []


def test_a_product_still_running_that_printed_nothing_is_said_to_and_keeps_its_log() -> None:
    product = ProductProcess(PRODUCT)
    product.start(python_command("import time; time.sleep(60)"))
    try:
        message = str(product.error("did not answer"))
        assert message == f"{PRODUCT} did not answer. It printed nothing (log: {product.log_path})."
        assert product.log_path is not None
        assert Path(product.log_path).is_file()
    finally:
        product.stop()
