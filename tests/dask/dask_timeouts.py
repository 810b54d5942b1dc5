"""Time bounds for the ``tests/dask`` tests (a uniquely named module, not ``conftest``:
Dask worker processes import the test modules to unpickle their functions, and there
``conftest`` would resolve to ``tests/conftest.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

#: Seconds any single cluster operation of these tests may take before the test fails.
TIMEOUT = 60.0


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
