"""Imports of optional dependencies, with an error that says how to install them.

Modelled on ``uproot/extras.py``: each function imports one optional package and, when it
is missing, raises :class:`ModuleNotFoundError` naming the pip extra that provides it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = [
    "dask",
    "distributed",
    "mlflow",
    "mplhep",
    "onnx",
    "onnxruntime",
    "optuna",
    "skl2onnx",
    "tensorboard",
    "xgboost_dask",
]


def _import(module: str, extra: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"{purpose} needs the optional package '{module.split('.')[0]}', which is not "
            f"installed. Install it with:\n\n    pip install 'sklhep[{extra}]'\n"
        ) from exc


def mplhep() -> ModuleType:
    """Import :mod:`mplhep` (extra ``plot``), for HEP plot styling."""
    return _import("mplhep", "plot", "HEP plot styling")


def dask() -> ModuleType:
    """Import :mod:`dask` (extra ``dask``)."""
    return _import("dask", "dask", "Distributed training and lazy input")


def distributed() -> ModuleType:
    """Import :mod:`distributed` (extra ``dask``)."""
    return _import("distributed", "dask", "Distributed training")


def xgboost_dask() -> ModuleType:
    """Import :mod:`xgboost.dask` (extra ``dask``)."""
    dask()
    distributed()
    return _import("xgboost.dask", "dask", "Distributed BDT training")


def onnx() -> ModuleType:
    """Import :mod:`onnx` (extra ``onnx``), for exporting models to ONNX."""
    return _import("onnx", "onnx", "ONNX export")


def skl2onnx() -> ModuleType:
    """Import :mod:`skl2onnx` (extra ``onnx``), for exporting pipelines to ONNX."""
    onnx()
    return _import("skl2onnx", "onnx", "ONNX export")


def onnxruntime() -> ModuleType:
    """Import :mod:`onnxruntime` (extra ``onnx``), for running exported models."""
    return _import("onnxruntime", "onnx", "Running ONNX models")


def optuna() -> ModuleType:
    """Import :mod:`optuna` (extra ``optuna``), for Bayesian hyperparameter search."""
    return _import("optuna", "optuna", "Bayesian hyperparameter search")


def tensorboard() -> ModuleType:
    """Import :mod:`torch.utils.tensorboard` (extra ``tracking``), for TensorBoard logs."""
    _import("tensorboard", "tracking", "Logging to TensorBoard")
    return _import("torch.utils.tensorboard", "tracking", "Logging to TensorBoard")


def mlflow() -> ModuleType:
    """Import :mod:`mlflow` (extra ``tracking``), for logging to MLflow."""
    return _import("mlflow", "tracking", "Logging to MLflow")
