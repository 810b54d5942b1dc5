"""Log the training history of sklhep models to TensorBoard and MLflow.

Both model families record one ``history_`` entry per MLP epoch or BDT boosting round,
with the same keys: ``epoch``, ``train_loss`` and ``valid_loss`` (net signed-weight
losses; ``valid_loss`` is NaN without early stopping), ``lr`` and ``duration``.
:func:`log_history` writes them as scalars, one step per epoch/round. See
``docs/tuning.md``.
"""

from __future__ import annotations

import math
import os
from typing import Any

from sklhep import extras

__all__ = ["HISTORY_METRICS", "history_of", "log_history"]

#: The ``history_`` keys logged, in order.
HISTORY_METRICS = ("train_loss", "valid_loss", "lr", "duration")


def history_of(estimator: Any) -> tuple[Any, list[dict[str, Any]]]:
    """``(model, history)`` of a fitted sklhep model, Pipeline or search.

    Looks at ``estimator``, the last step of a Pipeline, and a search's
    ``best_estimator_`` (in that order, repeatedly) for ``history_``.

    Parameters
    ----------
    estimator : fitted estimator
        An sklhep MLP or BDT, a Pipeline ending in one, or a fitted search.

    Returns
    -------
    model : estimator
        The sklhep model that holds the history.
    history : list of dict
        A copy of ``model.history_``: one dict per epoch (MLP) or boosting round (BDT).

    Raises
    ------
    ValueError
        When no ``history_`` is found (not fitted, or not an sklhep MLP/BDT).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklhep import BDTClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)); y = (X[:, 0] > 0).astype(int)
    >>> bdt = BDTClassifier(n_estimators=3, device="cpu", n_jobs=1)
    >>> pipe = make_pipeline(StandardScaler(), bdt)
    >>> model, history = history_of(pipe.fit(X, y))
    >>> model is pipe[-1], [record["epoch"] for record in history]
    (True, [1, 2, 3])
    >>> sorted(history[0])
    ['duration', 'epoch', 'lr', 'train_loss', 'valid_loss']
    >>> history_of(StandardScaler())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: StandardScaler has no history_: log_history needs a fitted sklhep MLP or BDT ...
    """
    model = estimator
    for _ in range(10):
        history = getattr(model, "history_", None)
        if history is not None:
            return model, list(history)
        if hasattr(model, "steps"):
            model = model.steps[-1][1]
        elif hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        else:
            break
    raise ValueError(
        f"{type(estimator).__name__} has no history_: log_history needs a fitted sklhep "
        "MLP or BDT (alone, at the end of a Pipeline, or as a search's best_estimator_)."
    )


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _rows(history: list[dict[str, Any]], prefix: str) -> list[tuple[str, float, int]]:
    out = []
    for record in history:
        step = int(record["epoch"])
        for key in HISTORY_METRICS:
            if key in record and _finite(record[key]):
                out.append((f"{prefix}{key}", float(record[key]), step))
    return out


def _flat_params(model: Any) -> dict[str, str]:
    params = {}
    for name, value in model.get_params(deep=False).items():
        if name == "callbacks":
            value = None if value is None else [type(v).__name__ for v in value]
        params[name] = str(value)[:500]
    return params


def log_history(
    estimator: Any,
    *,
    tensorboard: Any = None,
    mlflow: Any = False,
    prefix: str = "",
    log_params: bool = True,
) -> list[tuple[str, float, int]]:
    """Log a fitted model's per-epoch (MLP) or per-round (BDT) history.

    Logged, one step per epoch/round (``history_[i]["epoch"]``), under ``prefix``:

    * ``train_loss`` -- the net signed-weight training loss;
    * ``valid_loss`` -- the net signed-weight validation loss (only with early stopping;
      NaN values are skipped);
    * ``lr`` -- the learning rate; ``duration`` -- seconds per epoch/round;

    and, as a scalar at the last step, ``best_epoch`` (the MLP's ``best_epoch_``, the
    BDT's ``best_iteration_ + 1``).

    Parameters
    ----------
    estimator : fitted estimator
        An sklhep MLP or BDT, a Pipeline ending in one, or a fitted search (its
        ``best_estimator_``).
    tensorboard : None, str, path or SummaryWriter, default=None
        A ``torch.utils.tensorboard.SummaryWriter`` (flushed, left open), or a log
        directory (a writer is created there and closed).
    mlflow : bool or mlflow.entities.Run, default=False
        ``True``: log to MLflow's active run (MLflow starts one when none is active); a
        ``Run``: log to that run. The model's parameters are logged too when
        ``log_params`` (values as strings, truncated to 500 characters).
    prefix : str, default=""
        Prepended to every metric name (e.g. ``"bdt/"``, or ``"fold0/"`` for the models
        of a :class:`~sklhep.CrossEvaluator`).
    log_params : bool, default=True
        Log the model's ``get_params(deep=False)`` to MLflow.

    Returns
    -------
    logged : list of (name, value, step)
        What was logged.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep import BDTClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)); y = (X[:, 0] > 0).astype(int)
    >>> bdt = BDTClassifier(n_estimators=3, device="cpu", n_jobs=1).fit(X, y)
    >>> [name for name, _, step in log_history(bdt) if step == 1]
    ['train_loss', 'lr', 'duration']

    To TensorBoard (``tensorboard --logdir <logdir>`` shows the curves), under a prefix:

    >>> import os, shutil, tempfile
    >>> logdir = tempfile.mkdtemp()
    >>> rows = log_history(bdt, tensorboard=logdir, prefix="bdt/")
    >>> [name for name, _, step in rows if step == 3]
    ['bdt/train_loss', 'bdt/lr', 'bdt/duration', 'bdt/best_epoch']
    >>> [name.startswith("events.out.tfevents") for name in os.listdir(logdir)]
    [True]
    >>> shutil.rmtree(logdir)
    """
    model, history = history_of(estimator)
    rows = _rows(history, prefix)
    best = getattr(model, "best_epoch_", None)
    if best is None and getattr(model, "best_iteration_", None) is not None:
        best = int(model.best_iteration_) + 1
    last_step = int(history[-1]["epoch"]) if history else 0
    if best is not None:
        rows.append((f"{prefix}best_epoch", float(best), last_step))
    if tensorboard is not None:
        _to_tensorboard(tensorboard, rows)
    if mlflow is not False and mlflow is not None:
        _to_mlflow(mlflow, rows, _flat_params(model) if log_params else {}, prefix)
    return rows


def _to_tensorboard(target: Any, rows: list[tuple[str, float, int]]) -> None:
    own = isinstance(target, (str, os.PathLike))
    writer = extras.tensorboard().SummaryWriter(log_dir=os.fspath(target)) if own else target
    try:
        for name, value, step in rows:
            writer.add_scalar(name, value, global_step=step)
        writer.flush()
    finally:
        if own:
            writer.close()


def _to_mlflow(
    target: Any, rows: list[tuple[str, float, int]], params: dict[str, str], prefix: str
) -> None:
    mlflow = extras.mlflow()
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    if target is True:
        run = mlflow.active_run() or mlflow.start_run()
        run_id = run.info.run_id
    else:
        run_id = target.info.run_id
    import time

    now = int(time.time() * 1000)
    metrics = [Metric(name, value, now, step) for name, value, step in rows]
    client = MlflowClient()
    existing = set(client.get_run(run_id).data.params) if params else set()
    plist = [Param(f"{prefix}{k}", v) for k, v in params.items() if f"{prefix}{k}" not in existing]
    for start in range(0, max(len(metrics), 1), 1000):  # MLflow's batch limit
        client.log_batch(
            run_id, metrics=metrics[start : start + 1000], params=plist if start == 0 else []
        )
