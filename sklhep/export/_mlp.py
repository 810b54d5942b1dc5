"""skl2onnx shape calculator and converter of :class:`~sklhep.MLPClassifier` and
:class:`~sklhep.MLPRegressor`: plain ONNX operators (Gemm, activations,
BatchNormalization, Sigmoid/Softmax) that ONNX Runtime and TMVA SOFIE run."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sklhep.export._graph import (
    add_const,
    add_node,
    cast_input,
    class_label_tensor,
    classifier_output_types,
)

__all__ = [
    "convert_mlp_classifier",
    "convert_mlp_regressor",
    "mlp_classifier_shape",
    "mlp_dtype",
    "mlp_regressor_shape",
]


def mlp_dtype(model: Any) -> type[np.floating]:
    """The numpy dtype of the network's parameters (float32, or float64 with
    ``precision="float64"``; the mixed precisions keep float32 parameters)."""
    param = next(model.module_.parameters())
    return np.float64 if str(param.dtype) == "torch.float64" else np.float32


def _numpy(tensor: Any, dtype: Any) -> NDArray[Any]:
    return np.asarray(tensor.detach().cpu().double().numpy(), dtype=dtype)


def _activation(scope: Any, container: Any, layer: Any, x: str, dtype: Any) -> str:
    name = type(layer).__name__
    if name == "ReLU":
        return add_node(scope, container, "Relu", [x])
    if name == "Tanh":
        return add_node(scope, container, "Tanh", [x])
    if name == "Sigmoid":
        return add_node(scope, container, "Sigmoid", [x])
    if name == "LeakyReLU":
        return add_node(scope, container, "LeakyRelu", [x], alpha=float(layer.negative_slope))
    if name == "ELU":
        return add_node(scope, container, "Elu", [x], alpha=float(layer.alpha))
    if name == "SELU":
        # torch's constants (ONNX's defaults, written out)
        return add_node(
            scope,
            container,
            "Selu",
            [x],
            alpha=1.6732632423543772848170429916717,
            gamma=1.0507009873554804934193349852946,
        )
    if name == "GELU":
        if getattr(layer, "approximate", "none") != "none":
            raise ValueError("Only the exact (erf) GELU can be exported.")
        if container.target_opset >= 20:
            return add_node(scope, container, "Gelu", [x])
        # 0.5 * x * (1 + erf(x / sqrt(2)))
        scaled = add_node(
            scope,
            container,
            "Mul",
            [x, add_const(scope, container, "rsqrt2", np.array(1 / math.sqrt(2), dtype=dtype))],
        )
        erf = add_node(scope, container, "Erf", [scaled])
        one = add_const(scope, container, "one", np.array(1.0, dtype=dtype))
        half = add_const(scope, container, "half", np.array(0.5, dtype=dtype))
        plus = add_node(scope, container, "Add", [erf, one])
        return add_node(
            scope, container, "Mul", [add_node(scope, container, "Mul", [x, half]), plus]
        )
    raise TypeError(f"The MLP layer {name} has no ONNX export.")


def _network(
    scope: Any,
    container: Any,
    model: Any,
    x: str,
    dtype: Any,
    target_scale: tuple[NDArray[Any], NDArray[Any]] | None = None,
) -> str:
    """Emit ``module_`` (in evaluation mode); return the name of its raw output."""
    layers = list(model.module_.layers)
    linear_idx = [i for i, layer in enumerate(layers) if type(layer).__name__ == "Linear"]
    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        if kind == "Linear":
            w = _numpy(layer.weight, np.float64)
            b = _numpy(layer.bias, np.float64)
            if target_scale is not None and i == linear_idx[-1]:
                # the regressor's target standardisation, folded into the last layer
                mean, scale = target_scale
                w = w * scale[:, None]
                b = b * scale + mean
            x = add_node(
                scope,
                container,
                "Gemm",
                [
                    x,
                    add_const(scope, container, "W", w.astype(dtype)),
                    add_const(scope, container, "B", b.astype(dtype)),
                ],
                transB=1,
            )
        elif kind == "BatchNorm1d":
            if layer.running_mean is None or layer.running_var is None:
                raise ValueError("BatchNorm1d without running statistics cannot be exported.")
            x = add_node(
                scope,
                container,
                "BatchNormalization",
                [
                    x,
                    add_const(scope, container, "bn_scale", _numpy(layer.weight, dtype)),
                    add_const(scope, container, "bn_bias", _numpy(layer.bias, dtype)),
                    add_const(scope, container, "bn_mean", _numpy(layer.running_mean, dtype)),
                    add_const(scope, container, "bn_var", _numpy(layer.running_var, dtype)),
                ],
                epsilon=float(layer.eps),
            )
        elif kind == "Dropout":
            continue  # the identity in evaluation mode
        else:
            x = _activation(scope, container, layer, x, dtype)
    return x


def mlp_classifier_shape(operator: Any) -> None:
    """skl2onnx shape calculator of :class:`~sklhep.MLPClassifier`."""
    model = operator.raw_operator
    classifier_output_types(operator, len(model.classes_), mlp_dtype(model))


def mlp_regressor_shape(operator: Any) -> None:
    """skl2onnx shape calculator of :class:`~sklhep.MLPRegressor`."""
    from sklhep import extras

    types = extras.skl2onnx().common.data_types
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    out = types.DoubleTensorType if mlp_dtype(model) == np.float64 else types.FloatTensorType
    operator.outputs[0].type = out(shape=[n, int(model.y_mean_.shape[0])])


def probabilities_and_label(
    scope: Any, container: Any, operator: Any, logits: str, n_classes: int, dtype: Any
) -> None:
    """Sigmoid (one logit) or Softmax, then the label of the most probable class."""
    probs = operator.outputs[1].full_name
    if n_classes == 2:
        p1 = add_node(scope, container, "Sigmoid", [logits])
        one = add_const(scope, container, "one", np.array(1.0, dtype=dtype))
        p0 = add_node(scope, container, "Sub", [one, p1])
        add_node(scope, container, "Concat", [p0, p1], output=probs, axis=1)
    else:
        add_node(scope, container, "Softmax", [logits], output=probs, axis=1)
    label_index(scope, container, operator, probs)


def label_index(scope: Any, container: Any, operator: Any, probs: str) -> None:
    """``label = classes_[argmax(probabilities)]`` (the first maximum, as numpy)."""
    idx = add_node(scope, container, "ArgMax", [probs], axis=1, keepdims=0)
    labels = add_const(scope, container, "classes", class_label_tensor(operator.raw_operator))
    add_node(scope, container, "Gather", [labels, idx], output=operator.outputs[0].full_name)


def convert_mlp_classifier(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter of :class:`~sklhep.MLPClassifier`."""
    model = operator.raw_operator
    dtype = mlp_dtype(model)
    x = cast_input(scope, container, operator.inputs[0].full_name, operator.inputs[0].type, dtype)
    logits = _network(scope, container, model, x, dtype)
    probabilities_and_label(scope, container, operator, logits, len(model.classes_), dtype)


def convert_mlp_regressor(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx converter of :class:`~sklhep.MLPRegressor`: the network with the target
    scaling (``y_scale_``, ``y_mean_``) folded into its last layer."""
    model = operator.raw_operator
    dtype = mlp_dtype(model)
    x = cast_input(scope, container, operator.inputs[0].full_name, operator.inputs[0].type, dtype)
    scaling = (np.asarray(model.y_mean_, np.float64), np.asarray(model.y_scale_, np.float64))
    out = _network(scope, container, model, x, dtype, target_scale=scaling)
    add_node(scope, container, "Identity", [out], output=operator.outputs[0].full_name)
