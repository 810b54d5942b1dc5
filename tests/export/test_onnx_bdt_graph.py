"""The BDT graph: small TreeEnsembleRegressor nodes (events-parallel in ONNX Runtime),
summed into margins, on every ai.onnx.ml opset."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep import BDTClassifier, BDTRegressor
from sklhep.export import to_onnx
from sklhep.export._bdt import TREES_PER_NODE

ort = pytest.importorskip("onnxruntime")


def _run(proto, X):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {"X": X}), strict=True))


def _data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    z = X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=n)
    w = np.where(rng.random(n) < 0.2, -0.3, 1.0)
    return X, z, w


def _tree_counts(proto):
    nodes = [n for n in proto.graph.node if n.domain == "ai.onnx.ml"]
    counts = []
    for node in nodes:
        attrs = {a.name: a for a in node.attribute}
        counts.append(len(set(attrs["nodes_treeids"].ints)))
    return [n.op_type for n in nodes], counts


@pytest.mark.parametrize("opset", [None, {"": 13, "ai.onnx.ml": 1}, {"": 21, "ai.onnx.ml": 3}])
def test_three_class_graph_is_small_regressor_nodes_on_any_ml_opset(opset):
    X, z, w = _data()
    y = np.digitize(z, [-0.5, 0.5])
    # 5 rounds x 3 classes: each class's 5 trees in nodes of 2, 2 and 1
    clf = BDTClassifier(n_estimators=5, max_depth=3, device="cpu", random_state=0, n_jobs=1)
    clf.fit(X, y, sample_weight=w)
    proto = to_onnx(clf, X[:1], target_opset=opset)
    ops, counts = _tree_counts(proto)
    assert set(ops) == {"TreeEnsembleRegressor"}
    assert max(counts) == TREES_PER_NODE == 2
    assert sum(counts) == 15
    ml = {o.domain: o.version for o in proto.opset_import}["ai.onnx.ml"]
    assert ml == 1  # the operator's first version: every runtime with ai.onnx.ml reads it
    out = _run(proto, X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(out["label"], clf.predict(X))


def test_single_leaf_trees_and_a_binary_margin():
    X, z, w = _data(1)
    X[:, 2] = 1.0  # a constant feature never splits
    clf = BDTClassifier(n_estimators=3, device="cpu", random_state=0, n_jobs=1)
    clf.fit(X[:, 2:], (z > 0).astype(int), sample_weight=w)  # only the constant feature
    assert clf.booster_.trees_to_dataframe()["Feature"].eq("Leaf").all()
    out = _run(to_onnx(clf, X[:1, 2:]), X[:, 2:])
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X[:, 2:]), atol=1e-6)


def test_regressor_with_missing_values_over_many_nodes():
    X, z, w = _data(2)
    X[np.random.default_rng(3).random(X.shape) < 0.2] = np.nan
    reg = BDTRegressor(n_estimators=9, max_depth=4, device="cpu", random_state=0, n_jobs=1)
    reg.fit(X, 4.0 * z + 30.0, sample_weight=w)
    proto = to_onnx(reg, X[:1])
    assert sum(_tree_counts(proto)[1]) == 9
    out = _run(proto, X)
    np.testing.assert_allclose(out["variable"].ravel(), reg.predict(X), rtol=1e-5)
