"""scikit-learn's estimator checks over every sklhep estimator.

Follows imbalanced-learn's ``tests/test_common.py``: the instances and the expected
failures (each with its reason) come from :mod:`sklhep.utils._test_common`.
"""

from __future__ import annotations

import warnings

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklhep.exceptions import ConstantModelWarning
from sklhep.utils._test_common.instance_generator import (
    _get_expected_failed_checks,
    _tested_estimators,
)


@parametrize_with_checks(
    list(_tested_estimators()), expected_failed_checks=_get_expected_failed_checks
)
def test_estimators_sklearn_compatible(estimator, check):
    # check_class_weight_classifiers gives a class 1e-7 of the net weight: the BDT's trees
    # rightly never split, and it says so (tested in tests/ensemble/test_bdt.py)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantModelWarning)
        check(estimator)


def test_every_public_estimator_is_checked():
    from sklearn.base import BaseEstimator

    import sklhep

    public = {
        name
        for name in sklhep.__all__
        if isinstance(getattr(sklhep, name), type)
        and issubclass(getattr(sklhep, name), BaseEstimator)
    }
    tested = {type(est).__name__ for est in _tested_estimators()}
    assert public == {
        "MLPClassifier",
        "MLPRegressor",
        "BDTClassifier",
        "BDTRegressor",
        "CrossEvaluator",
    }
    assert public <= tested
