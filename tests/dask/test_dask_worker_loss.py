"""A worker process that dies in the middle of a distributed fit: a clear error, no hang.

In its own module, so that it gets its own cluster (the module-scoped ``client`` fixture)
and the other tests never see the restarted worker.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

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
