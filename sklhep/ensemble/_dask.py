r"""Distributed training of the BDTs on a Dask cluster, through :mod:`xgboost.dask`.

:class:`~sklhep.ensemble.BDTClassifier` and :class:`~sklhep.ensemble.BDTRegressor` delegate
here when ``X``, ``y`` or ``sample_weight`` is a Dask collection. The trees are grown by
``xgboost.dask.train`` on the caller's ``distributed.Client``; sklhep adds no scheduler.

Signed weights on the workers. A custom objective in xgboost.dask runs on each worker with
that worker's local DMatrix, so the signed weight of every event must travel inside the
DMatrix; DMatrix refuses negative weights. The weight field holds :math:`|w|`, and the
sign travels in another per-row field:

* classification: the label is ``k + K * [w < 0]`` for class index ``k`` of ``K``;
* regression: ``label_lower_bound`` is ``-1`` for a negative weight and ``+1`` otherwise
  (the bound is read by survival objectives only; the custom objective ignores it).

The objective decodes :math:`w` and calls the same loss (gradient :math:`w\,\ell'`, hessian
:math:`w\,\ell''`) as the single-machine fit, with the same net-mean-1 weight scale and
leaf-value bound. The weighted metric sums
:math:`\sum w_i \ell_i` and :math:`\sum w_i` on each worker and adds them across workers
with ``xgboost.collective.allreduce``, so the history and early stopping see the exact net
weighted loss of the whole data set.

Bounded waits. Every wait on the cluster (the data checks and sums, the placement of the
data on the workers, the training) runs in the client's event loop under :func:`_watch`,
which polls the scheduler every :data:`POLL_INTERVAL` seconds: a worker that holds
training data and leaves the cluster stops the fit at once with a ``RuntimeError`` naming
it, the fit gives up when the cluster has had no worker for the start timeout, and the
failed step's futures are cancelled. xgboost's collective gets the start timeout as its
tracker timeout (the workers must all join within it) and :func:`collective_timeout` as
its communication timeout, so that no training task blocks a worker thread forever.
Before the data are placed, Dask recomputes the tasks of a lost worker and the fit goes on.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np
import xgboost
from numpy.typing import NDArray
from sklearn.utils.validation import check_random_state
from xgboost import collective

from sklhep import extras
from sklhep._device import resolve_device
from sklhep._sklearn_compat import _openmp_effective_n_threads
from sklhep.ensemble._objectives import (
    SIGNED_MAX_STEP_MARGIN,
    SIGNED_MAX_STEP_STD,
    AbsoluteError,
    Loss,
)
from sklhep.ensemble._trainer import (
    BoostingConfig,
    FitResult,
    check_finite_history,
    make_loss,
    rounds_history,
    to_cpu,
)
from sklhep.weights import WeightSums, plan_training_weights

__all__ = [
    "COLLECTIVE_TIMEOUT",
    "POLL_INTERVAL",
    "START_TIMEOUT",
    "collective_timeout",
    "is_dask_collection",
    "predict",
    "start_timeout",
    "train",
]

#: Bins of the weighted histogram that gives the starting median of the robust regressions.
MEDIAN_BINS = 1 << 14

#: Default of :func:`start_timeout` (seconds; Dask config ``sklhep.dask.start-timeout``).
START_TIMEOUT = 60.0
#: Default of :func:`collective_timeout` (seconds; Dask config
#: ``sklhep.dask.collective-timeout``).
COLLECTIVE_TIMEOUT = 600.0
#: Seconds between two checks of the cluster while the fit waits on it.
POLL_INTERVAL = 0.5


def _config_seconds(key: str, default: float) -> float:
    import dask
    from dask.utils import parse_timedelta

    value = dask.config.get(f"sklhep.dask.{key}", default=None)
    try:
        seconds = default if value is None else parse_timedelta(value, default="s")
    except (KeyError, ValueError, TypeError):
        seconds = None
    if seconds is None or not seconds > 0:
        raise ValueError(
            f"The Dask config sklhep.dask.{key} must be a positive duration (e.g. '60s'), "
            f"got {value!r}."
        )
    return float(seconds)


def start_timeout() -> float:
    """Seconds the cluster may take to answer, and the workers to start training.

    The Dask config value ``sklhep.dask.start-timeout`` (a number of seconds or a duration
    such as ``"2 minutes"``), by default :data:`START_TIMEOUT`. It bounds the time xgboost's
    workers have to join the training (its tracker timeout), the time a distributed fit
    waits while the cluster has no worker at all, and each request to the scheduler.

    Returns
    -------
    float
        The timeout in seconds.
    """
    return _config_seconds("start-timeout", START_TIMEOUT)


def collective_timeout() -> float:
    """Seconds one of xgboost's collective operations may wait for the other workers.

    The Dask config value ``sklhep.dask.collective-timeout``, by default
    :data:`COLLECTIVE_TIMEOUT`. A worker that dies breaks the collective at once (its
    sockets close); this bound is for a worker that stops answering without dying (a
    frozen node). It must exceed the longest time one worker can spend between two
    synchronisations (one boosting round on its share of the data).

    Returns
    -------
    float
        The timeout in seconds.
    """
    return _config_seconds("collective-timeout", COLLECTIVE_TIMEOUT)


def is_dask_collection(*objs: Any) -> bool:
    """Whether any argument is a Dask collection (checked without importing Dask)."""
    return any(obj is not None and hasattr(obj, "__dask_graph__") for obj in objs)


def _client() -> Any:
    distributed = extras.distributed()
    try:
        return distributed.default_client()
    except ValueError:
        raise ValueError(
            "Dask input needs a running Dask cluster: create a distributed.Client first, e.g. "
            "`from distributed import Client, LocalCluster; client = Client(LocalCluster())`, "
            "or pass numpy/pandas data to train on this machine."
        ) from None


def _current_client() -> Any:
    """The default ``distributed.Client``, or None (no distributed, or no client: Dask's
    local scheduler computes, with nothing to lose)."""
    try:
        distributed = extras.distributed()
    except ImportError:
        return None
    try:
        return distributed.default_client()
    except ValueError:
        return None


# --------------------------------------------------------------------------- bounded waits
def _worker_label(address: str, names: dict[str, Any]) -> str:
    name = names.get(address)
    return address if name is None or str(name) == address else f"{name!r} ({address})"


def _lost_workers_message(lost: Sequence[str], names: dict[str, Any], what: str) -> str:
    which = ", ".join(_worker_label(a, names) for a in lost)
    return (
        f"Distributed BDT training failed on the Dask cluster: worker {which} left the "
        f"cluster while {what} (killed, out of memory, or preempted by the batch system); "
        "xgboost.dask cannot continue without a worker that holds training data. Fit again "
        "once the cluster is whole (client.wait_for_workers(n_workers)); if the worker ran "
        "out of memory, give the workers more memory or use more workers (n_workers), so "
        "that each holds a smaller share of the data. The workers' logs "
        "(client.get_worker_logs()) have the details."
    )


async def _watch(
    client: Any,
    awaitable: Awaitable[Any],
    what: str,
    workers: Sequence[str] = (),
    names: dict[str, Any] | None = None,
) -> Any:
    """Await ``awaitable`` in the client's event loop, checking the cluster meanwhile.

    Every :data:`POLL_INTERVAL` seconds the scheduler is asked for its workers (a request
    bounded by :func:`start_timeout`): the wait fails with a ``RuntimeError`` as soon as
    one of ``workers`` has left the cluster, or when the cluster has had no worker for
    :func:`start_timeout` seconds. On failure the awaited step is cancelled, which
    releases its futures. ``names`` (worker address to name) is updated on each check.
    """
    timeout = start_timeout()
    task = asyncio.ensure_future(awaitable)
    names = {} if names is None else names
    empty_since: float | None = None
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_INTERVAL)
            if done:
                return task.result()
            try:
                info = await asyncio.wait_for(client.scheduler.identity(), timeout)
            except Exception as exc:
                raise RuntimeError(
                    f"Distributed BDT training failed: the Dask scheduler did not answer "
                    f"within {timeout:g} s while {what} ({type(exc).__name__}: {exc}). "
                    "Check that the cluster is up (client.dashboard_link), then fit again; "
                    "a slow scheduler can be given longer with "
                    "dask.config.set({'sklhep.dask.start-timeout': '5 minutes'})."
                ) from exc
            alive = info.get("workers", {})
            names.update({a: w.get("name") for a, w in alive.items() if isinstance(w, dict)})
            lost = [a for a in workers if a not in alive]
            if lost:
                raise RuntimeError(_lost_workers_message(lost, names, what))
            if alive:
                empty_since = None
            elif empty_since is None:
                empty_since = time.monotonic()
            elif time.monotonic() - empty_since > timeout:
                raise RuntimeError(
                    f"Distributed BDT training failed: the Dask cluster has had no worker "
                    f"for {timeout:g} s while {what}. Start workers (cluster.scale(n)) or "
                    "wait for the batch system to start them "
                    "(client.wait_for_workers(n_workers)), then fit again; a longer wait is "
                    "set with dask.config.set({'sklhep.dask.start-timeout': '10 minutes'})."
                )
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=timeout)
        elif not task.cancelled():
            task.exception()  # retrieved: no "exception was never retrieved" warning


async def _run_watched(
    client: Any,
    start: Callable[[], Any],
    what: str,
    workers: Sequence[str],
    names: dict[str, Any] | None,
) -> Any:
    # ``start`` runs in the event loop, where the client's blocking calls return awaitables
    return await _watch(client, start(), what, workers, names)


def _run(
    client: Any,
    start: Callable[[], Any],
    what: str,
    workers: Sequence[str] = (),
    names: dict[str, Any] | None = None,
) -> Any:
    """``start()`` (a Dask or xgboost.dask call) in the client's loop, awaited under
    :func:`_watch`; every blocking wait of the distributed fit goes through here."""
    distributed = extras.distributed()
    try:
        return client.sync(_run_watched, client, start, what, workers, names)
    except distributed.KilledWorker as exc:  # a task killed its workers: out of memory?
        raise RuntimeError(_training_failure(exc)) from exc


def _release_frames(exc: BaseException | None) -> None:
    """Clear the local variables of the finished frames in the tracebacks of ``exc`` and
    of its causes. xgboost.dask's frames hold the fit's futures, and Dask keeps the error
    of a failed future with its traceback: without this, a failed fit would keep its
    data on the workers for as long as the client lives."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)  # executing frames are left alone
        exc = exc.__cause__ or exc.__context__


def _identify(client: Any, names: dict[str, Any]) -> set[str]:
    """The addresses of the workers now in the cluster (one bounded request); their
    names are added to ``names``."""
    info = client.sync(client.scheduler.identity, callback_timeout=start_timeout())
    workers = info.get("workers", {})
    names.update({a: w.get("name") for a, w in workers.items() if isinstance(w, dict)})
    return set(workers)


def _lost_after(client: Any, workers: Sequence[str], names: dict[str, Any]) -> list[str]:
    """The training workers that have left the cluster, waiting up to 5 s (or the start
    timeout) for the scheduler to notice: a dead worker breaks xgboost's collective a
    moment before the scheduler removes it."""
    deadline = time.monotonic() + min(5.0, start_timeout())
    while True:
        try:
            lost = sorted(set(workers) - _identify(client, names))
        except Exception:  # no answer: the error message says what is known
            return []
        if lost or time.monotonic() > deadline:
            return lost
        time.sleep(0.1)


def _compute(client: Any, obj: Any, what: str) -> Any:
    """``dask.compute(obj)[0]`` on the cluster, as a bounded wait (:func:`_run`).

    An error of a task is raised as it is (a data error stays a data error), except a
    task that killed its workers (``KilledWorker``: usually out of memory), which is
    reported as a lost worker.
    """
    import dask

    futures: list[Any] = []

    async def start() -> Any:
        futures.append(client.compute(dask.delayed(obj)))
        return await client.gather(futures[0])

    try:
        return _run(client, start, what)
    finally:
        for future in futures:
            future.release()


def _lengths(client: Any, blocks: Any, what: str) -> tuple[int, ...]:
    """The number of rows of each Dask block (a list of Delayed), computed as one bounded
    wait."""
    import dask

    return tuple(int(n) for n in _compute(client, [dask.delayed(len)(b) for b in blocks], what))


# --------------------------------------------------------------------------- input
def _as_dask_2d(X: Any, what: str = "X", client: Any = None) -> tuple[Any, list[str] | None]:
    """X as a row-chunked 2-D Dask array with known chunks, and its column names (chunk
    sizes are computed as bounded waits when ``client`` is given)."""
    import dask.array as da
    import dask.dataframe as dd

    names = None
    if isinstance(X, dd.DataFrame):
        names = [str(c) for c in X.columns]
        bad = [str(c) for c, t in X.dtypes.items() if not np.issubdtype(t, np.number)]
        if bad:
            raise TypeError(
                f"{what} has non-numeric columns {bad}; the BDT needs numbers. Encode or drop "
                "them first."
            )
        if client is None:
            X = X.to_dask_array(lengths=True)
        else:
            lengths = _lengths(client, X.to_delayed(), f"counting the rows of {what}")
            X = X.to_dask_array(lengths=lengths)
    elif not isinstance(X, da.Array):
        X = da.asarray(np.asarray(X))
    if X.ndim != 2:
        raise ValueError(f"{what} must be 2-D (n_samples, n_features), got {X.ndim} dimension(s).")
    if not np.issubdtype(X.dtype, np.number) and X.dtype != np.bool_:
        raise TypeError(
            f"{what} has dtype {X.dtype}; the BDT needs numeric features (strings are not "
            "supported). Encode them as numbers first."
        )
    if any(np.isnan(c) for c in X.chunks[0]):
        if client is None:
            X = X.compute_chunk_sizes()
        else:
            X = X.rechunk({1: -1})
            rows = _lengths(client, X.to_delayed()[:, 0], f"counting the rows of {what}")
            X = da.Array(X.dask, X.name, chunks=(rows, X.chunks[1]), dtype=X.dtype)
    return X.rechunk({1: -1}), names


def _as_dask_1d(v: Any, chunks: tuple[int, ...], what: str, client: Any) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(v, (dd.Series, dd.DataFrame)):
        if isinstance(v, dd.DataFrame):
            if len(v.columns) != 1:
                raise ValueError(
                    f"{what} must be 1-D, got a DataFrame of {len(v.columns)} columns."
                )
            v = v[v.columns[0]]
        v = v.to_dask_array(lengths=_lengths(client, v.to_delayed(), f"counting {what}"))
    elif not isinstance(v, da.Array):
        v = da.asarray(np.asarray(v))
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {v.shape}.")
    if any(np.isnan(c) for c in v.chunks[0]):
        sizes = _lengths(client, v.to_delayed(), f"counting {what}")
        v = da.Array(v.dask, v.name, chunks=(sizes,), dtype=v.dtype)
    if v.shape[0] != sum(chunks):
        raise ValueError(
            f"{what} has {v.shape[0]} entries but X has {sum(chunks)} rows; they must match."
        )
    return v.rechunk((chunks,))


# --------------------------------------------------------------------------- on workers
class _SignedRows:
    """Decodes (y, signed w, |w|) from a worker's local DMatrix, cached per DMatrix."""

    def __init__(self, loss: Loss, n_classes: int, n_outputs: int) -> None:
        self.loss = loss
        self.n_classes = n_classes
        self.n_outputs = n_outputs
        self._cache: dict[int, tuple[Any, ...]] = {}

    def rows(self, dmat: Any) -> tuple[Any, ...]:
        key = id(dmat)
        if key not in self._cache:
            label = dmat.get_label()
            abs_w = dmat.get_weight().astype(np.float32)
            if self.n_classes:
                negative = label >= self.n_classes
                y: NDArray[Any] = label - self.n_classes * negative
                y = y.astype(np.int32) if self.n_outputs > 1 else y.astype(np.float32)
            else:
                negative = dmat.get_float_info("label_lower_bound") < 0
                y = label.astype(np.float32)
            w = np.where(negative, -abs_w, abs_w).astype(np.float32)
            self._cache[key] = (y, w, abs_w, w.astype(np.float64))
        return self._cache[key]

    def margin(self, predt: NDArray[Any]) -> NDArray[np.float32]:
        shape = (-1,) if self.n_outputs == 1 else (-1, self.n_outputs)
        return np.asarray(predt, dtype=np.float32).reshape(shape)


class _DistributedObjective(_SignedRows):
    """``obj(predt, dtrain)``: the signed-weight gradient and hessian on the local rows."""

    def __call__(self, predt: NDArray[Any], dtrain: Any) -> tuple[NDArray, NDArray]:
        y, w, _, _ = self.rows(dtrain)
        return self.loss.grad_hess(self.margin(predt), y, w, w)  # signed hessian, as locally


class _DistributedMetric(_SignedRows):
    """``metric(predt, dmat)``: the net weighted loss over all workers (an allreduce)."""

    def __init__(self, loss: Loss, n_classes: int, n_outputs: int, factor: float) -> None:
        super().__init__(loss, n_classes, n_outputs)
        self.factor = factor

    def __call__(self, predt: NDArray[Any], dmat: Any) -> tuple[str, float]:
        from xgboost import collective

        y, _, _, w64 = self.rows(dmat)
        per_event = self.loss.pointwise(self.margin(predt).astype(np.float64), y)
        local = np.array([float(np.dot(per_event, w64)), float(w64.sum())])
        total = collective.allreduce(local, collective.Op.SUM)
        value = self.factor * total[0] / total[1] if total[1] > 0 else float("nan")
        return self.loss.metric, float(value)


def _metric_factor(loss: Loss, n_outputs: int) -> float:
    """``metric_value / value`` of ``loss`` (2 for the MSE of the half squared error)."""
    margin = np.full((1,) if n_outputs == 1 else (1, n_outputs), 0.5)
    y = np.zeros(1, dtype=np.int64) if n_outputs > 1 else np.zeros(1)
    w = np.ones(1)
    return loss.metric_value(margin, y, w) / loss.value(margin, y, w)


# --------------------------------------------------------------------------- fit
def train(config: BoostingConfig, X: Any, y: Any, sample_weight: Any) -> FitResult:
    """Train on Dask collections: the distributed counterpart of
    :func:`sklhep.ensemble._trainer.train`, validating the data on the cluster."""
    xgb_dask = extras.xgboost_dask()
    import dask.array as da

    client = _client()
    X, names = _as_dask_2d(X, client=client)
    chunks = X.chunks[0]
    if y is None:
        raise ValueError("y is required: the BDT is a supervised estimator.")
    y = _as_dask_1d(y, chunks, "y", client)
    w = (
        da.ones(X.shape[0], chunks=(chunks,), dtype=np.float64)
        if sample_weight is None
        else _as_dask_1d(sample_weight, chunks, "sample_weight", client).astype(np.float64)
    )
    if X.shape[0] == 0:
        raise ValueError("X has 0 rows; the BDT needs at least one event per class.")
    classifier = config.classifier

    # One pass over the data for every check and every global number the fit needs.
    checks = {"inf_X": da.isinf(X).any(), "bad_w": ~da.isfinite(w).all()}
    if classifier:
        checks["classes"] = da.unique(y)
    else:
        checks["bad_y"] = ~da.isfinite(y).all()
        checks["y_min"], checks["y_max"] = y.min(), y.max()
    got = _compute(client, checks, "checking the data")
    if got["inf_X"]:
        raise ValueError(
            "X contains infinite values. NaN means 'missing' to the BDT, but inf is an error: "
            "replace it (e.g. with NaN) first."
        )
    if got["bad_w"]:
        raise ValueError(
            "sample_weight contains NaN or infinite values; every weight must be finite."
        )
    if not classifier and got["bad_y"]:
        raise ValueError("y contains NaN or infinite values; regression targets must be finite.")

    n_classes = 0
    classes = None
    if classifier:
        classes = np.asarray(got["classes"])
        if classes.dtype.kind in "fc" and np.isnan(classes).any():
            raise ValueError("y contains NaN; every event needs a class label.")
        if classes.shape[0] < 2:
            raise ValueError(
                f"y has a single class ({classes.tolist()}); a classifier needs at least two."
            )
        n_classes = int(classes.shape[0])
        y_code = y.map_blocks(lambda b: np.searchsorted(classes, b), dtype=np.int64)
        groups, n_groups = y_code, n_classes
    else:
        y_code = None
        groups, n_groups = da.zeros(X.shape[0], chunks=(chunks,), dtype=np.int64), 1

    # Validation split (a seeded random fraction; stratification needs no global sort).
    rng = check_random_state(config.random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    valid = None
    if config.stops_early(int(X.shape[0])):
        u = da.random.RandomState(seed).random_sample(X.shape[0], chunks=(chunks,))
        valid = u < config.validation_fraction

    def part(a: Any, keep: Any) -> Any:
        return a if keep is None else a[keep]

    train = None if valid is None else ~valid
    g_tr = part(groups, train)
    w_tr = part(w, train)

    # Negative-weight policy and class weights: sklhep.weights' plan, from per-class sums
    # (one Dask reduction), then one element-wise pass (WeightPlan.apply).
    g_va = w_va = None
    reductions = {"train": WeightSums.dask_reductions(w_tr, g_tr, n_groups)}
    if valid is not None:
        g_va, w_va = part(groups, valid), part(w, valid)
        reductions["valid"] = WeightSums.dask_reductions(w_va, g_va, n_groups)
    sums = _compute(client, reductions, "summing the weights")
    s = sums["train"]
    if classes is not None:
        for k in np.flatnonzero(s["n_events"] == 0):
            raise ValueError(
                f"Class {classes[k]!r} has no training events (the validation split took "
                "them all); lower validation_fraction or add events of that class."
            )
    # Net mean weight 1, as on one machine: min_child_weight etc. are in units of events.
    plan = plan_training_weights(
        WeightSums(**s),
        config.negative_weights,
        classes=classes,
        class_weight=config.class_weight if classifier else None,
        normalize="events",
    )
    if s["n_negative"].sum() > 0 and plan.transform == "none":
        config.check_signed_min_child_weight()
    w_tr = plan.apply(w_tr, g_tr)
    net_final = plan.net
    if valid is not None:
        # The validation loss follows the training policy and class weights, as on one
        # machine.
        valid_plan = plan_training_weights(
            WeightSums(**sums["valid"]),
            config.negative_weights,
            classes=classes,
            class_weight=config.class_weight if classifier else None,
            what="the early-stopping validation set (change validation_fraction or random_state)",
        )
        w_va = valid_plan.apply(w_va, g_va)

    loss = make_loss(config, n_classes)
    n_outputs = n_classes if n_classes > 2 else 1
    if classifier:
        margin0 = loss.init_margin(np.arange(n_classes), net_final)
    else:
        margin0 = _regression_margin(client, loss, part(y, train), w_tr, got, net_final[0])

    device = resolve_device(config.device, "xgboost")
    # xgboost.dask uses each worker's threads unless n_jobs says otherwise
    n_jobs = config.n_jobs
    params = config.xgboost_params(
        device, int(n_jobs) if n_jobs is not None and n_jobs >= 1 else None, seed
    )
    # "auto" on the training weights, as on one machine: the plan's factors times the
    # per-class sums are the prepared weights' sums (|w| and max(w, 0) have no negative
    # weight left, where "auto" is 1)
    params["min_child_weight"] = (
        config.resolve_min_child_weight(WeightSums(**s), plan.factors)
        if plan.transform == "none"
        else config.resolve_min_child_weight(WeightSums.from_weights(np.ones(0)))
    )
    params["base_score"] = [float(m) for m in np.atleast_1d(margin0)]
    if classifier:
        params["max_delta_step"] = SIGNED_MAX_STEP_MARGIN
    else:  # as on one machine: half the target's weighted standard deviation
        y_tr = part(y, train)
        first, second = _compute(
            client, ((w_tr * y_tr).sum(), (w_tr * y_tr * y_tr).sum()), "summing the targets"
        )
        mean = float(first) / net_final[0]
        var = float(second) / net_final[0] - mean * mean
        params["max_delta_step"] = SIGNED_MAX_STEP_STD * float(np.sqrt(max(var, 0.0)))
    if n_outputs > 1:
        params["num_class"] = n_outputs

    def dmatrix(keep: Any, weights: Any) -> Any:
        negative = weights < 0
        kwargs: dict[str, Any] = {"weight": abs(weights), "missing": config.missing}
        if classifier:
            label = part(y_code, keep) + n_classes * negative.astype(np.int64)
        else:
            label = part(y, keep)
            kwargs["label_lower_bound"] = da.where(negative, -1.0, 1.0)
        data, label = part(X, keep), label.astype(np.float32)
        # persisted and placed on the workers (DaskDMatrix is awaitable in the event loop)
        try:
            return _run(
                client,
                lambda: xgb_dask.DaskDMatrix(client, data, label, **kwargs),
                "placing the data on the workers",
            )
        except RuntimeError as exc:
            _release_frames(exc)
            if str(exc).startswith("Distributed BDT training failed"):
                raise
            raise RuntimeError(_training_failure(exc)) from exc

    dtrain = dmatrix(train, w_tr)
    evals = [(dtrain, "train")]
    if valid is not None:
        evals.append((dmatrix(valid, w_va), "validation"))
    objective = _DistributedObjective(loss, n_classes, n_outputs)
    metric = _DistributedMetric(loss, n_classes, n_outputs, _metric_factor(loss, n_outputs))
    coll_cfg = collective.Config(
        timeout=int(np.ceil(collective_timeout())), tracker_timeout=int(np.ceil(start_timeout()))
    )
    xgb_config = xgboost.get_config()  # the caller's (thread-local) xgboost configuration

    def start_training() -> Any:
        with xgboost.config_context(**xgb_config):
            return xgb_dask.train(
                client,
                params,
                dtrain,
                num_boost_round=int(config.n_estimators),
                evals=evals,
                obj=objective,
                custom_metric=metric,
                early_stopping_rounds=config.n_iter_no_change if valid is not None else None,
                verbose_eval=int(config.verbose) if config.verbose else False,
                coll_cfg=coll_cfg,
            )

    workers = _training_workers([d for d, _ in evals])
    worker_names: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        result = _run(client, start_training, "training", workers, worker_names)
    except Exception as exc:
        if isinstance(exc, RuntimeError) and str(exc).startswith(
            "Distributed BDT training failed"
        ):
            _release_frames(exc)
            raise
        _release_frames(exc)
        message = _training_failure(exc)
        if "worker was probably lost" in message:  # name it, once the scheduler knows
            lost = _lost_after(client, workers, worker_names)
            if lost:
                message = _lost_workers_message(lost, worker_names, "training")
        raise RuntimeError(message) from exc
    elapsed = time.perf_counter() - start

    booster = result["booster"]
    evals_result = result["history"]
    n_rounds = booster.num_boosted_rounds()
    scores = (
        [float(v) for v in evals_result["validation"][loss.metric]] if valid is not None else None
    )
    # the rounds run on the workers: each record gets the mean duration of a round
    history = rounds_history(
        [float(v) for v in evals_result["train"][loss.metric]],
        scores,
        float(config.booster["learning_rate"]),
        [elapsed / max(n_rounds, 1)] * n_rounds,
    )
    check_finite_history(history)
    best_iteration = n_rounds - 1
    if scores is not None:
        best_iteration = int(np.argmin(scores))
        if best_iteration + 1 < n_rounds:
            booster = booster[: best_iteration + 1]
    n_threads = _openmp_effective_n_threads(config.n_jobs)
    return FitResult(
        booster=to_cpu(booster, n_threads),
        history=history,
        best_iteration=best_iteration,
        signed=True,
        n_threads=n_threads,
        n_features_in=int(X.shape[1]),
        classes=classes,
        feature_names_in=None if names is None else np.asarray(names, dtype=object),
        metric=loss.metric,
        min_child_weight=float(params["min_child_weight"]),
    )


def _training_workers(dmatrices: Sequence[Any]) -> list[str]:
    """The addresses of the workers that hold a part of the data (xgboost.dask trains on
    exactly these: its collective breaks when one of them is lost)."""
    return sorted({address for d in dmatrices for address in d.worker_map})


#: What xgboost's collective and Dask's scheduler say when a worker is lost mid-fit.
_LOST_WORKER_HINTS = (
    "allgather",
    "allreduce",
    "broadcast",
    "poll error",
    "connection",
    "socket",
    "killedworker",
    "commclosed",
    "workers died",
    "resilience",
    "missing required workers",
    "invalid worker address",
    # DaskDMatrix when a worker dies between computing the parts and locating them
    "coroutine raised stopiteration",
)


def _training_failure(exc: BaseException) -> str:
    """One readable message for a failed distributed fit: the error's first lines, without
    xgboost's C++ stack trace, and a hint when a worker was lost."""
    text = str(exc).split("Stack trace:")[0]
    lines = [line.strip(" -") for line in text.splitlines() if line.strip(" -")]
    summary = "; ".join(lines)[:400] or type(exc).__name__
    message = (
        f"Distributed BDT training failed on the Dask cluster ({type(exc).__name__}: {summary})."
    )
    if any(h in f"{type(exc).__name__} {text}".lower() for h in _LOST_WORKER_HINTS):
        message += (
            " A worker was probably lost mid-fit (killed, out of memory, or preempted by the "
            "batch system); xgboost.dask cannot continue without it. Fit again once the "
            "cluster is whole (client.wait_for_workers(n_workers)); if a worker ran out of "
            "memory, give the workers more memory or use more workers (n_workers)."
        )
    return message + " The workers' logs (client.get_worker_logs()) have the details."


def _regression_margin(
    client: Any, loss: Loss, y: Any, w: Any, got: dict[str, Any], net: float
) -> Any:
    """The net weighted mean (one reduction), or the median from a fine weighted histogram."""
    import dask.array as da

    if loss.metric == "mse":
        mean = float(_compute(client, (w * y).sum(), "summing the targets")) / net
        return loss.init_margin(np.array([mean]), np.ones(1))
    lo, hi = float(got["y_min"]), float(got["y_max"])
    if hi <= lo:
        return loss.init_margin(np.array([lo]), np.ones(1))
    counts, edges = da.histogram(y, bins=MEDIAN_BINS, range=(lo, hi), weights=w)
    centres = 0.5 * (edges[1:] + edges[:-1])
    counts = _compute(client, counts, "histogramming the targets")
    used = counts != 0
    margin = loss.init_margin(centres[used], counts[used])
    if isinstance(loss, AbsoluteError):
        # The scale (net mean absolute deviation) over the events, not the bin centres.
        median = float(margin[0])
        scale = float(_compute(client, (w * abs(y - median)).sum(), "summing the targets")) / net
        loss.scale = scale if scale > 0 else loss.scale
    return margin


# --------------------------------------------------------------------------- predict
def _apply(block: NDArray[Any], est: Any, method: str, names: Any) -> NDArray[Any]:
    if names is not None:
        import pandas as pd

        block = pd.DataFrame(block, columns=names)
    return np.asarray(getattr(est, method)(block))


def predict(est: Any, X: Any, method: str) -> Any:
    """``est.<method>`` on a Dask array or DataFrame, block by block: a Dask array."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est, "booster_")
    extras.dask()
    X, names = _as_dask_2d(X, client=_current_client())
    if X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input."
        )
    n_classes = getattr(est, "n_classes_", 0)
    two_d = method == "predict_proba" or (method == "decision_function" and n_classes > 2)
    dtype = est.classes_.dtype if method == "predict" and n_classes else np.dtype(np.float64)
    if two_d:
        return X.map_blocks(
            _apply, est, method, names, dtype=dtype, chunks=(X.chunks[0], (n_classes,))
        )
    return X.map_blocks(_apply, est, method, names, dtype=dtype, drop_axis=1)
