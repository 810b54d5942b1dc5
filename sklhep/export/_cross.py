"""One ONNX graph for a :class:`~sklhep.model_selection.CrossEvaluator`: every event is
answered by the fold model that did not train on it, chosen by its event number."""

from __future__ import annotations

from typing import Any

import numpy as np

from sklhep.export._graph import class_label_tensor

__all__ = ["cross_evaluator_graph"]

#: Name of the graph's event-number input.
EVENT_NUMBER = "event_number"


def _check(model: Any) -> int:
    """The number of folds, after checking that the fold rule is exportable."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    cv = getattr(model, "cv_", None)
    if cv is None or not hasattr(cv, "n_splits"):
        raise ValueError(
            "Only a CrossEvaluator whose cv is EventNumberKFold (fold = event_number % "
            "n_splits) can be exported to ONNX: with another cv the fold of an event is a "
            "table recorded at fit, which does not extend to new events. Refit with "
            "cv=EventNumberKFold(k)."
        )
    n_splits = int(cv.n_splits)
    if n_splits != len(model.estimators_):
        raise ValueError(
            f"The CrossEvaluator has {len(model.estimators_)} fold models but its "
            f"EventNumberKFold has n_splits={n_splits}; refit it."
        )
    classes = getattr(model, "classes_", None)
    if classes is not None:
        for k, est in enumerate(model.estimators_):
            if not np.array_equal(np.asarray(est.classes_), np.asarray(classes)):
                raise ValueError(
                    f"Fold model {k} was trained without some classes of the "
                    "CrossEvaluator; its probabilities cannot be exported in one graph. Use "
                    "fewer folds or more events of the rare classes."
                )
    return n_splits


def _prefixed(
    graph: Any, prefix: str, keep: set[str]
) -> tuple[list[Any], list[Any], dict[str, str]]:
    """The nodes and initializers of ``graph`` with every name but ``keep`` prefixed."""
    rename: dict[str, str] = {}

    def name(old: str) -> str:
        if not old or old in keep:
            return old
        return rename.setdefault(old, prefix + old)

    nodes = []
    for node in graph.node:
        new = type(node)()
        new.CopyFrom(node)
        new.name = prefix + node.name if node.name else ""
        new.input[:] = [name(n) for n in node.input]
        new.output[:] = [name(n) for n in node.output]
        nodes.append(new)
    inits = []
    for init in graph.initializer:
        new = type(init)()
        new.CopyFrom(init)
        new.name = name(init.name)
        inits.append(new)
    return nodes, inits, rename


def cross_evaluator_graph(model: Any, fold_models: list[Any]) -> Any:
    """Merge the fold models' graphs (one ``X`` input each) into one graph with the inputs
    ``X`` and ``event_number`` (int64) that selects model ``event_number % n_splits``.

    Parameters
    ----------
    model : CrossEvaluator
    fold_models : list of onnx.ModelProto
        ``fold_models[k]`` is the export of ``model.estimators_[k]``.

    Returns
    -------
    onnx.ModelProto
    """
    from sklhep import extras

    onnx = extras.onnx()
    helper = onnx.helper
    n_splits = _check(model)
    first = fold_models[0].graph
    x_input = first.input[0]
    outputs = [o.name for o in first.output]
    nodes: list[Any] = []
    inits: list[Any] = []
    fold_outputs: list[list[str]] = []
    for k, proto in enumerate(fold_models):
        if proto.graph.input[0].name != x_input.name:
            raise ValueError("The fold models' graphs have different inputs.")
        n, i, rename = _prefixed(proto.graph, f"fold{k}_", {x_input.name})
        nodes += n
        inits += i
        fold_outputs.append([rename.get(o, o) for o in outputs])

    def const(name: str, value: Any, dtype: Any) -> str:
        inits.append(onnx.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    fold = "ce_fold"
    nodes.append(
        helper.make_node(
            "Mod", [EVENT_NUMBER, const("ce_n_splits", n_splits, np.int64)], [fold], fmod=0
        )
    )
    conds = []
    for k in range(n_splits - 1):
        flat = f"ce_is_fold{k}_flat"
        nodes.append(helper.make_node("Equal", [fold, const(f"ce_k{k}", k, np.int64)], [flat]))
        shape = const(f"ce_shape{k}", [-1, 1], np.int64)
        nodes.append(helper.make_node("Reshape", [flat, shape], [f"ce_is_fold{k}"]))
        conds.append(f"ce_is_fold{k}")
    for j, out in enumerate(outputs):
        if out == "label":
            continue  # recomputed from the selected probabilities below
        # Where(fold == 0, out_0, Where(fold == 1, out_1, ... out_{K-1})): exact selection
        current = fold_outputs[-1][j]
        for k in range(n_splits - 2, -1, -1):
            target = out if k == 0 else f"ce_{out}_from{k}"
            nodes.append(
                helper.make_node("Where", [conds[k], fold_outputs[k][j], current], [target])
            )
            current = target
    if "label" in outputs:
        classes = class_label_tensor(model)
        if classes.dtype.kind == "U":
            labels = onnx.helper.make_tensor(
                "ce_classes", onnx.TensorProto.STRING, [len(classes)],
                [c.encode("utf-8") for c in classes.tolist()],
            )  # fmt: skip
            inits.append(labels)
        else:
            const("ce_classes", classes, np.int64)
        nodes.append(
            helper.make_node("ArgMax", ["probabilities"], ["ce_index"], axis=1, keepdims=0)
        )
        nodes.append(helper.make_node("Gather", ["ce_classes", "ce_index"], ["label"]))
    event_input = helper.make_tensor_value_info(
        EVENT_NUMBER,
        onnx.TensorProto.INT64,
        [x_input.type.tensor_type.shape.dim[0].dim_param or None],
    )
    graph = helper.make_graph(
        nodes,
        "sklhep_CrossEvaluator",
        [x_input, event_input],
        list(first.output),
        initializer=inits,
    )
    opsets: dict[str, int] = {}
    for proto in fold_models:
        for op in proto.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    merged = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())],
        producer_name=fold_models[0].producer_name,
        producer_version=fold_models[0].producer_version,
    )
    merged.ir_version = fold_models[0].ir_version
    return merged
