"""A real two-process Dask cluster for the ``tests/dask`` tests, and a time bound per call."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra")

T = TypeVar("T")

#: Seconds any single cluster operation of these tests may take before the test fails.
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A LocalCluster of 2 worker processes with 1 thread each, shut down after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        memory_limit="2GiB",
    )
    client = distributed.Client(cluster, timeout=TIMEOUT)
    try:
        yield client
    finally:
        client.close(timeout=TIMEOUT)
        cluster.close(timeout=TIMEOUT)


def bounded(fn: Callable[[], T], timeout: float = TIMEOUT) -> T:
    """Run ``fn()`` and return its result; fail the test if it takes longer than ``timeout``.

    A hang (the thing these tests guard against) fails instead of blocking the suite.
    """
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"the operation did not finish within {timeout:.0f} s (a hang)")
    if "error" in result:
        raise result["error"]
    return result["value"]
