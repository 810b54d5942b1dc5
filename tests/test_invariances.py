"""The weight invariances hold exactly in every estimator's fit, with default parameters.

A zero weight is the same as removing the event, a +w/-w pair of identical events cancels,
and an integer weight k is the same as k copies of the event -- for the predictions of a
fitted model, not only for the loss. sklhep gets there by merging identical events before
anything counts, splits or batches events (sklhep.weights.merge_identical_events); these
tests failed before it (the BDT changed by up to 0.5 with zero-weight rows or a cancelling
pair, the MLP's batches and early-stopping split moved).
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklhep import BDTClassifier, BDTRegressor, MLPClassifier, MLPRegressor
from sklhep.exceptions import SklhepWarning
from sklhep.weights import merge_identical_events

N = 2500


def _data(regression: bool):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, 4))
    t = X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=N)
    y = t if regression else (t > 0).astype(int)
    w = np.where(rng.random(N) < 0.2, -1.0, 1.0) * rng.uniform(0.5, 1.5, N)
    return X, y, w


# Defaults, except fewer MLP epochs (speed) and early stopping on where asked: the
# early-stopping split is where a changed event count moved every event before.
ESTIMATORS = [
    pytest.param(BDTClassifier, {}, id="BDTClassifier"),
    pytest.param(BDTRegressor, {}, id="BDTRegressor"),
    pytest.param(BDTClassifier, {"early_stopping": True}, id="BDTClassifier-es"),
    pytest.param(MLPClassifier, {"max_epochs": 4}, id="MLPClassifier"),
    pytest.param(MLPRegressor, {"max_epochs": 4}, id="MLPRegressor"),
    pytest.param(MLPClassifier, {"max_epochs": 4, "early_stopping": True}, id="MLPClassifier-es"),
]


def _fit_output(cls, params, X, y, w, X_eval):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklhepWarning)
        model = cls(random_state=0, **params).fit(X, y, sample_weight=w)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X_eval)
    return model.predict(X_eval)


def _variants(X, y, w, regression):
    """(name, X', y', w') that must give exactly the fit on (X, y, w)."""
    rng = np.random.default_rng(11)
    out = []
    # zero-weight events inserted at random positions
    at = np.sort(rng.choice(N, 60, replace=False))
    Z = rng.normal(size=(60, X.shape[1]))
    yz = rng.normal(size=60) if regression else rng.integers(0, 2, 60)
    out.append(
        (
            "zero weights",
            np.insert(X, at, Z, axis=0),
            np.insert(y, at, yz),
            np.insert(w, at, 0.0),
        )
    )
    # a +w/-w pair duplicating an event, and a pair of a new event
    i = 17
    new = rng.normal(size=(1, X.shape[1]))
    out.append(
        (
            "cancelling pairs",
            np.vstack([X, X[[i, i]], new, new]),
            np.r_[y, y[[i, i]], y[[0, 0]]],
            np.r_[w, 0.37, -0.37, 2.5, -2.5],
        )
    )
    return out


@pytest.mark.parametrize(("cls", "params"), ESTIMATORS)
def test_zero_weights_and_cancelling_pairs_change_nothing(cls, params):
    regression = cls in (BDTRegressor, MLPRegressor)
    X, y, w = _data(regression)
    reference = _fit_output(cls, params, X, y, w, X)
    for name, X2, y2, w2 in _variants(X, y, w, regression):
        np.testing.assert_array_equal(_fit_output(cls, params, X2, y2, w2, X), reference, name)


@pytest.mark.parametrize(("cls", "params"), ESTIMATORS)
def test_an_integer_weight_equals_that_many_copies(cls, params):
    regression = cls in (BDTRegressor, MLPRegressor)
    X, y, w = _data(regression)
    rows = np.array([3, 40, 41, 900])
    k = np.array([3, 2, 5, 4])
    w_k = w.copy()
    w_k[rows] = k * np.sign(w[rows])  # signed integer weights
    copies = np.repeat(rows, k - 1)
    X_c, y_c = np.vstack([X, X[copies]]), np.r_[y, y[copies]]
    w_c = w.copy()
    w_c[rows] = np.sign(w[rows])
    w_c = np.r_[w_c, np.sign(w[copies])]
    np.testing.assert_array_equal(
        _fit_output(cls, params, X_c, y_c, w_c, X), _fit_output(cls, params, X, y, w_k, X)
    )


def test_protected_is_part_of_the_event():
    """With decorrelation, events that differ only in the protected variable stay apart."""
    X = np.zeros((4, 2))
    y = np.array([0, 0, 1, 1])
    w = np.array([1.0, -1.0, 1.0, 1.0])
    index, merged = merge_identical_events(w, X, y, np.array([1.0, 2.0, 3.0, 3.0]))
    assert index.tolist() == [0, 1, 2]
    assert merged.tolist() == [1.0, -1.0, 2.0]


def test_everything_cancelling_is_a_clear_error():
    X = np.ones((4, 2))
    y = np.array([0, 0, 1, 1])
    w = np.array([1.0, -1.0, 2.0, -2.0])
    for est in (BDTClassifier(n_estimators=2), MLPClassifier(max_epochs=1)):
        with pytest.raises(ValueError, match=r"zero weight|cancel|net weight"):
            est.fit(X, y, sample_weight=w)


def _brute_force(w, keys):
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, key in enumerate(map(tuple, keys)):
        if w[i] != 0:
            groups[key].append(i)
    kept = sorted((members[0], math.fsum(w[members].tolist())) for members in groups.values())
    kept = [(i, s) for i, s in kept if s != 0]
    return [i for i, _ in kept], [s for _, s in kept]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from([0.0, -0.0, 1.5, float("nan")]),
            st.integers(0, 1),
            st.sampled_from([0.0, 1.0, -1.0, 0.1, 0.7, -0.7, 2.0]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_merge_matches_a_brute_force_grouping(rows):
    a = np.array([r[0] for r in rows], dtype=float)
    b = np.array([r[1] for r in rows])
    y = np.array([r[2] for r in rows])
    w = np.array([r[3] for r in rows])
    X = np.column_stack([a, b])
    index, merged = merge_identical_events(w, X, y)
    # keys as a tree sees them: -0.0 is 0.0, every NaN the same
    keys = [
        (ai, "nan" if np.isnan(bi) else bi + 0.0, yi) for ai, bi, yi in zip(a, b, y, strict=True)
    ]
    expected_index, expected_w = _brute_force(w, keys)
    got_index = list(range(len(w))) if index is None else index.tolist()
    assert got_index == expected_index
    assert merged.tolist() == expected_w


@pytest.mark.parametrize("policy", ["abs", "drop", "clip"])
@pytest.mark.parametrize("cls", [BDTClassifier, MLPClassifier])
def test_other_policies_keep_zero_weights_and_copies_exact(cls, policy):
    """The policies act on each generated event (abs turns a +w/-w pair into two events
    of weight w): only same-sign events merge, so a zero weight and k copies stay exact."""
    params = {"negative_weights": policy}
    if cls is MLPClassifier:
        params["max_epochs"] = 3
    X, y, w = _data(False)
    reference = _fit_output(cls, params, X, y, w, X)
    _, X2, y2, w2 = _variants(X, y, w, False)[0]  # zero weights
    np.testing.assert_array_equal(_fit_output(cls, params, X2, y2, w2, X), reference)
    rows = np.array([5, 6])  # one positive, one negative weight: copies of each
    k = 3
    w_k = w.copy()
    w_k[rows] = k * w[rows]
    copies = np.repeat(rows, k - 1)
    np.testing.assert_array_equal(
        _fit_output(cls, params, np.vstack([X, X[copies]]), np.r_[y, y[copies]],
                    np.r_[w, w[copies]], X),
        _fit_output(cls, params, X, y, w_k, X),
    )  # fmt: skip


def test_by_sign_merges_only_same_sign_events():
    X = np.zeros((4, 1))
    y = np.zeros(4, dtype=int)
    w = np.array([1.0, -1.0, 2.0, -0.5])
    index, merged = merge_identical_events(w, X, y, by_sign=True)
    assert index.tolist() == [0, 1]
    assert merged.tolist() == [3.0, -1.5]
    assert merge_identical_events(w, X, y)[1].tolist() == [1.5]


def test_hash_collisions_never_merge_different_events(monkeypatch):
    """Every row hashed alike (a forced collision): the exact grouping still decides."""
    import sklhep.weights as weights_module

    monkeypatch.setattr(
        weights_module,
        "_canonical_bits",
        lambda values: np.zeros((values.shape[0], 1), dtype=np.uint64),
    )
    rng = np.random.default_rng(5)
    for _ in range(20):
        X = rng.integers(0, 3, size=(30, 2)).astype(float)
        y = rng.integers(0, 2, 30)
        w = rng.choice([0.0, 1.0, -1.0, 0.5, 2.0], 30)
        index, merged = merge_identical_events(w, X, y)
        keys = [(a, b, c) for (a, b), c in zip(X.tolist(), y.tolist(), strict=True)]
        expected_index, expected_w = _brute_force(w, keys)
        assert (list(range(30)) if index is None else index.tolist()) == expected_index
        assert merged.tolist() == expected_w
