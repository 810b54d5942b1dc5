"""A worker process that dies in the middle of a distributed fit: a clear error, no hang.

In its own module, so that it gets its own cluster (the module-scoped ``client`` fixture)
and the other tests never see the restarted worker.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
import time
from typing import Any

import dask
import dask.array as da
import pytest
from dask_timeouts import bounded

from sklhep.datasets import make_signal_background
from sklhep.ensemble import BDTClassifier
from sklhep.ensemble import _dask as bdt_dask

FEATURES = ["m_jj", "lep_pt", "lep_eta", "met", "jet1_pt", "jet2_pt", "delta_r_jj", "ht"]


def _training_task_running(client: Any) -> bool:
    keys = (str(key) for tasks in client.processing().values() for key in tasks)
    return any(key.startswith("fn-") for key in keys)


# the scheduler runs in this process, and with it xgboost's tracker: a tracker whose
# workers never all joined (here or in an earlier module) ends with its timeout error
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_killed_worker_gives_a_clear_error_not_a_hang(client: Any) -> None:
    df = make_signal_background(100_000, negative_fraction=0.15, random_state=0)
    X = da.from_array(df[FEATURES].to_numpy(), chunks=(25_000, -1))
    y = da.from_array(df["label"].to_numpy(), chunks=25_000)
    w = da.from_array(df["weight"].to_numpy(), chunks=25_000)
    victim = next(iter(client.run(os.getpid).values()))
    est = BDTClassifier(n_estimators=100_000, max_depth=6, device="cpu", random_state=0)
    started = threading.Event()

    def kill_when_training() -> None:
        # xgboost.dask runs the training as one task per worker ("fn-<uuid>"); kill a
        # worker once it runs (or after 10 s, when the data phase is long over)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _training_task_running(client):
            time.sleep(0.1)
        time.sleep(1.0)
        started.set()
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_training, daemon=True)
    killer.start()
    with pytest.raises(RuntimeError, match="Distributed BDT training failed") as info:
        bounded(lambda: est.fit(X, y, w), timeout=120)
    assert started.is_set()
    assert "Stack trace" not in str(info.value)


@pytest.mark.parametrize(
    "raw",
    [
        # what xgboost's collective and Dask said when a worker was killed in the test above
        "[23:52:56] src/collective/result.cc:83: [histogram.h:197]:\n\n- [allgather.cc:50]: "
        "Ring allgather failed, current iteration:0\n- [socket.h:79]: Poll error condition:"
        "Success code:0\nStack trace:\n  [bt] (0) libxgboost.so(+0x2c1a8c) [0x7fe0982c1a8c]",
        "Invalid worker address: tcp://127.0.0.1:33489, expecting tcp://127.0.0.1:38613. This "
        "is likely caused by one of the workers died and Dask re-scheduled a different one. "
        "Resilience is not yet supported.",
    ],
)
def test_lost_worker_messages_are_readable(raw: str) -> None:
    message = bdt_dask._training_failure(ValueError(raw))
    assert "worker was probably lost" in message
    assert "Stack trace" not in message
    assert "[bt]" not in message


def test_other_failures_are_not_called_a_lost_worker() -> None:
    message = bdt_dask._training_failure(RuntimeError("worker lost its input file"))
    assert "worker lost its input file" in message
    assert "probably lost" not in message


class _FakeScheduler:
    """``client.scheduler`` for :func:`_watch` without a cluster: a fixed set of workers."""

    def __init__(self, workers: dict[str, Any]) -> None:
        self.workers = workers

    async def identity(self) -> dict[str, Any]:
        return {"workers": self.workers}


class _FakeClient:
    def __init__(self, workers: dict[str, Any]) -> None:
        self.scheduler = _FakeScheduler(workers)


async def _never() -> None:
    await asyncio.sleep(3600)


def test_watch_stops_at_once_when_a_training_worker_is_gone() -> None:
    client = _FakeClient({"tcp://10.0.0.2:4000": {"name": "w2"}})
    start = time.monotonic()
    with pytest.raises(
        RuntimeError, match=re.escape("worker tcp://10.0.0.1:4000 left the cluster")
    ):
        asyncio.run(bdt_dask._watch(client, _never(), "training", ["tcp://10.0.0.1:4000"]))
    assert time.monotonic() - start < 5 * bdt_dask.POLL_INTERVAL


def test_watch_gives_up_on_a_cluster_without_workers() -> None:
    with dask.config.set({"sklhep.dask.start-timeout": 1}):
        start = time.monotonic()
        with pytest.raises(RuntimeError, match="no worker for 1 s while checking the data"):
            asyncio.run(bdt_dask._watch(_FakeClient({}), _never(), "checking the data"))
    assert time.monotonic() - start < 5


def test_watch_returns_the_result_and_passes_errors_through() -> None:
    async def value() -> int:
        await asyncio.sleep(0.01)
        return 7

    async def fails() -> None:
        raise ValueError("sample_weight contains NaN")

    client = _FakeClient({"tcp://a:1": {}})
    assert asyncio.run(bdt_dask._watch(client, value(), "x", ["tcp://a:1"])) == 7
    with pytest.raises(ValueError, match="contains NaN"):
        asyncio.run(bdt_dask._watch(client, fails(), "x"))


def test_timeouts_come_from_the_dask_config() -> None:
    assert bdt_dask.start_timeout() == bdt_dask.START_TIMEOUT
    assert bdt_dask.collective_timeout() == bdt_dask.COLLECTIVE_TIMEOUT
    with dask.config.set(
        {"sklhep.dask.start-timeout": "2 minutes", "sklhep.dask.collective_timeout": 30}
    ):
        assert bdt_dask.start_timeout() == 120
        assert bdt_dask.collective_timeout() == 30
    for bad in (0, -1, "3 parsecs"):
        with (
            dask.config.set({"sklhep.dask.start-timeout": bad}),
            pytest.raises(ValueError, match="must be a positive duration"),
        ):
            bdt_dask.start_timeout()


def test_lost_worker_message_names_the_worker_and_the_fix() -> None:
    message = bdt_dask._lost_workers_message(
        ["tcp://10.0.3.7:40745"], {"tcp://10.0.3.7:40745": "htcondor-17"}, "training"
    )
    assert "worker 'htcondor-17' (tcp://10.0.3.7:40745) left the cluster while training" in message
    assert "client.wait_for_workers" in message
    assert "more memory" in message
    assert "n_workers" in message
