r"""Sample weights: the single owner of sklhep's signed-weight semantics.

Monte Carlo events carry per-event weights :math:`w_i`. NLO generators (aMC@NLO, Sherpa,
Powheg) produce a fraction of events with :math:`w_i < 0`; only the *net* (signed) sum over
many events is a physical distribution. Every estimator, metric and splitter in sklhep
goes through this module, so that weights mean the same thing everywhere:

* a weight multiplies the event's contribution to every sum (losses, histograms, metric
  numerators and denominators);
* a zero weight is the same as removing the event, an integer weight :math:`k` is the
  same as repeating the event :math:`k` times, and a :math:`+w/-w` pair on identical
  events cancels exactly;
* normalisations use the **net** sum :math:`\sum_i w_i` of the whole sample, never a
  subset's own sum (a mini-batch's sum can be zero or negative).

Negative-weight policies
------------------------
``negative_weights`` selects what an estimator trains on. It is the menu of TMVA's
``NegWeightTreatment`` option (TMVA Users Guide, section 8.13), done properly. Metrics and
validation losses always use the signed weights: the policy is about *training* only.

``"keep"`` (default)
    Train on the signed weights as they are. The weighted loss is an unbiased estimate of
    the loss under the net distribution, so the fit converges to the net (physical)
    distribution. Cost: a larger variance (see :func:`effective_sample_size`); in a region
    of feature space where too few events exist the local net weight can fluctuate below
    zero, and a very flexible model can over-fit there. TMVA calls this ``Pray``.
``"abs"``
    Train on :math:`|w_i|`. Biased: the negative-weight events are counted as positive, so
    the model learns the :math:`|w|` density instead of the net one. The bias grows with
    the negative fraction and is largest where the negative weights concentrate (hard
    emissions, high jet multiplicities).
``"drop"``
    Remove the negative-weight events from the training set (TMVA's
    ``IgnoreNegWeightsInTraining``). Biased: the model learns the positive-weight
    density, and the class normalisations grow. The events stay in every evaluation.
``"clip"``
    Set negative weights to zero and rescale the remaining positive weights so that each
    class (or, for regression, the whole sample) keeps its net weight sum. Shapes are as
    biased as with ``"drop"``; only the normalisations are preserved.

Functions
---------
:func:`check_sample_weight`
    Validate weights and return them as float64 (``None`` means unit weights).
:func:`apply_negative_weight_policy`
    Apply one of the policies above.
:func:`check_net_weight`, :func:`net_weight`
    Raise when the total net weight, or a class's net weight, is not positive (every
    estimator, metric and plot that divides by a net weight checks it here).
:func:`balanced_class_weight`
    ``class_weight="balanced"`` by net weight.
:func:`effective_sample_size`, :func:`check_effective_sample_size`
    Kish's effective sample size, and a warning when it is small.
:func:`prepare_training_weights`
    All of the above in the order an estimator's ``fit`` needs them.
:class:`WeightSums`, :func:`plan_training_weights`
    The same, as arithmetic on per-class sums, for callers that never hold all the
    weights in one array (the Dask path: one reduction, then a per-class factor).
:func:`merge_identical_events`
    Remove zero-weight events and merge identical ones, so that the invariances above
    hold exactly in every estimator's ``fit``.
:func:`weighted_mean`, :func:`weighted_std`, :func:`weighted_quantile`
    Signed-weight statistics.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep._sklearn_compat import _check_sample_weight, _num_samples
from sklhep.exceptions import LowEffectiveSampleSizeWarning

__all__ = [
    "MIN_EFFECTIVE_FRACTION",
    "NEGATIVE_WEIGHT_POLICIES",
    "PreparedWeights",
    "WeightPlan",
    "WeightSums",
    "apply_negative_weight_policy",
    "balanced_class_weight",
    "check_effective_sample_size",
    "check_negative_weight_policy",
    "check_net_weight",
    "check_sample_weight",
    "check_weight_index",
    "effective_sample_size",
    "has_negative_weights",
    "merge_identical_events",
    "merge_training_events",
    "net_weight",
    "normalize_weights",
    "plan_training_weights",
    "prepare_training_weights",
    "signed_leaf_weight",
    "weighted_mean",
    "weighted_quantile",
    "weighted_std",
]

NegativeWeightPolicy = Literal["keep", "abs", "drop", "clip"]

#: The accepted values of ``negative_weights``.
NEGATIVE_WEIGHT_POLICIES: tuple[str, ...] = ("keep", "abs", "drop", "clip")

#: :func:`check_effective_sample_size` warns when the Kish effective sample size falls
#: below this fraction of the number of events.
MIN_EFFECTIVE_FRACTION: float = 0.05


def check_sample_weight(
    sample_weight: ArrayLike | float | None,
    X: Any,
    *,
    name: str = "sample_weight",
    copy: bool = False,
) -> NDArray[np.float64]:
    """Validate per-event weights, accepting negative entries.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        The weights. ``None`` means unit weights and a scalar means the same weight for
        every event. Negative entries are allowed.
    X : array-like or int
        The data the weights belong to, or its number of events.
    name : str, default="sample_weight"
        The name used in error messages.
    copy : bool, default=False
        Return a copy even when the input is already a float64 array.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), dtype float64

    Raises
    ------
    ValueError
        If the weights are not numeric, not one-dimensional, of the wrong length, or
        contain NaN or infinity.

    Examples
    --------
    >>> from sklhep.weights import check_sample_weight
    >>> check_sample_weight([1, -0.5, 2], 3)  # negative NLO weights are accepted
    array([ 1. , -0.5,  2. ])
    >>> check_sample_weight(None, 3)
    array([1., 1., 1.])
    >>> check_sample_weight([1.0, float("nan")], 2)
    Traceback (most recent call last):
    ...
    ValueError: sample_weight contains 1 non-finite value(s) (NaN first at index 1)...
    """
    check_weight_index(sample_weight, X, name=name)
    n_samples = int(X) if isinstance(X, numbers.Integral) else _num_samples(X)
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float64)
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        value = float(sample_weight)
        if not np.isfinite(value):
            raise ValueError(f"{name} is {value}; weights must be finite numbers.")
        return np.full(n_samples, value, dtype=np.float64)

    arr = np.asarray(sample_weight)
    if arr.dtype.kind in "cbUSO" and not (
        arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in arr.ravel())
    ):
        what = {"c": "complex", "b": "boolean", "U": "string", "S": "bytes", "O": "object"}
        raise ValueError(
            f"{name} must be numeric (real numbers), got an array of {what[arr.dtype.kind]} dtype "
            f"{arr.dtype}. Convert the weights to floats, e.g. with np.asarray(w, dtype=float)."
        )
    if arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} must be numeric, got an array of dtype {arr.dtype} ({exc}). "
                "Convert the weights to floats, e.g. with np.asarray(w, dtype=float)."
            ) from None
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional with one entry per event, got shape "
            f"{arr.shape}. Use w.ravel() if it is a column vector."
        )
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but X has {n_samples} events: "
            "pass exactly one weight per event."
        )
    arr = arr.astype(np.float64, copy=copy)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(arr[first]) else "infinity"
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) ({kind} first at index "
            f"{first}). Fix or remove those events; weights must be finite (they may be "
            "negative)."
        )
    # scikit-learn's own checks (device and dtype handling), without the non-negative flag.
    return _check_sample_weight(arr, np.empty((n_samples, 0)), dtype=np.float64)


_HASH_BLOCK = 1 << 16


def _canonical_bits(values: NDArray[Any]) -> NDArray[np.uint64]:
    """A 2-D block as canonical unsigned bit patterns (widened to 64 bits): -0.0 is 0.0
    and every NaN the same NaN; float32 stays 32-bit wide (the float64 of a float32 is
    equal exactly when the float32 is, so the exact check in float64 agrees)."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64).view(np.uint64)
    if values.dtype.kind != "f" or values.dtype.itemsize not in (4, 8):
        values = np.asarray(values, dtype=np.float64)
    values = values + values.dtype.type(0)  # a copy; -0.0 + 0.0 == +0.0
    values[np.isnan(values)] = np.nan
    unsigned = np.uint32 if values.dtype.itemsize == 4 else np.uint64
    return values.view(unsigned).astype(np.uint64, copy=False)


def _row_bits(column: NDArray[Any]) -> NDArray[np.uint64]:
    """One column as canonical 64-bit patterns: -0.0 is 0.0, every NaN the same NaN."""
    values = np.asarray(column, dtype=np.float64) + 0.0  # -0.0 + 0.0 == +0.0
    values = np.where(np.isnan(values), np.nan, values)
    return values.view(np.uint64)


def merge_identical_events(
    sample_weight: NDArray[np.float64], *arrays: ArrayLike, by_sign: bool = False
) -> tuple[NDArray[np.intp] | None, NDArray[np.float64]]:
    """Remove zero-weight events and merge identical events into one.

    This is what makes the invariances of this module exact in a ``fit`` (not only in
    the loss): the training set of an estimator does not depend on how the same net
    distribution was written down. Events equal in every one of ``arrays`` (the features
    and the label or target, and any other per-event input such as the protected
    variable of a decorrelated fit) are merged into the first of them, with the sum of
    their weights; a merged or single event whose weight is zero is removed. So a zero
    weight is the same as removing the event, a :math:`+w/-w` pair on identical events
    cancels, and :math:`k` copies of an event are the same as one event with weight
    :math:`k`, for the quantile sketch, the count of events behind ``min_child_weight``,
    the early-stopping split and the mini-batches alike.

    With ``by_sign=True`` only events whose weights have the same sign merge: what the
    policies other than ``"keep"`` need, as they treat each negative-weight event on its
    own (``"abs"`` turns a +w/-w pair into two events of weight w, ``"drop"`` keeps the
    positive one); a zero weight is still a removal and k copies still one event of
    weight k.

    Equality is of the values as float64 (``-0.0`` equals ``0.0`` and NaN equals NaN, as
    a tree sees them). Merged weights are summed with :func:`math.fsum`, exactly rounded,
    so that a cancelling pair adds exactly nothing to the event it duplicates.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Validated weights (see :func:`check_sample_weight`).
    *arrays : array-like of shape (n_samples,) or (n_samples, n_columns)
        Numeric per-event arrays whose equality defines identical events.
    by_sign : bool, default=False
        Merge only events whose weights have the same sign (``negative_weights`` other
        than ``"keep"``).

    Returns
    -------
    index : ndarray of int or None
        The rows to keep, in their original order; ``None`` when no event is removed
        or merged (the common case: the caller keeps its arrays).
    sample_weight : ndarray of shape (n_kept,)
        The weights of the kept rows after merging.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import merge_identical_events
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [5.0, 6.0], [3.0, 4.0]])
    >>> y = np.array([0, 1, 0, 1, 1])
    >>> w = np.array([0.5, 1.0, 0.25, 0.0, -1.0])
    >>> index, merged = merge_identical_events(w, X, y)
    >>> index.tolist(), merged.tolist()  # row 2 merged into 0, row 4 cancels row 1
    ([0], [0.75])
    """
    weights = np.asarray(sample_weight, dtype=np.float64)
    n = weights.shape[0]
    blocks: list[NDArray[Any]] = []
    for array in arrays:
        values = np.asarray(array)
        if values.shape[0] != n:
            raise ValueError(
                f"merge_identical_events: an array has {values.shape[0]} rows, the weights {n}."
            )
        blocks.append(values.reshape(n, -1))
    if by_sign:
        blocks.append(np.sign(weights).reshape(n, 1))
    nonzero = np.flatnonzero(weights != 0.0)
    rows = nonzero if nonzero.shape[0] < n else None  # None: every row
    n_rows = n if rows is None else rows.shape[0]
    # A 64-bit hash per row finds the candidates; only rows sharing a hash are compared
    # exactly (a collision costs time, never a wrong merge). The hash is a sum of the
    # canonical bit patterns times fixed odd multipliers, in blocks of rows (bounded memory).
    n_columns = sum(block.shape[1] for block in blocks)
    multipliers = np.random.default_rng(0x5EED).integers(
        0, np.iinfo(np.uint64).max, size=n_columns, dtype=np.uint64, endpoint=True
    ) | np.uint64(1)
    hashes = np.empty(n_rows, dtype=np.uint64)
    for start in range(0, n_rows, _HASH_BLOCK):
        stop = min(start + _HASH_BLOCK, n_rows)
        part = slice(start, stop) if rows is None else rows[start:stop]
        h = np.zeros(stop - start, dtype=np.uint64)
        column = 0
        for block in blocks:
            bits = _canonical_bits(block[part])
            width = bits.shape[1]
            h += (bits * multipliers[column : column + width]).sum(axis=1, dtype=np.uint64)
            column += width
        hashes[start:stop] = h
    import pandas as pd  # only here: importing sklhep.weights stays light

    shared = pd.Series(hashes, copy=False).duplicated(keep=False).to_numpy()
    if not shared.any():
        if rows is None:
            return None, weights
        return rows, weights[rows]
    if rows is None:
        rows = np.arange(n)
    columns = [block[:, j] for block in blocks for j in range(block.shape[1])]
    candidates = np.flatnonzero(shared)
    keys = np.column_stack([_row_bits(column[rows[candidates]]) for column in columns])
    # rows with the same hash are one group if they are equal to its first row (always,
    # barring a 64-bit collision, which is then resolved by an exact grouping)
    group = pd.factorize(hashes[candidates])[0]
    first = np.empty(int(group.max()) + 1, dtype=np.intp)
    first[group[::-1]] = np.arange(group.shape[0] - 1, -1, -1)
    if not np.array_equal(keys, keys[first[group]]):
        group = np.asarray(np.unique(keys, axis=0, return_inverse=True)[1]).reshape(-1)
    keep = np.ones(rows.shape[0], dtype=bool)
    merged = weights[rows].copy()
    by_group = np.lexsort((candidates, group))  # each group's members in original order
    starts = np.flatnonzero(np.r_[True, np.diff(group[by_group]) != 0])
    for members in np.split(candidates[by_group], starts[1:]):
        if members.shape[0] > 1:
            merged[members[0]] = math.fsum(merged[members].tolist())
            keep[members[1:]] = False
    keep &= merged != 0.0
    return rows[keep], merged[keep]


def merge_training_events(
    sample_weight: NDArray[np.float64], *arrays: ArrayLike, negative_weights: str = "keep"
) -> tuple[NDArray[np.intp] | None, NDArray[np.float64]]:
    """:func:`merge_identical_events` as every estimator's ``fit`` applies it.

    With ``negative_weights="keep"`` every identical event merges (a +w/-w pair cancels);
    the other policies act on each generated event, so only events of the same sign merge
    (``by_sign=True``). Raises a ``ValueError`` when nothing is left to train on.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Validated weights.
    *arrays : array-like of shape (n_samples,) or (n_samples, n_columns)
        The features, the label or target, and any other per-event input.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        The estimator's policy.

    Returns
    -------
    index : ndarray of int or None
        The rows to keep (None: all, unchanged).
    sample_weight : ndarray of shape (n_kept,)
        Their weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import merge_training_events
    >>> X, y = np.zeros((2, 1)), np.zeros(2)
    >>> merge_training_events(np.array([1.0, -1.0]), X, y, negative_weights="abs")
    (None, array([ 1., -1.]))
    """
    index, merged = merge_identical_events(
        sample_weight, *arrays, by_sign=negative_weights != "keep"
    )
    if index is not None and index.shape[0] == 0:
        raise ValueError(
            "Every event has a zero weight, or the weights of identical events cancel: "
            "nothing is left to train on. Check the weights (sample_weight)."
        )
    return index, merged


def check_weight_index(sample_weight: Any, X: Any, *, name: str = "sample_weight") -> None:
    """Raise when a pandas ``sample_weight`` and a pandas ``X`` have different indexes.

    scikit-learn matches weights to events by position. A weight Series whose index differs
    from the DataFrame's (after a selection, a shuffle or a merge) would silently be given
    to the wrong events; sklhep refuses it instead of guessing.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, 2.0]}, index=[10, 11])
    >>> check_weight_index(pd.Series([1.0, 2.0], index=[10, 11]), X)
    >>> check_weight_index(pd.Series([1.0, 2.0], index=[11, 10]), X)
    Traceback (most recent call last):
    ...
    ValueError: sample_weight is a pandas Series whose index differs from X's index...
    """
    w_index = getattr(sample_weight, "index", None)
    x_index = getattr(X, "index", None)
    if w_index is None or x_index is None or not hasattr(X, "columns"):
        return
    if len(w_index) != len(x_index) or w_index.equals(x_index):
        return  # a length mismatch is reported with the lengths
    raise ValueError(
        f"{name} is a pandas Series whose index differs from X's index, so its weights would "
        "be given to other events (scikit-learn matches them by position). Align them "
        f"first: {name}.reindex(X.index) (or {name}.loc[X.index]), or pass "
        f"{name}.to_numpy() if the order is already right."
    )


def check_negative_weight_policy(policy: str) -> str:
    """Return ``policy`` if it names a negative-weight policy, else raise ValueError.

    Examples
    --------
    >>> from sklhep.weights import check_negative_weight_policy
    >>> check_negative_weight_policy("clip")
    'clip'
    >>> check_negative_weight_policy("flip")
    Traceback (most recent call last):
    ...
    ValueError: negative_weights='flip' is not one of ['keep', 'abs', 'drop', 'clip'].
    """
    if policy not in NEGATIVE_WEIGHT_POLICIES:
        raise ValueError(
            f"negative_weights={policy!r} is not one of {list(NEGATIVE_WEIGHT_POLICIES)}."
        )
    return policy


def has_negative_weights(sample_weight: NDArray[np.floating]) -> bool:
    """Whether any weight is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import has_negative_weights
    >>> has_negative_weights(np.array([1.0, -0.2, 0.5]))
    True
    >>> has_negative_weights(np.ones(3))
    False
    """
    return bool(np.any(sample_weight < 0))


def _net_sums(
    sample_weight: NDArray[np.float64], groups: ArrayLike | None
) -> tuple[NDArray[Any], NDArray[np.intp], NDArray[np.float64]]:
    """Unique groups, each event's group index, and each group's net weight."""
    if groups is None:
        return (
            np.array([None], dtype=object),
            np.zeros(sample_weight.shape[0], dtype=np.intp),
            np.array([sample_weight.sum()]),
        )
    uniques, inverse = np.unique(np.asarray(groups), return_inverse=True)
    inverse = inverse.reshape(-1)
    # With weights, bincount returns float64 already (numpy's stubs say intp): no copy.
    sums = np.bincount(inverse, weights=sample_weight, minlength=uniques.shape[0])
    return uniques, inverse, sums.astype(np.float64, copy=False)


_TRAINING_TOTAL = (
    "Nothing can be learned from a non-positive net distribution: check the weights' signs "
    "and normalisation."
)
_TRAINING_CLASS = (
    "A classifier cannot learn a class whose net weight is not positive: add events of that "
    "class, check its weights, or train with negative_weights='abs' or 'drop' (biased)."
)


def check_net_weight(
    sample_weight: NDArray[np.float64],
    y: ArrayLike | None = None,
    *,
    what: str = "the training data",
    why: str | None = None,
) -> None:
    """Raise ValueError when the net weight is not positive.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Validated weights.
    y : array-like of shape (n_samples,), default=None
        Class labels. When given, each class's net weight must be positive too.
    what : str, default="the training data"
        What the weights belong to, for the message.
    why : str, default=None
        What a non-positive net weight breaks and how to fix it, for the message; by
        default the training messages.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import check_net_weight
    >>> w = np.array([1.0, -0.5, 2.0, 2.0])
    >>> check_net_weight(w, y=[0, 0, 1, 1])  # both classes have a positive net weight
    >>> check_net_weight(np.array([1.0, -1.5, 2.0, 2.0]), y=[0, 0, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: In the training data, class 0 has net sample weight -0.5 <= 0 ...
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    negative = (w < 0).astype(np.float64)
    _check_positive_sums(
        np.array([w.sum()]), np.array([w.shape[0]]), np.array([negative.sum()]), None, what, why
    )
    if y is None:
        return
    uniques, inverse, net = _net_sums(w, y)
    counts = np.bincount(inverse, minlength=uniques.shape[0])
    n_negative = np.bincount(inverse, weights=negative, minlength=uniques.shape[0])
    _check_positive_sums(net, counts, n_negative, uniques, what, why)


def net_weight(
    sample_weight: ArrayLike, *, what: str = "the sample", why: str = "it is undefined"
) -> float:
    r"""The net weight :math:`\sum_i w_i`, or a ValueError when it is not positive.

    For every quantity normalised by a net weight (a weighted mean loss, a CDF, an
    efficiency, a histogram density). ``what`` names the weights and ``why`` says what a
    non-positive sum breaks, for the message.

    Examples
    --------
    >>> from sklhep.weights import net_weight
    >>> net_weight([1.0, -0.25, 0.5])
    1.25
    >>> net_weight([1.0, -2.0], what="the validation sample")
    Traceback (most recent call last):
    ...
    ValueError: The total net sample weight of the validation sample is -1 <= 0 ...
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    total = float(w.sum())
    if not total > 0:
        _check_positive_sums(
            np.array([total]), np.array([w.shape[0]]), np.array([(w < 0).sum()]), None, what, why
        )
    return total


def normalize_weights(
    sample_weight: ArrayLike,
    target: float | Mapping[Any, float] = 1.0,
    *,
    groups: ArrayLike | None = None,
    what: str = "the sample",
) -> NDArray[np.float64]:
    """Scale the weights so that the net sum (of each group) equals ``target``.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,)
        Signed weights.
    target : float or mapping, default=1.0
        The net sum after scaling; with ``groups``, a float for every group or a mapping
        from group label to its target (groups not in the mapping keep their weights).
    groups : array-like of shape (n_samples,), default=None
        Group (e.g. class) labels; ``None`` scales the whole sample.
    what : str, default="the sample"
        What the weights belong to, for the message.

    Returns
    -------
    ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        If a scaled group's net weight is not positive.

    Examples
    --------
    >>> normalize_weights([1.0, -0.5, 1.5], 10.0).tolist()
    [5.0, -2.5, 7.5]
    >>> normalize_weights([1.0, 3.0, 2.0], {0: 1.0, 1: 4.0}, groups=[0, 0, 1]).tolist()
    [0.25, 0.75, 4.0]
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    uniques, inverse, net = _net_sums(w, groups)
    labels = uniques.tolist()
    if isinstance(target, Mapping):
        targets = np.array([float(target.get(c, np.nan)) for c in labels])
    else:
        targets = np.full(len(labels), float(target))
    scaled = ~np.isnan(targets)
    counts = np.bincount(inverse, minlength=len(labels))
    n_negative = np.bincount(inverse, weights=(w < 0) * 1.0, minlength=len(labels))
    _check_positive_sums(
        net[scaled],
        counts[scaled],
        n_negative[scaled],
        None if groups is None else uniques[scaled],
        what,
        "Weights cannot be normalised to a non-positive net sum.",
    )
    factors = np.where(scaled, targets / np.where(scaled, net, 1.0), 1.0)
    return w * factors[inverse]


def _check_positive_sums(
    net: NDArray[np.float64],
    n_events: NDArray[Any],
    n_negative: NDArray[Any],
    classes: NDArray[Any] | None,
    what: str,
    why: str | None = None,
) -> None:
    """Raise for the first group whose net weight is not positive (``classes=None``: the
    total of the whole sample)."""
    for k in np.flatnonzero(~(np.asarray(net) > 0)):
        counts = f"({int(n_events[k])} events, {int(n_negative[k])} with negative weight)"
        if classes is None:
            raise ValueError(
                f"The total net sample weight of {what} is {net[k]:.6g} <= 0 {counts}. "
                f"{why or _TRAINING_TOTAL}"
            )
        raise ValueError(
            f"In {what}, class {np.asarray(classes).tolist()[k]!r} has net sample weight "
            f"{net[k]:.6g} <= 0 {counts}. {why or _TRAINING_CLASS}"
        )


class WeightSums(NamedTuple):
    """Per-group sums of signed weights: all that the policies and net checks need.

    Groups are the classes of a classifier (in the order of its ``classes_``), or one
    group for a regressor. An in-memory caller gets them from :meth:`from_weights`; a
    distributed caller computes the same four sums in one reduction.
    """

    #: :math:`\sum w` per group.
    net: NDArray[np.float64]
    #: :math:`\sum \max(w, 0)` per group.
    positive: NDArray[np.float64]
    #: Events with a non-zero weight per group: a zero weight removes the event, so it
    #: counts nowhere (not in the unit of ``normalize="events"`` either).
    n_events: NDArray[np.float64]
    #: Events with :math:`w < 0` per group.
    n_negative: NDArray[np.float64]

    @classmethod
    def from_weights(
        cls, sample_weight: ArrayLike, group_index: ArrayLike | None = None, n_groups: int = 1
    ) -> WeightSums:
        """The sums of an in-memory sample (``group_index``: each event's group code)."""
        w = np.asarray(sample_weight, dtype=np.float64)
        g = np.zeros(w.shape[0], np.intp) if group_index is None else np.asarray(group_index)

        def total(values: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
            return np.bincount(g, weights=values, minlength=n_groups).astype(np.float64)

        return cls(
            total(w), total(np.maximum(w, 0.0)), total((w != 0) * 1.0), total((w < 0) * 1.0)
        )

    @staticmethod
    def dask_reductions(sample_weight: Any, group_index: Any, n_groups: int) -> dict[str, Any]:
        """The four sums of Dask arrays, as lazy reductions: compute them (with other
        reductions, in one pass) and build ``WeightSums(**computed)``."""
        import dask.array as da

        w = sample_weight

        def total(values: Any) -> Any:
            return da.bincount(group_index, weights=values, minlength=n_groups)

        return {
            "net": total(w),
            "positive": total(da.maximum(w, 0.0)),
            "n_events": total((w != 0).astype(np.float64)),
            "n_negative": total((w < 0).astype(np.float64)),
        }


Transform = Literal["none", "abs", "zero_negative"]


class WeightPlan(NamedTuple):
    """What :func:`plan_training_weights` says to do to each event's weight.

    Every policy, class weight and normalisation maps a weight :math:`w` of group
    :math:`g` to ``factors[g] * transform(w)``; :meth:`apply` does that, on numpy or Dask
    arrays alike, so that the in-memory and the distributed fits train on the same weights.
    """

    #: The negative-weight policy the plan implements.
    policy: str
    #: The element-wise step: ``"none"``, ``"abs"`` (:math:`|w|`) or ``"zero_negative"``
    #: (:math:`\max(w, 0)`: a zero weight removes the event, as ``"drop"`` does).
    transform: Transform
    #: Per-group factors applied after ``transform`` (``"clip"`` rescaling, class weights
    #: and the optional normalisation).
    factors: NDArray[np.float64]
    #: Per-group net training weight after both steps.
    net: NDArray[np.float64]
    #: Events left in training (``"drop"`` removes the negative ones).
    n_events: float

    def apply(self, sample_weight: Any, group_index: Any = None) -> Any:
        """The training weights: ``factors[group] * transform(w)``.

        ``sample_weight`` and ``group_index`` (each event's group code; ``None`` for one
        group) may be numpy or Dask arrays. Events that ``"drop"`` removes get weight 0;
        use :meth:`keep_mask` to remove them from an in-memory sample instead.
        """
        w = sample_weight
        if self.transform == "abs":
            w = abs(w)
        elif self.transform == "zero_negative":
            w = np.maximum(w, 0.0)
        factors = np.asarray(self.factors, dtype=np.float64)
        if np.all(factors == 1.0):
            return w * 1.0
        if group_index is None or factors.shape[0] == 1:
            return w * float(factors[0])
        if hasattr(group_index, "map_blocks"):  # a Dask array: block by block
            return w * group_index.map_blocks(lambda b: factors[b], dtype=np.float64)
        return w * factors[np.asarray(group_index)]

    def keep_mask(self, sample_weight: NDArray[np.float64]) -> NDArray[np.bool_] | None:
        r"""The events kept in training (``"drop"``: those with :math:`w \ge 0`), or ``None``
        when every event is kept."""
        if self.policy != "drop":
            return None
        keep = ~(np.asarray(sample_weight) < 0)
        return None if keep.all() else keep


_POLICY_ADVICE = {
    "keep": "or train with negative_weights='abs' or 'drop' (biased)",
    "drop": "or train with negative_weights='abs' (biased): 'drop' removed the class's "
    "negative-weight events and left no positive net weight",
    "clip": "or train with negative_weights='abs' (biased): 'clip' keeps each class's net "
    "weight, which must be positive",
    "abs": "(with negative_weights='abs' its weights are all zero)",
}


def _class_advice(policy: str) -> str:
    return (
        "A classifier cannot learn a class whose net weight is not positive: add events of "
        f"that class, check its weights, {_POLICY_ADVICE.get(policy, '')}."
    )


def plan_training_weights(
    sums: WeightSums,
    negative_weights: NegativeWeightPolicy | str = "keep",
    *,
    classes: ArrayLike | None = None,
    class_weight: Literal["balanced"] | Mapping[Any, float] | None = None,
    normalize: Literal["events", "unit"] | bool | None = None,
    what: str = "the training data",
    check: bool = True,
) -> WeightPlan:
    """The one implementation of the negative-weight policies, class weights and
    normalisation, as arithmetic on per-group sums.

    Every policy maps a weight to ``factor[group] * transform(w)``, so a caller that
    cannot hold the weights in one array (Dask) gets the same training weights from one
    reduction (:class:`WeightSums`) and one element-wise pass (:meth:`WeightPlan.apply`)
    as an in-memory caller (:func:`prepare_training_weights`). The checks and messages are
    those of :func:`check_net_weight`.

    Parameters
    ----------
    sums : WeightSums
        Per-group sums of the signed weights.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
    classes : array-like of shape (n_groups,), default=None
        The class of each group (classifiers); ``None`` for one regression group.
    class_weight : "balanced", dict or None, default=None
        Classifiers only; ``"balanced"`` by net weight after the policy.
    normalize : {"events", "unit"} or None, default=None
        ``"events"``: scale so that the net sum is the number of training events with a
        non-zero weight (a mean weight of 1, so that weight-based hyperparameters are in
        units of events; zero-weight events do not count, so adding them changes nothing);
        ``"unit"``: a net sum of 1. ``True`` means ``"events"``.
    what : str, default="the training data"
        What the weights belong to, for the messages.
    check : bool, default=True
        Require a positive net weight in total and, with ``classes``, per class. ``"clip"``
        and ``class_weight="balanced"`` always require it (they divide by the net sums).

    Returns
    -------
    WeightPlan

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import WeightSums, plan_training_weights
    >>> w, y = np.array([1.0, -0.5, 2.0, 2.0]), np.array([0, 0, 1, 1])
    >>> sums = WeightSums.from_weights(w, y, n_groups=2)
    >>> plan = plan_training_weights(sums, "clip", classes=[0, 1])
    >>> plan.transform, plan.factors  # max(w, 0), rescaled to keep each class's net weight
    ('zero_negative', array([0.5, 1. ]))
    >>> plan.apply(w, y)
    array([0.5, 0. , 2. , 2. ])
    """
    check_negative_weight_policy(negative_weights)
    # ``net`` is each group's net weight after the policy ("clip" restores the original)
    net = np.asarray(sums.net, dtype=np.float64)
    positive = np.asarray(sums.positive, dtype=np.float64)
    n_negative = np.asarray(sums.n_negative, dtype=np.float64)
    counts = np.asarray(sums.n_events, dtype=np.float64)
    labels = None if classes is None else np.asarray(classes)
    advice = _class_advice(negative_weights)
    policy_factors = np.ones(net.shape[0])
    transform: Transform = "none"
    n_train = counts.copy()
    if n_negative.any() and negative_weights != "keep":
        if negative_weights == "abs":
            transform, net = "abs", 2.0 * positive - net
        elif negative_weights == "drop":
            transform, net, n_train = "zero_negative", positive, counts - n_negative
        else:  # clip
            _check_positive_sums(net, counts, n_negative, labels, what, advice)
            transform, n_train = "zero_negative", counts - n_negative
            policy_factors = net / np.where(positive > 0, positive, 1.0)
    n_events = float(n_train.sum())
    balanced = isinstance(class_weight, str)
    if check or balanced or normalize:
        total_why = None if check else "Weights cannot be normalised to a non-positive net sum."
        _check_positive_sums(
            np.array([net.sum()]),
            np.array([counts.sum()]),
            np.array([n_negative.sum()]),
            None,
            what,
            total_why,
        )
    class_factors = np.ones(net.shape[0])
    if labels is not None:
        if check or balanced:
            _check_positive_sums(net, counts, n_negative, labels, what, advice)
        class_factors = _class_weight_factors(class_weight, labels, net, n_events)
    factors, net = policy_factors * class_factors, net * class_factors
    if normalize:
        target = 1.0 if normalize == "unit" else n_events
        scale = target / float(net.sum())
        factors, net = factors * scale, net * scale
    return WeightPlan(str(negative_weights), transform, factors, net, n_events)


def _group_codes(
    groups: ArrayLike, classes: ArrayLike | None = None
) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """The group labels and each event's code; with ``classes``, codes into ``classes``
    (groups with no event keep their place)."""
    g = np.asarray(groups)
    if classes is None:
        uniques, inverse = np.unique(g, return_inverse=True)
        return uniques, inverse.reshape(-1).astype(np.intp)
    uniques = np.asarray(classes)
    codes = np.searchsorted(uniques, g)
    if g.shape[0] and (
        np.any(codes >= uniques.shape[0])
        or np.any(uniques[np.minimum(codes, len(uniques) - 1)] != g)
    ):
        unknown = np.setdiff1d(g, uniques).tolist()
        raise ValueError(f"Labels {unknown} are not among the classes {uniques.tolist()}.")
    return uniques, codes.astype(np.intp)


def apply_negative_weight_policy(
    sample_weight: NDArray[np.float64],
    policy: NegativeWeightPolicy | str = "keep",
    *,
    groups: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_] | None]:
    """Apply a negative-weight policy (see the module docstring for their biases).

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Validated signed weights.
    policy : {"keep", "abs", "drop", "clip"}, default="keep"
        The policy.
    groups : array-like of shape (n_samples,), default=None
        Class labels. ``"clip"`` preserves each group's net weight; without groups it
        preserves the total.

    Returns
    -------
    weights : ndarray of shape (n_kept,)
        The weights to train with. For ``"drop"`` only the kept events' weights.
    mask : ndarray of bool of shape (n_samples,) or None
        The events kept, or ``None`` when every event is kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import apply_negative_weight_policy
    >>> w = np.array([1.0, -0.5, 2.0])
    >>> apply_negative_weight_policy(w, "keep")
    (array([ 1. , -0.5,  2. ]), None)
    >>> apply_negative_weight_policy(w, "abs")
    (array([1. , 0.5, 2. ]), None)
    >>> apply_negative_weight_policy(w, "drop")
    (array([1., 2.]), array([ True, False,  True]))
    >>> weights, _ = apply_negative_weight_policy(w, "clip")  # keeps the net weight 2.5
    >>> np.round(weights, 4), round(float(weights.sum()), 4)
    (array([0.8333, 0.    , 1.6667]), 2.5)
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    uniques, inverse = (None, None) if groups is None else _group_codes(groups)
    n_groups = 1 if uniques is None else uniques.shape[0]
    plan = plan_training_weights(
        WeightSums.from_weights(w, inverse, n_groups), policy, classes=uniques, check=False
    )
    mask = plan.keep_mask(w)
    out = plan.apply(w, inverse)
    return (out if mask is None else out[mask]), mask


def balanced_class_weight(
    y: ArrayLike,
    sample_weight: NDArray[np.float64],
    class_weight: Literal["balanced"] | Mapping[Any, float] | None = "balanced",
) -> NDArray[np.float64]:
    """Per-event weights with the classes re-weighted, by *net* weight.

    With ``"balanced"``, every class is scaled so that its net weight sum is the same and
    the mean weight over all events is 1: event :math:`i` of class :math:`c` gets
    :math:`w_i \\cdot n / (K \\cdot W_c)` with :math:`W_c = \\sum_{j \\in c} w_j`, :math:`K`
    classes and :math:`n` events. A mapping multiplies each class's weights by its value;
    ``None`` returns the weights unchanged.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    sample_weight : ndarray of shape (n_samples,)
        Signed weights; each class's net weight must be positive.
    class_weight : "balanced", dict or None, default="balanced"

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import balanced_class_weight
    >>> y = np.array([0, 0, 1, 1])
    >>> w = np.array([1.0, -0.5, 2.0, 2.0])  # net weights: 0.5 (class 0), 4 (class 1)
    >>> balanced = balanced_class_weight(y, w)
    >>> balanced
    array([ 4., -2.,  1.,  1.])
    >>> float(balanced[y == 0].sum()), float(balanced[y == 1].sum())
    (2.0, 2.0)
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    if class_weight is None:
        return w.copy()
    uniques, inverse = _group_codes(y)
    plan = plan_training_weights(
        WeightSums.from_weights(w, inverse, uniques.shape[0]),
        classes=uniques,
        class_weight=class_weight,
        check=False,
    )
    return np.asarray(plan.apply(w, inverse), dtype=np.float64)


def _class_weight_factors(
    class_weight: Literal["balanced"] | Mapping[Any, float] | None,
    classes: NDArray[Any],
    net: NDArray[np.float64],
    n_events: float,
) -> NDArray[np.float64]:
    """Each class's ``class_weight`` factor; ``"balanced"`` is :math:`n / (K W_c)`."""
    if class_weight is None:
        return np.ones(np.asarray(classes).shape[0])
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}."
            )
        return n_events / (np.asarray(classes).shape[0] * np.asarray(net, dtype=np.float64))
    if isinstance(class_weight, Mapping):
        labels = np.asarray(classes).tolist()
        unknown = set(class_weight) - set(labels)
        if unknown:
            raise ValueError(
                f"class_weight has labels {sorted(map(repr, unknown))} that are not in y "
                f"(classes: {labels})."
            )
        return np.array([float(class_weight.get(c, 1.0)) for c in labels])
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}.")


def effective_sample_size(sample_weight: ArrayLike) -> float:
    r"""Kish's effective sample size :math:`(\sum w)^2 / \sum w^2`.

    It is the number of unit-weight events that would give the same statistical precision
    on a weighted mean (L. Kish, *Survey Sampling*, Wiley, 1965). Cancelling positive and
    negative weights reduce it: with a fraction :math:`f` of weights :math:`-1` among
    :math:`+1`, it is :math:`n(1-2f)^2`. Returns 0 for all-zero weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import effective_sample_size
    >>> effective_sample_size(np.ones(4))
    4.0
    >>> effective_sample_size([1.0, 1.0, 1.0, -1.0])  # n (1 - 2f)^2 with f = 1/4
    1.0
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    sum_sq = float(np.dot(w, w))
    if sum_sq == 0.0:
        return 0.0
    return float(w.sum()) ** 2 / sum_sq


#: ``min_child_weight="auto"``'s scale: a leaf must hold this many times the mean
#: per-event Hessian times the statistics that cancellations cost (measured on the Z+jets
#: NLO sample; ``benchmarks/defaults_signed.py``).
SIGNED_LEAF_SCALE = 200.0


def signed_leaf_weight(
    sums: WeightSums, factors: ArrayLike | None = None, *, classifier: bool = True
) -> float:
    r"""The least Hessian sum of a leaf that a signed-weight BDT fit needs (``"auto"``).

    .. math::

        \max\Bigl(1,\; 200\, \bar h_0 \Bigl[\Bigl(\frac{\sum |w|}{\sum w}\Bigr)^2 - 1\Bigr]\Bigr)

    over the training weights (``factors[g]`` times each group's sums). The bracket is the
    statistics lost to cancelling weights (it is 0 without negative weights, so the result
    is then 1, xgboost's default); :math:`\bar h_0` is the mean Hessian per event at the
    starting score: :math:`\frac{1}{K}\sum_k \pi_k (1 - \pi_k)` over the classes' net
    fractions :math:`\pi_k` for a classifier (:math:`\pi(1-\pi)` for two classes), 1 for a
    regressor. A Hessian sum, not a count of events: with unbalanced classes a fixed
    ``min_child_weight`` of 10-100 can forbid every split, which this scaling avoids.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import WeightSums, signed_leaf_weight
    >>> w, y = np.array([1.0, 1.0, -0.5, 1.0, 1.0, -0.5]), np.array([0, 0, 0, 1, 1, 1])
    >>> round(signed_leaf_weight(WeightSums.from_weights(w, y, 2)), 1)
    88.9
    >>> signed_leaf_weight(WeightSums.from_weights(np.ones(6), y, 2))
    1.0
    """
    f = np.ones_like(sums.net) if factors is None else np.asarray(factors, dtype=np.float64)
    net = f * sums.net
    absolute = f * (2.0 * sums.positive - sums.net)
    total = float(net.sum())
    if not np.any(sums.n_negative > 0) or total <= 0.0:
        return 1.0
    inflation = (float(absolute.sum()) / total) ** 2 - 1.0
    if classifier:
        pi = net / total
        h0 = float(np.mean(pi * (1.0 - pi))) if pi.shape[0] > 2 else float(pi[0] * (1 - pi[0]))
    else:
        h0 = 1.0
    return max(1.0, SIGNED_LEAF_SCALE * h0 * max(inflation, 0.0))


def check_effective_sample_size(
    sample_weight: NDArray[np.float64],
    y: ArrayLike | None = None,
    *,
    min_fraction: float = MIN_EFFECTIVE_FRACTION,
    stacklevel: int = 2,
) -> float:
    """Warn when the Kish effective sample size is below ``min_fraction`` of the events.

    For classifiers (``y`` given) each class is checked on its own. Returns the effective
    sample size of the whole sample.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklhep.weights import check_effective_sample_size
    >>> check_effective_sample_size(np.ones(10))
    10.0
    >>> w = np.array([1.0, -1.0] * 50 + [1.0])  # 101 events, almost all cancelling
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ess = check_effective_sample_size(w)
    >>> ess, caught[0].category.__name__
    (0.009900990099009901, 'LowEffectiveSampleSizeWarning')
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    ess = effective_sample_size(w)
    if y is None:
        parts = [(None, w)]
    else:
        uniques, inverse, _ = _net_sums(w, y)
        parts = [(c, w[inverse == k]) for k, c in enumerate(uniques.tolist())]
    for label, part in parts:
        part_ess = effective_sample_size(part)
        if part.shape[0] and part_ess < min_fraction * part.shape[0]:
            where = "the sample" if label is None else f"class {label!r}"
            warnings.warn(
                f"The effective sample size of {where} is {part_ess:.1f}, only "
                f"{part_ess / part.shape[0]:.1%} of its {part.shape[0]} events: the weights "
                "cancel or vary strongly, so expect large statistical uncertainties.",
                LowEffectiveSampleSizeWarning,
                stacklevel=stacklevel,
            )
    return ess


class PreparedWeights(NamedTuple):
    """The result of :func:`prepare_training_weights`."""

    #: The training weights, one per kept event.
    sample_weight: NDArray[np.float64]
    #: The events kept (``"drop"`` policy), or ``None`` when all are kept.
    mask: NDArray[np.bool_] | None


def prepare_training_weights(
    sample_weight: ArrayLike | None,
    X: Any,
    y: ArrayLike | None = None,
    *,
    negative_weights: NegativeWeightPolicy | str = "keep",
    class_weight: Literal["balanced"] | Mapping[Any, float] | None = None,
    classifier: bool = False,
    classes: ArrayLike | None = None,
    normalize: Literal["events", "unit"] | None = None,
    what: str = "the training data",
    warn_ess: bool = True,
) -> PreparedWeights:
    """Validate weights and turn them into training weights, as every ``fit`` does.

    :func:`check_sample_weight`, then per-class :class:`WeightSums`, one
    :func:`plan_training_weights` (the policy, the net checks in total and per class, the
    class weights and the normalisation) and :meth:`WeightPlan.apply`; then
    :func:`check_effective_sample_size`. The Dask fit runs the same plan on sums computed
    on the cluster.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
    X : array-like or int
        The features (or their number of events).
    y : array-like of shape (n_samples,), default=None
        Targets; used as class labels when ``classifier`` is true.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
    class_weight : "balanced", dict or None, default=None
        Classifiers only.
    classifier : bool, default=False
    classes : array-like of shape (n_classes,), default=None
        Every class the model has (sorted), when ``y`` may lack some: a class without a
        positive net weight in ``y`` is then an error, not silently left out.
    normalize : {"events", "unit"} or None, default=None
        See :func:`plan_training_weights`.
    what : str, default="the training data"
        What the weights belong to, for the messages.
    warn_ess : bool, default=True
        Warn when the effective sample size is small.

    Returns
    -------
    PreparedWeights
        ``(sample_weight, mask)``; apply ``mask`` to X and y when it is not ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.weights import prepare_training_weights
    >>> X, y = np.zeros((4, 2)), np.array([0, 0, 1, 1])
    >>> w = np.array([1.0, -0.5, 2.0, 2.0])
    >>> prepared = prepare_training_weights(w, X, y, classifier=True, negative_weights="drop")
    >>> prepared.sample_weight, prepared.mask  # train on X[mask], y[mask]
    (array([1., 2., 2.]), array([ True, False,  True,  True]))
    >>> prepare_training_weights(w, X, y, classifier=True, normalize="unit").sample_weight
    array([ 0.22222222, -0.11111111,  0.44444444,  0.44444444])
    """
    w = check_sample_weight(sample_weight, X)
    labels = np.asarray(y) if (classifier and y is not None) else None
    uniques, inverse = (None, None) if labels is None else _group_codes(labels, classes)
    n_groups = 1 if uniques is None else uniques.shape[0]
    plan = plan_training_weights(
        WeightSums.from_weights(w, inverse, n_groups),
        negative_weights,
        classes=uniques,
        class_weight=class_weight if labels is not None else None,
        normalize=normalize,
        what=what,
    )
    mask = plan.keep_mask(w)
    out = np.asarray(plan.apply(w, inverse), dtype=np.float64)
    if mask is not None:
        out = out[mask]
        labels = None if labels is None else labels[mask]
    if warn_ess:
        check_effective_sample_size(out, labels, stacklevel=3)
    return PreparedWeights(out, mask)


def weighted_mean(
    x: ArrayLike, sample_weight: ArrayLike | None = None, *, axis: int = 0
) -> NDArray[np.float64] | float:
    """Weighted mean :math:`\\sum w x / \\sum w` along ``axis``; the net sum must be positive.

    Examples
    --------
    >>> from sklhep.weights import weighted_mean
    >>> float(weighted_mean([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, -0.5, 1.0]))  # 5.5 / 2.5
    2.2
    """
    x = np.asarray(x, dtype=np.float64)
    w = check_sample_weight(sample_weight, x.shape[axis])
    total = net_weight(w, why="A weighted mean needs a positive net weight.")
    return np.tensordot(w, np.moveaxis(x, axis, 0), axes=1) / total


def weighted_std(
    x: ArrayLike, sample_weight: ArrayLike | None = None, *, axis: int = 0
) -> NDArray[np.float64] | float:
    """Weighted standard deviation :math:`\\sqrt{\\sum w (x-\\bar x)^2 / \\sum w}`.

    With negative weights the weighted variance of a finite sample can come out negative
    (a statistical fluctuation); it is clipped at zero.

    Examples
    --------
    >>> from sklhep.weights import weighted_std
    >>> round(float(weighted_std([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, -0.5, 1.0])), 4)
    1.3266
    >>> float(weighted_std([1.0, 2.0, 3.0], [1.0, 1.0, -0.5]))  # negative variance, clipped
    0.0
    """
    x = np.asarray(x, dtype=np.float64)
    w = check_sample_weight(sample_weight, x.shape[axis])
    mean = weighted_mean(x, w, axis=axis)
    dev = np.moveaxis(x, axis, 0) - mean
    var = np.tensordot(w, dev * dev, axes=1) / w.sum()
    return np.sqrt(np.maximum(var, 0.0))


def weighted_quantile(
    x: ArrayLike, q: ArrayLike, sample_weight: ArrayLike | None = None
) -> NDArray[np.float64] | float:
    r"""Quantiles of a signed-weight sample.

    Let :math:`F(t) = \sum_{x_i \le t} w_i / \sum_i w_i` be the weighted empirical CDF. With
    non-negative weights it is non-decreasing and the :math:`q`-quantile is the usual
    :math:`Q(q) = \min\{x_i : F(x_i) \ge q\}` (the "inverted CDF" definition, numpy's
    ``method="inverted_cdf"`` for unit weights). With negative weights :math:`F` can go
    down, and even outside :math:`[0, 1]`, in a region where the local net weight is
    negative; the same definition -- the *first* sorted value at which the net cumulative
    weight reaches :math:`q` -- is kept. It equals the quantile of the running maximum of
    :math:`F`, the smallest non-decreasing envelope of the net CDF, so it is monotone in
    :math:`q` and exact whenever the net distribution's CDF is non-decreasing. The net sum
    must be positive.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
    q : float or array-like of floats in [0, 1]
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    float or ndarray of the shape of ``q``

    Examples
    --------
    >>> from sklhep.weights import weighted_quantile
    >>> x, w = [1.0, 2.0, 3.0, 4.0], [1.0, -0.5, 1.0, 1.0]
    >>> weighted_quantile(x, 0.5, w)
    3.0
    >>> weighted_quantile(x, [0.25, 0.75], w)
    array([1., 4.])
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    w = check_sample_weight(sample_weight, x.shape[0])
    q_arr = np.asarray(q, dtype=np.float64)
    if np.any((q_arr < 0) | (q_arr > 1)) or not np.all(np.isfinite(q_arr)):
        raise ValueError(f"Quantile levels must lie in [0, 1], got {q!r}.")
    if x.shape[0] == 0:
        raise ValueError("Cannot take a quantile of an empty sample.")
    total = net_weight(w, why="Quantiles need a positive net weight.")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    # Merge ties, so that the cumulative weight is evaluated only after all equal values.
    last_of_run = np.r_[xs[1:] != xs[:-1], True]
    cdf = np.cumsum(w[order])[last_of_run] / total
    values = xs[last_of_run]
    envelope = np.maximum.accumulate(cdf)
    idx = np.searchsorted(envelope, q_arr * (1 - 1e-12), side="left")
    result = values[np.minimum(idx, values.shape[0] - 1)]
    return float(result) if q_arr.ndim == 0 else result
