"""Estimator instances and expected check failures for ``tests/test_common.py``.

Modelled on imbalanced-learn's ``imblearn/utils/_test_common``: each estimator family has
one module (``_mlp``, ``_bdt``, ``_model_selection``) defining

* ``TESTED_ESTIMATORS``: instances with fast parameters for scikit-learn's check suite;
* ``XFAIL_CHECKS``: ``{EstimatorClass: {check_name: reason}}``, allowed only where
  scikit-learn's own MLP or HistGradientBoosting expects the same failure.
"""
