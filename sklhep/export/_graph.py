"""Small helpers shared by sklhep's skl2onnx converters."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "add_const",
    "add_node",
    "cast_input",
    "class_label_tensor",
    "classifier_output_types",
    "onnx_dtype",
]


def onnx_dtype(dtype: Any) -> int:
    """The ONNX element type of a float numpy dtype."""
    from sklhep import extras

    TensorProto = extras.onnx().TensorProto
    return int(TensorProto.DOUBLE if np.dtype(dtype) == np.float64 else TensorProto.FLOAT)


def add_const(scope: Any, container: Any, name: str, values: NDArray[Any]) -> str:
    """Add ``values`` as an initializer with a unique name; return the name."""
    from sklhep import extras

    TensorProto = extras.onnx().TensorProto
    full = scope.get_unique_variable_name(name)
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        data: Any = [str(v).encode("utf-8") for v in arr.ravel().tolist()]
        container.add_initializer(full, TensorProto.STRING, list(arr.shape), data)
        return full
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.int64)
    elif arr.dtype != np.float64:
        arr = arr.astype(np.float32)
    # a TensorProto with raw data: fast for large weight matrices
    tensor = extras.onnx().numpy_helper.from_array(np.ascontiguousarray(arr), full)
    container.add_initializer(full, tensor.data_type, list(arr.shape), tensor)
    return full


def add_node(
    scope: Any,
    container: Any,
    op_type: str,
    inputs: list[str],
    output: str | None = None,
    **attrs: Any,
) -> str:
    """Add one node of the default domain with a unique output; return the output name."""
    out = output or scope.get_unique_variable_name(op_type.lower())
    container.add_node(
        op_type, inputs, [out], name=scope.get_unique_operator_name(op_type), **attrs
    )
    return out


def cast_input(scope: Any, container: Any, name: str, source: Any, dtype: Any) -> str:
    """The input ``name`` as ``dtype`` (a Cast node when its type differs)."""
    from sklhep import extras

    skl2onnx = extras.skl2onnx()
    types = skl2onnx.common.data_types
    want = np.dtype(dtype)
    is_double = isinstance(source, types.DoubleTensorType)
    is_float = isinstance(source, types.FloatTensorType)
    if (want == np.float64 and is_double) or (want == np.float32 and is_float):
        return name
    return add_node(scope, container, "Cast", [name], to=onnx_dtype(want))


def class_label_tensor(model: Any) -> NDArray[Any]:
    """``classes_`` as int64 or as strings, the label types ONNX classifiers output.

    Raises
    ------
    TypeError
        For class labels that are neither integers nor strings.
    """
    classes = np.asarray(model.classes_)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        return classes.astype(np.int64)
    if classes.dtype.kind in "US" or (
        classes.dtype.kind == "O" and all(isinstance(c, str) for c in classes.tolist())
    ):
        return classes.astype(str)
    raise TypeError(
        f"{type(model).__name__} has class labels {classes.tolist()!r} of dtype "
        f"{classes.dtype}: ONNX labels are int64 or strings. Refit with integer or string "
        "labels to export it."
    )


def classifier_output_types(operator: Any, n_classes: int, dtype: Any) -> None:
    """Set the types of a classifier's ``label`` and ``probabilities`` outputs."""
    from sklhep import extras

    types = extras.skl2onnx().common.data_types
    n = operator.inputs[0].get_first_dimension()
    labels = class_label_tensor(operator.raw_operator)
    label_type = types.StringTensorType if labels.dtype.kind == "U" else types.Int64TensorType
    prob_type = types.DoubleTensorType if np.dtype(dtype) == np.float64 else types.FloatTensorType
    operator.outputs[0].type = label_type(shape=[n])
    operator.outputs[1].type = prob_type(shape=[n, n_classes])
