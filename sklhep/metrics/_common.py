"""Input checks shared by the metrics (private)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.weights import check_sample_weight, net_weight

__all__ = [
    "binary_inputs",
    "check_finite_1d",
    "check_scaled",
    "class_codes",
    "labels_1d",
    "rescale_weights",
]

_T = TypeVar("_T")


def rescale_weights(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    r"""``(w * 2**-e, e)`` with the largest :math:`|w| 2^{-e}` in :math:`[1/2, 1)`.

    Multiplying by a power of two is exact in floating point (bar weights more than
    :math:`2^{1022}` times smaller than the largest, which do not matter next to it), so
    every ratio of weighted sums is unchanged, while sums, products and squares of the
    rescaled weights can neither overflow nor underflow: a metric that is invariant to a
    global weight scale gives the same answer for ``w``, ``1e300 * w`` and ``1e-300 * w``.
    ``np.ldexp(w_scaled, e)`` gives the weights back.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics._common import rescale_weights
    >>> rescale_weights(np.array([3.0, -1.0]))
    (array([ 0.75, -0.25]), 2)
    >>> w, e = rescale_weights(np.array([1e300, -5e299]))  # squares would overflow
    >>> float(np.max(np.abs(w))), e, bool(np.all(np.ldexp(w, e) == [1e300, -5e299]))
    (0.7466108948025751, 997, True)
    """
    if w.shape[0] == 0:
        return w, 0
    largest = float(np.max(np.abs(w)))
    if largest == 0.0:
        return w, 0
    exponent = int(np.frexp(largest)[1])
    return np.ldexp(w, -exponent), exponent


def check_scaled(
    check: Callable[[NDArray[np.float64]], _T], w: NDArray[np.float64], exponent: int
) -> _T:
    """``check(w)`` on weights rescaled by :func:`rescale_weights`; when it raises, the
    error is reported in the caller's units (``check`` on the original weights), so a
    message quotes the net weight the caller passed, not the rescaled one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics._common import check_scaled, rescale_weights
    >>> from sklhep.weights import net_weight
    >>> w, e = rescale_weights(np.array([1e300, -3e300]))
    >>> check_scaled(net_weight, w, e)  # the message quotes the caller's net weight
    Traceback (most recent call last):
    ...
    ValueError: The total net sample weight of the sample is -2e+300 <= 0 ...
    """
    try:
        return check(w)
    except ValueError as exc:
        error = exc
    with np.errstate(over="ignore", under="ignore"):
        check(np.ldexp(w, exponent))  # raises the same error, in the caller's units
    raise error  # the caller-scale sum overflowed: report the rescaled one


def check_finite_1d(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a finite one-dimensional float64 array, or raise ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics._common import check_finite_1d
    >>> check_finite_1d([[1], [2]], "y_score")  # a column vector is accepted
    array([1., 2.])
    >>> check_finite_1d([1.0, np.nan], "y_score")
    Traceback (most recent call last):
    ...
    ValueError: y_score contains 1 NaN or infinite value(s) (first at index 1); remove or fix ...
    """
    arr = np.asarray(x)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got an array of shape {arr.shape}.")
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric ({exc}).") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first at index "
            f"{int(np.flatnonzero(bad)[0])}); remove or fix those events."
        )
    return arr


def labels_1d(y_true: ArrayLike) -> NDArray[Any]:
    """``y_true`` as a one-dimensional array of labels.

    Examples
    --------
    >>> from sklhep.metrics._common import labels_1d
    >>> labels_1d([[0], [1], [1]])
    array([0, 1, 1])
    """
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y_true must be one-dimensional labels, got shape {y.shape}.")
    return y


def class_codes(y: NDArray[Any], classes: NDArray[Any]) -> NDArray[np.intp]:
    """Each event's index in ``classes`` (any order), or ``len(classes)`` for a label that
    is not among them. :math:`O(n \\log K)`, no loop over events.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics._common import class_codes
    >>> class_codes(np.array(["bkg", "sig", "ttbar", "sig"]), np.array(["sig", "bkg"]))
    array([1, 0, 2, 0])
    """
    n_classes = classes.shape[0]
    if n_classes == 0:
        return np.zeros(y.shape[0], dtype=np.intp)
    order = np.argsort(classes, kind="stable")
    pos = np.minimum(np.searchsorted(classes[order], y), n_classes - 1)
    return np.where(classes[order][pos] == y, order[pos], n_classes).astype(np.intp)


def binary_inputs(
    y_true: ArrayLike,
    y_score: ArrayLike,
    sample_weight: ArrayLike | None,
    pos_label: Any = None,
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64], int]:
    """Validate a binary problem: ``(is_signal, score, weight, exponent)``.

    The positive ("signal") class is ``pos_label`` when given, else the larger of the two
    sorted labels (1 for {0, 1}, True for booleans). The net weight of each class must be
    positive. The weights come back rescaled by a power of two (:func:`rescale_weights`):
    the caller's weights are ``np.ldexp(weight, exponent)``.

    Examples
    --------
    >>> from sklhep.metrics._common import binary_inputs
    >>> is_signal, score, w, e = binary_inputs([0, 1, 1], [0.2, 0.9, 0.6], [1.0, -0.5, 1.0])
    >>> is_signal, score
    (array([False,  True,  True]), array([0.2, 0.9, 0.6]))
    >>> w, e  # rescaled by 2**-e: the caller's weights are np.ldexp(w, e)
    (array([ 0.5 , -0.25,  0.5 ]), 1)
    """
    y = labels_1d(y_true)
    score = np.asarray(y_score)
    if score.ndim == 2 and score.shape[1] == 2:
        score = score[:, 1]  # predict_proba output: the positive-class column
    score = check_finite_1d(score, "y_score")
    if y.shape[0] != score.shape[0]:
        raise ValueError(
            f"y_true has {y.shape[0]} events but y_score has {score.shape[0]}; pass one score "
            "per event."
        )
    w, exponent = rescale_weights(check_sample_weight(sample_weight, y.shape[0]))
    classes = np.unique(y)
    if pos_label is None:
        if classes.shape[0] > 2:
            raise ValueError(
                f"y_true has {classes.shape[0]} classes {classes.tolist()[:10]}; this metric "
                "needs a binary problem (signal vs background)."
            )
        if classes.shape[0] < 2:
            raise ValueError(
                f"y_true contains only one class ({classes.tolist()}); signal and background "
                "events are both needed."
            )
        pos_label = classes[-1]
    elif classes.shape[0] > 2:
        raise ValueError(f"y_true has {classes.shape[0]} classes; a binary problem is needed.")
    is_signal = y == pos_label
    if not is_signal.any() or is_signal.all():
        raise ValueError(
            f"y_true must contain both signal (pos_label={pos_label!r}) and background events; "
            f"it has only {classes.tolist()}."
        )
    for name, mask in (("signal", is_signal), ("background", ~is_signal)):
        check = partial(
            net_weight,
            what=f"the {name} class",
            why="Efficiencies are undefined: check the weights or use a larger sample.",
        )
        check_scaled(check, w[mask], exponent)
    return is_signal, score, w, exponent
