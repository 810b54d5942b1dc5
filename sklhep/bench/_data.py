"""The data of a benchmark run: the built-in generators or ROOT files."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from sklhep.bench._config import (
    SCULPTING_SIGNAL_FRACTION,
    VALIDATION_FRACTION,
    BenchConfig,
    BenchError,
    minimum_class_ess,
    minimum_class_events,
)
from sklhep.weights import WeightSums, check_sample_weight, effective_sample_size

__all__ = ["BenchData", "check_data", "describe", "load_data", "missing_fractions"]

RESERVED = ("weight", "label", "sample", "event", "target")


@dataclasses.dataclass
class BenchData:
    X: pd.DataFrame
    y: np.ndarray
    sample_weight: np.ndarray
    event: np.ndarray
    class_names: list[str] | None
    source: str
    #: The class that counts as "signal" in rejection, significance and the KS check
    #: (classifiers only): label 1 of the binary generator, label 0 of the multi-class
    #: one, and the class of the first sample for ROOT input.
    signal_label: Any = None
    #: The built-in generator's analytic truth (``df.attrs["truth"]``, a
    #: :class:`sklhep.datasets.GeneratorTruth`); None for ROOT input.
    truth: Any = None
    #: The protected variable of ``--decorrelate`` (not a feature), one value per event;
    #: None without it.
    protected: np.ndarray | None = None


def _from_frame(
    df: pd.DataFrame,
    target: str,
    source: str,
    classifier: bool,
    signal_label: Any = None,
    truth: Any = None,
    protected: str | None = None,
) -> BenchData:
    features = [c for c in df.columns if c not in RESERVED and c not in (target, protected)]
    w = check_sample_weight(df["weight"].to_numpy(), len(df))
    event = df["event"].to_numpy() if "event" in df.columns else np.arange(len(df), dtype=np.int64)
    y = df[target].to_numpy()
    names = None
    if classifier:
        if "sample" in df.columns:
            pairs = df[["label", "sample"]].drop_duplicates().sort_values("label")
            grouped = pairs.groupby("label", sort=True)["sample"]
            names = ["+".join(map(str, v)) for _, v in grouped]
        else:
            names = [str(c) for c in np.unique(y)]
    kept = None if protected is None else df[protected].to_numpy(dtype=np.float64)
    return BenchData(df[features], y, w, event, names, source, signal_label, truth, kept)


def load_data(config: BenchConfig) -> BenchData:
    """Generate or read the events of a benchmark run."""
    classifier = config.task != "regression"
    if config.samples is not None:  # config.from_root
        from sklhep.io import read_root

        if not config.tree:
            raise BenchError("--tree is required with --samples")
        if classifier:
            target = "label"
        elif config.target:
            target = config.target
        else:
            raise BenchError("--target (the regression target branch) is required")
        branches = list(config.branches or [])
        if config.target and config.target not in branches:
            branches.append(config.target)
        if config.decorrelate is not None:
            branches.append(config.decorrelate)
        try:
            df = read_root(
                config.samples,
                tree=config.tree,
                branches=branches,
                weight=config.weight,
                cut=config.cut,
                labels=config.labels,
                sample_scale=config.sample_scale,
                event=config.event,
                max_entries=config.max_entries,
            )
        except (ValueError, TypeError, KeyError) as exc:
            # read_root's messages name the sample, file, branch or expression at fault
            raise BenchError(str(exc)) from exc
        if config.task is None:
            config.task = "binary" if df["label"].nunique() <= 2 else "multiclass"
        if config.decorrelate is not None:
            _check_protected(df, config)
        # the first sample is the signal, whatever labels the samples were given
        first = next(iter(config.samples))
        signal = config.labels[first] if config.labels and first in config.labels else 0
        data = _from_frame(
            df,
            target,
            "root",
            classifier,
            signal if classifier else None,
            protected=config.decorrelate,
        )
        check_data(
            data,
            config.n_folds,
            validation_fraction=config.holdout,
            early_stopping=config.early_stopping,
        )
        return data

    from sklhep import datasets

    task = config.task or "binary"  # as BenchConfig sets it for generated data
    n_events = config.generated_events
    kwargs: dict[str, Any] = {
        "negative_fraction": config.negative_fraction,
        "random_state": config.random_state,
    }
    if config.n_features is not None:
        kwargs["n_features"] = config.n_features
    if config.decorrelate is not None:  # validated: binary, protected "mass"
        df = datasets.make_mass_sculpting(
            n_events,
            negative_fraction=config.negative_fraction,
            signal_fraction=SCULPTING_SIGNAL_FRACTION,
            random_state=config.random_state,
        )
        return _from_frame(
            df,
            "label",
            "generator:make_mass_sculpting",
            True,
            1,
            df.attrs.get("truth"),
            protected=config.decorrelate,
        )
    if task == "binary":
        df = datasets.make_signal_background(n_events, **kwargs)
        return _from_frame(
            df, "label", "generator:make_signal_background", True, 1, df.attrs["truth"]
        )
    if task == "multiclass":
        df = datasets.make_multiclass(n_events, **kwargs)
        return _from_frame(df, "label", "generator:make_multiclass", True, 0, df.attrs["truth"])
    df = datasets.make_momentum_regression(n_events, **kwargs)
    return _from_frame(df, "target", "generator:make_momentum_regression", False)


def _check_protected(df: pd.DataFrame, config: BenchConfig) -> None:
    """``--decorrelate`` needs a binary task and a protected variable without NaN."""
    if config.task != "binary":
        raise BenchError(
            f"--decorrelate is for binary classification, but --samples give "
            f"{df['label'].nunique()} classes: give two samples (or --labels that make two "
            "classes)"
        )
    column = str(config.decorrelate)
    values = df[column].to_numpy(dtype=np.float64)
    missing = int(np.count_nonzero(~np.isfinite(values)))
    if missing:
        raise BenchError(
            f"--decorrelate {column!r} is missing (NaN) or infinite in {missing} of "
            f"{values.shape[0]} events; the protected variable needs a value in every event "
            "(add a --cut that requires it)"
        )


def check_data(
    data: BenchData,
    folds: int,
    *,
    validation_fraction: float = VALIDATION_FRACTION,
    early_stopping: bool = True,
) -> None:
    """Raise :class:`BenchError` unless every class can be trained and scored in ``folds`` folds.

    A classification needs two classes or more; every class (all events for a regression)
    needs :func:`~sklhep.bench._config.minimum_class_events` events, a positive net weight
    and a Kish effective sample size of :func:`~sklhep.bench._config.minimum_class_ess`
    (for ``validation_fraction`` and ``early_stopping``).
    """
    w = data.sample_weight
    if data.class_names is None:
        groups = [("the events", np.ones(w.shape[0], dtype=bool))]
    else:
        labels = np.unique(data.y)
        if labels.shape[0] < 2:
            raise BenchError(
                f"the input has {labels.shape[0]} class ({', '.join(data.class_names)}); a "
                "classification needs two or more: give --samples of two classes or more, "
                "with --labels telling them apart"
            )
        groups = [
            (f"class {name!r}", data.y == label)
            for label, name in zip(labels, data.class_names, strict=True)
        ]
    need_events = minimum_class_events(folds)
    need_ess = minimum_class_ess(
        folds, validation_fraction=validation_fraction, early_stopping=early_stopping
    )
    for what, mask in groups:
        check_enough_events(what, w[mask], folds, need_events, need_ess, "each class")


def check_enough_events(
    what: str, w: np.ndarray, folds: int, need_events: int, need_ess: float, each: str
) -> None:
    """Raise :class:`BenchError` unless the events of ``what`` (weights ``w``) number
    ``need_events``, have a positive net weight and a Kish ESS of ``need_ess``."""
    n = int(w.shape[0])
    net = float(w.sum()) if n else 0.0
    ess = effective_sample_size(w) if n else 0.0
    if n < need_events or not net > 0 or ess < need_ess:
        raise BenchError(
            f"{what} has {n} events, net weight {net:.4g} and effective sample size "
            f"{ess:.1f}, too few for {folds} folds: {each} needs {need_events} events, "
            f"a positive net weight and an effective sample size of {need_ess:.0f} or more "
            "(read more events: --max-entries, --cut, --samples)"
        )


def weights_summary(w: np.ndarray) -> dict[str, float]:
    # a summary, not a check: a non-positive net weight is reported, not raised
    sums = WeightSums.from_weights(w)
    n_events = int(w.shape[0])
    return {
        "n_events": n_events,
        "net_weight": float(sums.net[0]),
        "negative_fraction": float(sums.n_negative[0]) / n_events if n_events else 0.0,
        "effective_sample_size": effective_sample_size(w),
    }


def missing_fractions(X: pd.DataFrame) -> dict[str, float]:
    """The fraction of events whose value is missing (NaN), for each feature that has any.

    ``read_root`` gives NaN for an absent object (``"Jet_pt[0]"`` in an event without jets).
    """
    fractions = X.isna().mean(axis=0)
    return {str(c): float(f) for c, f in fractions.items() if f > 0}


def describe(data: BenchData) -> dict[str, Any]:
    """Events, negative fraction and Kish effective sample size, overall and per class, and
    the fraction of missing values of each feature that has any."""
    out: dict[str, Any] = {
        "source": data.source,
        "n_features": int(data.X.shape[1]),
        "features": list(map(str, data.X.columns)),
        "missing": missing_fractions(data.X),
        **weights_summary(data.sample_weight),
    }
    if data.class_names is not None:
        labels = np.unique(data.y).tolist()
        if data.signal_label in labels:
            out["signal_class"] = data.class_names[labels.index(data.signal_label)]
        out["classes"] = {
            name: weights_summary(data.sample_weight[data.y == label])
            for label, name in zip(np.unique(data.y), data.class_names, strict=True)
        }
    return out
