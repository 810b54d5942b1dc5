"""skl2onnx shape calculator and converter of :class:`~sklhep.BDTClassifier` and
:class:`~sklhep.BDTRegressor`: one ``TreeEnsembleClassifier``/``TreeEnsembleRegressor``
(``ai.onnx.ml``) with xgboost's trees, split rule, missing-value directions and base
score."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import logit

from sklhep.export._graph import (
    add_const,
    add_node,
    cast_input,
    classifier_output_types,
)
from sklhep.export._mlp import label_index

__all__ = [
    "bdt_classifier_shape",
    "bdt_regressor_shape",
    "booster_trees",
    "convert_bdt_classifier",
    "convert_bdt_regressor",
]


def booster_trees(booster: Any) -> tuple[dict[str, list[Any]], NDArray[np.float64], int]:
    """The nodes of every tree of an xgboost booster, as ONNX tree-ensemble attributes.

    Parameters
    ----------
    booster : xgboost.Booster
        A ``gbtree`` booster with numerical splits.

    Returns
    -------
    nodes : dict
        ``nodes_*`` lists and, per leaf, ``leaf_tree``, ``leaf_node``, ``leaf_target``
        and ``leaf_weight``.
    base_margin : ndarray of shape (n_outputs,)
        The starting margin (``base_score`` in the margin space).
    n_outputs : int
        1, or the number of classes.
    """
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    gbm = learner["gradient_booster"]
    if gbm.get("name") != "gbtree":
        raise ValueError(
            f"Only gbtree boosters can be exported to ONNX, this one is {gbm.get('name')!r}."
        )
    params = learner["learner_model_param"]
    base = np.asarray(json.loads(params["base_score"]), dtype=np.float64)
    objective = learner["objective"]["name"]
    if objective == "binary:logistic":
        base = logit(base.astype(np.float32).astype(np.float64))
    elif not objective.startswith(("reg:", "multi:")):
        raise ValueError(f"The xgboost objective {objective!r} has no ONNX export.")
    n_outputs = max(int(params.get("num_class", "0")), 1)
    if base.shape[0] == 1 and n_outputs > 1:
        base = np.repeat(base, n_outputs)
    trees = gbm["model"]["trees"]
    tree_info = gbm["model"]["tree_info"]
    out: dict[str, list[Any]] = {
        key: []
        for key in (
            "treeids",
            "nodeids",
            "featureids",
            "values",
            "modes",
            "truenodeids",
            "falsenodeids",
            "missing_tracks_true",
            "leaf_tree",
            "leaf_node",
            "leaf_target",
            "leaf_weight",
        )
    }
    for t, tree in enumerate(trees):
        if any(int(s) != 0 for s in tree.get("split_type", [])):
            raise ValueError("Trees with categorical splits cannot be exported to ONNX.")
        left = tree["left_children"]
        right = tree["right_children"]
        cond = tree["split_conditions"]
        feature = tree["split_indices"]
        default_left = tree["default_left"]
        for node in range(len(left)):
            out["treeids"].append(t)
            out["nodeids"].append(node)
            leaf = int(left[node]) == -1
            out["featureids"].append(0 if leaf else int(feature[node]))
            # xgboost goes left when x < split condition, and to default_left when missing
            out["values"].append(0.0 if leaf else float(cond[node]))
            out["modes"].append("LEAF" if leaf else "BRANCH_LT")
            out["truenodeids"].append(0 if leaf else int(left[node]))
            out["falsenodeids"].append(0 if leaf else int(right[node]))
            out["missing_tracks_true"].append(0 if leaf else int(bool(default_left[node])))
            if leaf:
                out["leaf_tree"].append(t)
                out["leaf_node"].append(node)
                out["leaf_target"].append(int(tree_info[t]))
                out["leaf_weight"].append(float(cond[node]))  # a leaf's value
    return out, base, n_outputs


def _prepare_input(scope: Any, container: Any, operator: Any) -> str:
    """The features as float32 (xgboost's), with ``missing`` mapped to NaN."""
    model = operator.raw_operator
    x = cast_input(
        scope, container, operator.inputs[0].full_name, operator.inputs[0].type, np.float32
    )
    missing = float(model.missing)
    if not np.isnan(missing):
        sentinel = add_const(scope, container, "missing", np.array(missing, dtype=np.float32))
        nan = add_const(scope, container, "nan", np.array(np.nan, dtype=np.float32))
        is_missing = add_node(scope, container, "Equal", [x, sentinel])
        x = add_node(scope, container, "Where", [is_missing, nan, x])
    return x


def _tree_attributes(nodes: dict[str, list[Any]]) -> dict[str, Any]:
    return {
        "nodes_treeids": nodes["treeids"],
        "nodes_nodeids": nodes["nodeids"],
        "nodes_featureids": nodes["featureids"],
        "nodes_values": nodes["values"],
        "nodes_modes": nodes["modes"],
        "nodes_truenodeids": nodes["truenodeids"],
        "nodes_falsenodeids": nodes["falsenodeids"],
        "nodes_missing_value_tracks_true": nodes["missing_tracks_true"],
    }


def bdt_classifier_shape(operator: Any) -> None:
    """skl2onnx shape calculator of :class:`~sklhep.BDTClassifier`."""
    model = operator.raw_operator
    classifier_output_types(operator, len(model.classes_), np.float32)


def bdt_regressor_shape(operator: Any) -> None:
    """skl2onnx shape calculator of :class:`~sklhep.BDTRegressor`."""
    from sklhep import extras

    types = extras.skl2onnx().common.data_types
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = types.FloatTensorType(shape=[n, 1])


def convert_bdt_classifier(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter of :class:`~sklhep.BDTClassifier`: ``TreeEnsembleClassifier``
    with ``post_transform`` LOGISTIC (two classes) or SOFTMAX."""
    model = operator.raw_operator
    nodes, base, _ = booster_trees(model.booster_)
    n_classes = len(model.classes_)
    x = _prepare_input(scope, container, operator)
    attrs = _tree_attributes(nodes)
    attrs.update(
        class_treeids=nodes["leaf_tree"],
        class_nodeids=nodes["leaf_node"],
        class_ids=nodes["leaf_target"],
        class_weights=nodes["leaf_weight"],
        classlabels_int64s=list(range(n_classes)),
        base_values=[float(b) for b in base],
        post_transform="LOGISTIC" if n_classes == 2 else "SOFTMAX",
    )
    index = scope.get_unique_variable_name("tree_label")
    probs = operator.outputs[1].full_name
    container.add_node(
        "TreeEnsembleClassifier",
        [x],
        [index, probs],
        op_domain="ai.onnx.ml",
        op_version=1,
        name=scope.get_unique_operator_name("TreeEnsembleClassifier"),
        **attrs,
    )
    label_index(scope, container, operator, probs)


def convert_bdt_regressor(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter of :class:`~sklhep.BDTRegressor`: ``TreeEnsembleRegressor``."""
    model = operator.raw_operator
    nodes, base, _ = booster_trees(model.booster_)
    x = _prepare_input(scope, container, operator)
    attrs = _tree_attributes(nodes)
    attrs.update(
        target_treeids=nodes["leaf_tree"],
        target_nodeids=nodes["leaf_node"],
        target_ids=nodes["leaf_target"],
        target_weights=nodes["leaf_weight"],
        n_targets=1,
        base_values=[float(b) for b in base],
        aggregate_function="SUM",
        post_transform="NONE",
    )
    container.add_node(
        "TreeEnsembleRegressor",
        [x],
        [operator.outputs[0].full_name],
        op_domain="ai.onnx.ml",
        op_version=1,
        name=scope.get_unique_operator_name("TreeEnsembleRegressor"),
        **attrs,
    )
