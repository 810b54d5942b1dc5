"""Deterministic k-fold splitting by event number, the HEP convention."""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.model_selection import BaseCrossValidator

from sklhep._sklearn_compat import GroupsConsumerMixin, _num_samples

__all__ = ["EventNumberKFold"]


class EventNumberKFold(GroupsConsumerMixin, BaseCrossValidator):
    """K-fold cross-validation with the fold given by ``event_number % n_splits``.

    The event number (passed as ``groups``) decides the fold, as in TMVA's
    ``CrossValidation`` with ``SplitExpr="int([eventNumber])%int([NumFolds])"``: the
    assignment does not depend on the order of the events, on the other events in the
    sample, or on a random seed, so a model trained on folds != k can later be applied to
    any event of fold k (see :class:`sklhep.model_selection.CrossEvaluator`). Fold ``k``
    is the test set of split ``k``; all other folds are its training set.

    With metadata routing enabled it requests ``groups`` by default, so
    ``cross_validate(est, X, y, cv=EventNumberKFold(5), params={"groups": event_number})``
    and ``GridSearchCV(...).fit(X, y, groups=event_number)`` work.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.model_selection import EventNumberKFold
    >>> event_number = np.array([10, 11, 12, 13, 14, 15], dtype=np.uint64)
    >>> for train, test in EventNumberKFold(3).split(np.zeros((6, 1)), groups=event_number):
    ...     print(train, test)
    [0 1 3 4] [2 5]
    [1 2 4 5] [0 3]
    [0 2 3 5] [1 4]
    """

    def __init__(self, n_splits: int = 5) -> None:
        if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool):
            raise ValueError(f"n_splits must be an integer, got {n_splits!r}.")
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {n_splits}.")
        self.n_splits: int = int(n_splits)

    def fold_index(self, groups: ArrayLike | None) -> NDArray[np.intp]:
        """The fold of each event, ``event_number % n_splits``.

        Parameters
        ----------
        groups : array-like of shape (n_samples,)
            Integer event numbers (any integer dtype, including ``uint64``; floats must be
            integral).

        Returns
        -------
        ndarray of shape (n_samples,), dtype intp
        """
        if groups is None:
            raise ValueError(
                "EventNumberKFold needs the event numbers: pass them as groups=event_number "
                "(with metadata routing, params={'groups': event_number})."
            )
        arr = np.asarray(groups)
        if arr.ndim != 1:
            raise ValueError(f"groups (event numbers) must be one-dimensional, got {arr.shape}.")
        if arr.dtype.kind == "O":
            try:
                values = [int(v) for v in arr.tolist()]
            except (TypeError, ValueError):
                raise ValueError("groups (event numbers) must be integers.") from None
            return np.array([v % self.n_splits for v in values], dtype=np.intp)
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
                raise ValueError(
                    "groups (event numbers) must be integers; got non-integral floats."
                )
            return np.mod(arr, self.n_splits).astype(np.intp)
        if arr.dtype.kind not in "iu":
            raise ValueError(
                f"groups (event numbers) must be integers, got dtype {arr.dtype}. Convert "
                "them with np.asarray(event_number, dtype=np.uint64)."
            )
        if arr.dtype.kind == "u":
            return (arr % arr.dtype.type(self.n_splits)).astype(np.intp)
        return np.mod(arr, self.n_splits).astype(np.intp)

    def _iter_test_masks(
        self, X: Any = None, y: Any = None, groups: ArrayLike | None = None
    ) -> Iterator[NDArray[np.bool_]]:
        folds = self.fold_index(groups)
        if X is not None and _num_samples(X) != folds.shape[0]:
            raise ValueError(
                f"groups has {folds.shape[0]} event numbers but X has {_num_samples(X)} events."
            )
        counts = np.bincount(folds, minlength=self.n_splits)
        empty = np.flatnonzero(counts == 0)
        if empty.shape[0]:
            raise ValueError(
                f"Fold(s) {empty.tolist()} of EventNumberKFold(n_splits={self.n_splits}) have "
                f"no events among the {folds.shape[0]} given: use fewer folds or more events."
            )
        for k in range(self.n_splits):
            yield folds == k

    def split(
        self, X: Any, y: Any = None, groups: ArrayLike | None = None
    ) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp]]]:
        """Generate ``(train, test)`` indices; fold ``k`` is the test set of split ``k``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        groups : array-like of shape (n_samples,)
            The event numbers. Required.

        Yields
        ------
        train, test : ndarray of int
        """
        for test in self._iter_test_masks(X, y, groups):
            yield np.flatnonzero(~test), np.flatnonzero(test)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of splits, ``n_splits``."""
        return self.n_splits
