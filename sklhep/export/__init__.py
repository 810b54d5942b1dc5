"""Export of sklhep models to ONNX, for ONNX Runtime (Python, C++) and ROOT's TMVA SOFIE.

:func:`to_onnx` converts :class:`~sklhep.MLPClassifier`, :class:`~sklhep.MLPRegressor`,
:class:`~sklhep.BDTClassifier`, :class:`~sklhep.BDTRegressor`, scikit-learn ``Pipeline``
objects that end in one of them (with preprocessing steps skl2onnx converts:
``StandardScaler``, ``SimpleImputer``, ...) and :class:`~sklhep.CrossEvaluator`.
:func:`register_converters` registers the four estimators with skl2onnx, so that
``skl2onnx.to_onnx`` converts them too. See ``docs/deployment.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sklhep.export._register import register_converters

__all__ = ["register_converters", "to_onnx"]

#: Name of the features input of every exported graph.
INPUT_NAME = "X"


def _classifier_options(model: Any, options: dict[int, dict[str, Any]]) -> None:
    """``zipmap=False`` for every classifier in ``model`` (Pipeline steps included)."""
    from sklearn.base import is_classifier

    steps = getattr(model, "steps", None)
    if steps is not None:
        for _, step in steps:
            if step is not None and step != "passthrough":
                _classifier_options(step, options)
    elif is_classifier(model):
        options[id(model)] = {"zipmap": False}


def _sample(X_sample: Any) -> Any:
    X = X_sample.to_numpy() if hasattr(X_sample, "to_numpy") else np.asarray(X_sample)
    if X.ndim != 2:
        raise ValueError(
            f"X_sample must be 2-D (n_samples, n_features), got shape {X.shape}: pass a "
            "few rows of the training features."
        )
    return X


def _to_onnx(model: Any, X: Any, target_opset: Any) -> Any:
    from sklhep import __version__, extras

    skl2onnx = extras.skl2onnx()
    types = skl2onnx.common.data_types
    tensor = types.DoubleTensorType if X.dtype == np.float64 else types.FloatTensorType
    options: dict[int, dict[str, Any]] = {}
    _classifier_options(model, options)
    try:
        proto = skl2onnx.to_onnx(
            model,
            initial_types=[(INPUT_NAME, tensor([None, int(X.shape[1])]))],
            target_opset=target_opset,
            options=options,
        )
    except (RuntimeError, NotImplementedError) as exc:
        if "Unable to find a shape calculator" in str(exc) or "converter" in str(exc):
            raise TypeError(
                f"{type(model).__name__} (or one of its steps) has no ONNX converter: "
                "sklhep exports its four estimators and the scikit-learn steps skl2onnx "
                f"supports (see docs/deployment.md). skl2onnx said: {exc}"
            ) from exc
        raise
    entry = proto.metadata_props.add()
    entry.key, entry.value = "sklhep_version", __version__
    return proto


def to_onnx(model: Any, X_sample: Any, *, target_opset: int | dict[str, int] | None = None) -> Any:
    """Convert a fitted sklhep model (or a Pipeline ending in one) to ONNX.

    Parameters
    ----------
    model : estimator
        A fitted :class:`~sklhep.MLPClassifier`, :class:`~sklhep.MLPRegressor`,
        :class:`~sklhep.BDTClassifier`, :class:`~sklhep.BDTRegressor`, a scikit-learn
        ``Pipeline`` whose last step is one of them and whose other steps skl2onnx
        converts, or a :class:`~sklhep.CrossEvaluator` of those with
        ``cv=EventNumberKFold(k)``.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of features. Only its dtype and number of columns are used: float64
        gives a double input (preprocessing steps then run in double, as in
        scikit-learn), anything else a float input. DataFrames are taken as one matrix.
    target_opset : int or dict, default=None
        The ONNX opset (an int for the default domain, or ``{"": 17, "ai.onnx.ml": 3}``);
        ``None`` is the latest skl2onnx supports.

    Returns
    -------
    onnx.ModelProto
        Input ``X`` (n_samples, n_features) and, for a ``CrossEvaluator``, ``event_number``
        (int64, n_samples). Outputs ``label`` (n_samples,) and ``probabilities``
        (n_samples, n_classes) for classifiers, ``variable`` (n_samples, n_outputs) for
        regressors.

    Raises
    ------
    TypeError
        When a step has no converter.
    ModuleNotFoundError
        Without the ``onnx`` extra (``pip install 'sklhep[onnx]'``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep import BDTClassifier
    >>> from sklhep.export import to_onnx
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> clf = BDTClassifier(n_estimators=5, device="cpu").fit(X, X[:, 0] > 0)
    >>> [o.name for o in to_onnx(clf, X[:1]).graph.output]
    ['label', 'probabilities']
    """
    from sklearn.utils.validation import check_is_fitted

    from sklhep.export._cross import cross_evaluator_graph
    from sklhep.model_selection import CrossEvaluator

    register_converters()
    X = _sample(X_sample)
    if X.dtype != np.float64:
        X = X.astype(np.float32)
    if isinstance(model, CrossEvaluator):
        check_is_fitted(model)
        folds = [_to_onnx(est, X, target_opset) for est in model.estimators_]
        proto = cross_evaluator_graph(model, folds)
        from sklhep import __version__

        entry = proto.metadata_props.add()
        entry.key, entry.value = "sklhep_version", __version__
        return proto
    check_is_fitted(model)
    return _to_onnx(model, X, target_opset)
