"""skl2onnx shape calculator and converter of :class:`~sklhep.BDTClassifier` and
:class:`~sklhep.BDTRegressor`: xgboost's trees (split rule, missing-value directions, base
score) as ``TreeEnsembleRegressor`` nodes (``ai.onnx.ml`` 1) of a few trees each, summed
into the margins, then ``Sigmoid``/``Softmax`` for the classifier."""

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
from sklhep.export._mlp import probabilities_and_label

__all__ = [
    "bdt_classifier_shape",
    "bdt_regressor_shape",
    "booster_trees",
    "convert_bdt_classifier",
    "convert_bdt_regressor",
    "ensemble_margin",
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


#: Trees per ``TreeEnsembleRegressor`` node. ONNX Runtime parallelises a node over its
#: events only when it has no more trees than threads (over its trees otherwise, with a
#: synchronisation every 128 events, which is slow); two trees per node keep every thread
#: count from 2 up on the events path (one thread runs 128-event blocks either way).
TREES_PER_NODE = 2


def _target_trees(nodes: dict[str, list[Any]], target: int) -> dict[int, list[int]]:
    """Node positions (into ``nodes``) of every tree that adds to ``target``, by tree."""
    leaf_target = dict(zip(nodes["leaf_tree"], nodes["leaf_target"], strict=True))
    trees: dict[int, list[int]] = {}
    for i, t in enumerate(nodes["treeids"]):
        if leaf_target.get(t) == target:
            trees.setdefault(t, []).append(i)
    return trees


def _regressor_node(
    scope: Any,
    container: Any,
    x: str,
    nodes: dict[str, list[Any]],
    group: list[list[int]],
    base: float,
) -> str:
    """One single-target ``TreeEnsembleRegressor`` (``ai.onnx.ml`` 1) over ``group``, a
    list of trees given by their node positions; returns its (n_samples, 1) output."""
    attrs: dict[str, list[Any]] = {
        key: []
        for key in (
            "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values",
            "nodes_modes", "nodes_truenodeids", "nodes_falsenodeids",
            "nodes_missing_value_tracks_true", "target_treeids", "target_nodeids",
            "target_ids", "target_weights",
        )
    }  # fmt: skip
    for t, positions in enumerate(group):
        for i in positions:
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(nodes["nodeids"][i])
            attrs["nodes_featureids"].append(nodes["featureids"][i])
            attrs["nodes_values"].append(nodes["values"][i])
            attrs["nodes_modes"].append(nodes["modes"][i])
            attrs["nodes_truenodeids"].append(nodes["truenodeids"][i])
            attrs["nodes_falsenodeids"].append(nodes["falsenodeids"][i])
            attrs["nodes_missing_value_tracks_true"].append(nodes["missing_tracks_true"][i])
            if nodes["modes"][i] == "LEAF":
                attrs["target_treeids"].append(t)
                attrs["target_nodeids"].append(nodes["nodeids"][i])
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(nodes["leaf_values"][i])
    out = scope.get_unique_variable_name("margin_part")
    container.add_node(
        "TreeEnsembleRegressor",
        [x],
        [out],
        op_domain="ai.onnx.ml",
        op_version=1,
        name=scope.get_unique_operator_name("TreeEnsembleRegressor"),
        n_targets=1,
        base_values=[float(base)],
        aggregate_function="SUM",
        post_transform="NONE",
        **attrs,
    )
    return out


def ensemble_margin(
    scope: Any,
    container: Any,
    x: str,
    booster: Any,
    trees_per_node: int = TREES_PER_NODE,
) -> tuple[str, int]:
    """The booster's margins, (n_samples, n_outputs) float32, as ``TreeEnsembleRegressor``
    nodes of ``trees_per_node`` trees each, summed per output (and concatenated).

    Parameters
    ----------
    scope, container : skl2onnx objects
    x : str
        The float32 features (NaN for missing).
    booster : xgboost.Booster
    trees_per_node : int, default=TREES_PER_NODE

    Returns
    -------
    margin : str
        The name of the margins.
    n_outputs : int
        1, or the number of classes.
    """
    nodes, base, n_outputs = booster_trees(booster)
    leaf_values = [0.0] * len(nodes["treeids"])
    position = {
        (t, n): i for i, (t, n) in enumerate(zip(nodes["treeids"], nodes["nodeids"], strict=True))
    }
    for t, n, v in zip(nodes["leaf_tree"], nodes["leaf_node"], nodes["leaf_weight"], strict=True):
        leaf_values[position[(t, n)]] = v
    nodes = {**nodes, "leaf_values": leaf_values}
    margins = []
    for k in range(n_outputs):
        trees = list(_target_trees(nodes, k).values())
        if not trees:
            raise ValueError(
                f"The booster has no tree for output {k}: it cannot be exported. Refit with "
                "n_estimators >= 1."
            )
        total = None
        for g in range(0, len(trees), trees_per_node):
            part = _regressor_node(
                scope, container, x, nodes, trees[g : g + trees_per_node],
                float(base[k]) if g == 0 else 0.0,
            )  # fmt: skip
            # a running sum: each part is freed at once (a Sum of all parts would hold
            # them all, n_trees / 2 arrays of n_samples floats)
            total = part if total is None else add_node(scope, container, "Add", [total, part])
        assert total is not None
        margins.append(total)
    if n_outputs == 1:
        return margins[0], 1
    return add_node(scope, container, "Concat", margins, axis=1), n_outputs


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
    """skl2onnx converter of :class:`~sklhep.BDTClassifier`: the margins
    (:func:`ensemble_margin`), then ``Sigmoid`` (two classes: ``[1 - p, p]``) or
    ``Softmax``, and the label of the most probable class."""
    model = operator.raw_operator
    x = _prepare_input(scope, container, operator)
    margin, _ = ensemble_margin(scope, container, x, model.booster_)
    probabilities_and_label(scope, container, operator, margin, len(model.classes_), np.float32)


def convert_bdt_regressor(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter of :class:`~sklhep.BDTRegressor`: the summed trees
    (:func:`ensemble_margin`)."""
    model = operator.raw_operator
    x = _prepare_input(scope, container, operator)
    margin, _ = ensemble_margin(scope, container, x, model.booster_)
    add_node(scope, container, "Identity", [margin], output=operator.outputs[0].full_name)
