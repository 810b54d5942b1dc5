"""A real two-process Dask cluster for the ``tests/dask`` tests, and a time bound per call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from dask_timeouts import TIMEOUT

distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra")


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
