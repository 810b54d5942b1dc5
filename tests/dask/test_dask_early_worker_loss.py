"""A worker process killed at any moment of a distributed fit: never a hang.

What each kill time must give (docs/distributed.md, "When a worker dies"):

* while the data are read, checked, summed and placed on the workers (the first kill
  delays on this test's data), Dask recomputes the lost worker's tasks: the fit either
  completes (on the remaining and restarted workers) or, if the kill lands after the
  data were placed, raises the lost-worker ``RuntimeError``. Which one depends on how
  fast the machine is, so the test accepts exactly these two outcomes;
* once the data are placed on the workers (``placed``) or the training runs
  (``training``), the fit must raise the ``RuntimeError`` that names the lost worker,
  within seconds of the kill.

In every case the fit ends within a bound, and afterwards every surviving worker runs
tasks again (no worker thread stays blocked in xgboost's collective), the cluster is
whole again (the nanny restarts the killed worker) and no future of the fit is left
behind. In its own module, so that it gets its own cluster (the module-scoped
``client`` fixture).
"""

from __future__ import annotations

import gc
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pytest
from dask_timeouts import bounded

from sklhep.datasets import make_signal_background
from sklhep.ensemble import BDTClassifier
from sklhep.ensemble import _dask as bdt_dask

pytestmark = [
    pytest.mark.slow,
    # LocalCluster runs the scheduler in this process, and with it xgboost's tracker: when
    # a killed worker never joins, the tracker's thread ends with its timeout error, which
    # pytest reports (on a real cluster it is a line in the scheduler's log)
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

FEATURES = ["m_jj", "lep_pt", "lep_eta", "met", "jet1_pt", "jet2_pt", "delta_r_jj", "ht"]
#: sklhep.dask.start-timeout in these tests: the longest a worker thread may stay blocked
#: in xgboost's collective after its partner was killed before training started.
START = 10
#: Seconds from the kill to the error (the documented "within seconds", with room for a
#: loaded CI machine; on an idle one it is about one second).
KILL_TO_ERROR = 15.0
#: Seconds a whole fit may take, kill and recovery included, before the test calls it a hang.
FIT_BOUND = 90.0
LOST = r"left the cluster while|worker was probably lost"


@pytest.fixture(scope="module", autouse=True)
def short_start_timeout() -> Iterator[None]:
    with dask.config.set({"sklhep.dask.start-timeout": START}):
        yield


@pytest.fixture(scope="module")
def ddf() -> Any:
    df = make_signal_background(8_000, negative_fraction=0.15, random_state=0)
    return dd.from_pandas(df[[*FEATURES, "label", "weight"]], npartitions=4)


def _worker_pids(client: Any) -> dict[str, int]:
    return dict(client.run(os.getpid))


def _training_task_running(client: Any) -> bool:
    keys = (str(key) for tasks in client.processing().values() for key in tasks)
    return any(key.startswith("fn-") for key in keys)


def _live_workers(client: Any, dead: int, n: int, within: float) -> dict[str, int]:
    """Wait until ``n`` live workers, none of them the killed process ``dead``, answer;
    their addresses and pids."""
    start = time.monotonic()
    deadline = start + within
    workers: dict[str, Any] = {}
    scaled = False
    while time.monotonic() < deadline:
        if not scaled and time.monotonic() - start > min(20.0, within / 3):
            # a nanny that could not restart its worker in time (a loaded machine) closes
            # and LocalCluster forgets it: start a replacement, as a batch system would
            client.cluster.scale(n)
            scaled = True
        # the scheduler may still list the killed worker for a moment: ask every worker
        # it lists for its pid (an unreachable one answers with an error)
        try:
            workers = bounded(lambda: dict(client.run(os.getpid, on_error="return")), 30)
        except Exception:  # a worker leaving during the call
            workers = {}
        alive = {a: p for a, p in workers.items() if isinstance(p, int) and p != dead}
        if len(alive) >= n and len(workers) == len(alive):
            return alive
        time.sleep(0.2)
    nannies = {
        name: (str(nanny.status), getattr(getattr(nanny, "process", None), "pid", None))
        for name, nanny in getattr(client.cluster, "workers", {}).items()
    }
    pytest.fail(f"{n} live workers did not answer within {within:.0f} s: {workers}, {nannies}")


def _no_future_left(client: Any) -> None:
    """The client holds no future: a failed fit releases the data it placed."""
    deadline = time.monotonic() + 10
    gc.collect()
    while client.futures and time.monotonic() < deadline:
        time.sleep(0.1)
        gc.collect()
    assert not client.futures, f"futures left behind: {list(client.futures)[:5]}"


def _surviving_workers_run_tasks(client: Any, dead: int) -> None:
    """Every worker that was not killed runs a task again, within the start timeout: no
    thread stays blocked in xgboost's collective."""
    for address, pid in _live_workers(client, dead, 1, 60).items():
        # pinned to the worker: a thread still blocked in xgboost would hold it up
        future = client.submit(os.getpid, workers=[address], pure=False)
        try:
            assert future.result(timeout=START + 30) == pid
        except TimeoutError:
            pytest.fail(f"worker {address} runs no task: {client.processing()}")
        future.release()


@pytest.mark.parametrize("when", ["0", "0.1", "0.3", "placed", "training"])
def test_killed_worker_never_hangs_the_fit(
    client: Any, ddf: Any, when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _live_workers(client, dead=-1, n=2, within=90)  # the previous case's kill repaired
    _no_future_left(client)  # the previous case's fit left nothing behind
    pids = _worker_pids(client)
    victim = {"pid": pids[sorted(pids)[0]]}
    killed: dict[str, float] = {}
    killed_pid: dict[str, int] = {}
    mid_training = when == "training"
    est = BDTClassifier(
        n_estimators=100_000 if mid_training else 30,  # without the kill: hours
        max_depth=3,
        device="cpu",
        random_state=0,
        early_stopping=False,
    )

    def kill() -> None:
        killed["at"] = time.monotonic()
        killed_pid["pid"] = victim["pid"]
        os.kill(victim["pid"], signal.SIGKILL)

    training_workers = bdt_dask._training_workers

    def spy(dmatrices: Any) -> list[str]:
        # the workers that hold the data: the victim must be one of them
        workers = training_workers(dmatrices)
        if "at" not in killed and workers[0] in pids:
            victim["pid"] = pids[workers[0]]
        if when == "placed":
            kill()  # after the data are placed, before xgboost's training starts
        return workers

    monkeypatch.setattr(bdt_dask, "_training_workers", spy)

    def killer() -> None:
        if mid_training:
            deadline = time.monotonic() + FIT_BOUND
            while not _training_task_running(client) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
        else:
            time.sleep(float(when))
        kill()

    if when != "placed":
        threading.Thread(target=killer, daemon=True).start()
    X, y, w = ddf[FEATURES], ddf["label"], ddf["weight"]
    error: RuntimeError | None = None
    try:
        bounded(lambda: est.fit(X, y, sample_weight=w), timeout=FIT_BOUND)
    except RuntimeError as exc:
        error = exc
    ended = time.monotonic()
    assert "at" in killed

    print(f"kill '{when}': fit ended {ended - killed['at']:.2f} s after the kill")
    if error is None:
        # the kill landed before the data were placed: Dask recomputed, the fit completed
        assert when in ("0", "0.1", "0.3"), f"kill '{when}': the fit should have failed"
        assert est.booster_.num_boosted_rounds() == 30
        proba = est.predict_proba(ddf[FEATURES].head(100))
        assert proba.shape == (100, 2)
        assert np.isfinite(proba).all()
    else:
        message = str(error)
        assert message.startswith("Distributed BDT training failed"), message
        assert re.search(LOST, message), message
        assert "fit again" in message.lower()
        assert "n_workers" in message
        assert "Stack trace" not in message
        assert "[bt]" not in message
        print(f"kill '{when}': error {ended - killed['at']:.2f} s after the kill")
        assert ended - killed["at"] < KILL_TO_ERROR, f"error {ended - killed['at']:.1f} s after"
        if when in ("placed", "training"):
            # the lost worker is named (its address)
            assert "tcp://" in message, message
        error = None  # drop the traceback: its frames hold the fit's futures
    _surviving_workers_run_tasks(client, killed_pid["pid"])


def test_no_future_is_left_behind(client: Any) -> None:
    """After the last kill (the cases above check the one before theirs; pytest's log
    capture holds a failed test's records, and with them its futures, until it ends)."""
    _live_workers(client, dead=-1, n=1, within=60)
    _no_future_left(client)
