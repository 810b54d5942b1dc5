"""Registration of sklhep's converters with skl2onnx."""

from __future__ import annotations

__all__ = ["register_converters"]

_REGISTERED = False


def register_converters() -> None:
    """Register sklhep's estimators with skl2onnx (idempotent).

    After this call ``skl2onnx.to_onnx(model, X)`` converts :class:`~sklhep.MLPClassifier`,
    :class:`~sklhep.MLPRegressor`, :class:`~sklhep.BDTClassifier` and
    :class:`~sklhep.BDTRegressor`, alone or as the last step of a scikit-learn
    ``Pipeline``. The classifiers accept skl2onnx's ``zipmap`` option (pass
    ``options={"zipmap": False}`` for ``label`` and ``probabilities`` tensors).
    :func:`sklhep.export.to_onnx` calls it.

    Examples
    --------
    >>> import numpy as np
    >>> import skl2onnx
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklhep import BDTClassifier
    >>> from sklhep.export import register_converters
    >>> register_converters()
    >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    >>> pipe = make_pipeline(StandardScaler(), BDTClassifier(n_estimators=4, device="cpu"))
    >>> pipe = pipe.fit(X, X[:, 0] > 0)
    >>> onx = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    """
    global _REGISTERED
    if _REGISTERED:
        return
    from sklhep import extras
    from sklhep.ensemble import BDTClassifier, BDTRegressor
    from sklhep.export import _bdt, _mlp
    from sklhep.neural_network import MLPClassifier, MLPRegressor

    skl2onnx = extras.skl2onnx()
    classifier_options = {"zipmap": [True, False, "columns"], "nocl": [True, False]}
    table = [
        (MLPClassifier, "SklhepMLPClassifier", _mlp.mlp_classifier_shape,
         _mlp.convert_mlp_classifier, classifier_options),
        (MLPRegressor, "SklhepMLPRegressor", _mlp.mlp_regressor_shape,
         _mlp.convert_mlp_regressor, None),
        (BDTClassifier, "SklhepBDTClassifier", _bdt.bdt_classifier_shape,
         _bdt.convert_bdt_classifier, classifier_options),
        (BDTRegressor, "SklhepBDTRegressor", _bdt.bdt_regressor_shape,
         _bdt.convert_bdt_regressor, None),
    ]  # fmt: skip
    for cls, alias, shape, convert, options in table:
        # with the zipmap option, skl2onnx uses its classifier parser (label, probabilities)
        skl2onnx.update_registered_converter(cls, alias, shape, convert, options=options)
    _REGISTERED = True
