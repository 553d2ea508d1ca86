"""A plugin for an HTTP product told its port: a taken port is retried on another, and a hundred
concurrent launches all succeed (its own checks run in test_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from answers import PORT_TOLD
from conftest import Plugin


@pytest.fixture(scope="module")
def port_told(install: Callable[..., Plugin]) -> Plugin:
    """The bake for an HTTP product told its port, installed with only what it declares."""
    return install(**PORT_TOLD)


PORT_RETRY = """
import socket, sys
from ansys.tools.local_product_launcher import launch_product
from http_told_port_plugin import LaunchError
from http_told_port_plugin._machinery import ports

taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen()
first = taken.getsockname()[1]
chosen = []
reserve = ports.reserve_port

def reserve_first_taken(host):
    port = first if not chosen else reserve(host)
    chosen.append(port)
    return port

ports.reserve_port = reserve_first_taken
with launch_product("http_told_port") as instance:
    print(instance.urls["main"] == f"http://127.0.0.1:{chosen[-1]}", chosen[0] == first, len(chosen))

chosen.clear()
reserve = lambda host: first  # every port taken
try:
    launch_product("http_told_port")
except LaunchError as error:
    print(f"before the product bound it: {first}, {first}, {first}." in str(error))
"""


def test_a_product_whose_port_was_taken_is_retried_on_another_and_gives_up_after_three(
    port_told: Plugin,
) -> None:
    output = port_told.run("-W", "ignore", "-c", PORT_RETRY)
    assert output.splitlines() == ["True True 2", "True"]


HUNDRED_LAUNCHES = """
from concurrent.futures import ThreadPoolExecutor
import requests
from ansys.tools.local_product_launcher import launch_product

with ThreadPoolExecutor(max_workers=100) as pool:
    instances = list(pool.map(lambda _: launch_product("http_told_port"), range(100)))
try:
    session = requests.Session()
    session.trust_env = False
    urls = {instance.urls["main"] for instance in instances}
    print(len(urls), all(session.get(url, timeout=30).ok for url in urls))
finally:
    for instance in instances:
        instance.stop()
"""


def test_a_hundred_concurrent_launches_of_a_product_told_its_port_all_succeed(
    port_told: Plugin,
) -> None:
    output = port_told.run("-W", "ignore", "-c", HUNDRED_LAUNCHES)
    assert output.splitlines() == ["100 True"]
