"""Save and load fitted models in a format that runs no code on load.

A model file is a zip archive:

* ``metadata.json``: the format name and version, the library versions that wrote it, and
  the model as a tree of JSON objects -- each estimator by its class (from an allow-list of
  sklhep and scikit-learn classes), its ``get_params()`` and its fitted attributes;
* ``arrays/<n>.npy``: numpy arrays (read with ``allow_pickle=False``);
* ``tensors/<n>.safetensors``: an MLP's network and optimizer state;
* ``boosters/<n>.ubj``: a BDT's xgboost booster (UBJSON).

:func:`load` reads only these: it never unpickles, imports only the allow-listed classes,
and calls nothing but their ``__init__`` with the stored parameters. See
``docs/deployment.md``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import math
import os
import platform
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np

from sklhep.exceptions import InconsistentVersionWarning, ModelFormatError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load", "save"]

FORMAT_NAME = "sklhep-model"
FORMAT_VERSION = 1
METADATA = "metadata.json"

#: The classes a model file may contain: stored name -> (module, attribute).
ALLOWED_CLASSES: dict[str, tuple[str, str]] = {
    "sklhep.MLPClassifier": ("sklhep.neural_network", "MLPClassifier"),
    "sklhep.MLPRegressor": ("sklhep.neural_network", "MLPRegressor"),
    "sklhep.BDTClassifier": ("sklhep.ensemble", "BDTClassifier"),
    "sklhep.BDTRegressor": ("sklhep.ensemble", "BDTRegressor"),
    "sklhep.CrossEvaluator": ("sklhep.model_selection", "CrossEvaluator"),
    "sklhep.EventNumberKFold": ("sklhep.model_selection", "EventNumberKFold"),
    "sklearn.pipeline.Pipeline": ("sklearn.pipeline", "Pipeline"),
    "sklearn.preprocessing.StandardScaler": ("sklearn.preprocessing", "StandardScaler"),
    "sklearn.preprocessing.MinMaxScaler": ("sklearn.preprocessing", "MinMaxScaler"),
    "sklearn.preprocessing.MaxAbsScaler": ("sklearn.preprocessing", "MaxAbsScaler"),
    "sklearn.preprocessing.RobustScaler": ("sklearn.preprocessing", "RobustScaler"),
    "sklearn.impute.SimpleImputer": ("sklearn.impute", "SimpleImputer"),
    "sklearn.impute.MissingIndicator": ("sklearn.impute", "MissingIndicator"),
    "sklearn.decomposition.PCA": ("sklearn.decomposition", "PCA"),
    "sklearn.model_selection.KFold": ("sklearn.model_selection", "KFold"),
    "sklearn.model_selection.StratifiedKFold": ("sklearn.model_selection", "StratifiedKFold"),
    "sklearn.model_selection.GroupKFold": ("sklearn.model_selection", "GroupKFold"),
}
_SPLITTERS = {
    "sklhep.EventNumberKFold",
    "sklearn.model_selection.KFold",
    "sklearn.model_selection.StratifiedKFold",
    "sklearn.model_selection.GroupKFold",
}
_MLPS = {"sklhep.MLPClassifier", "sklhep.MLPRegressor"}
#: Classes refused with a specific reason.
_REFUSED = {
    "FunctionTransformer": "it holds arbitrary Python functions, and sklhep's format never "
    "stores or runs code. Replace it by a supported step (StandardScaler, ...) or apply the "
    "function before the model",
}


def _class_of(name: str) -> type:
    if name not in ALLOWED_CLASSES:
        raise ModelFormatError(
            f"The model file names the class {name!r}, which is not one sklhep.load may "
            f"create (allowed: {sorted(ALLOWED_CLASSES)}). The file was not written by "
            "sklhep.save, or by a newer sklhep: load it with that version."
        )
    module, attr = ALLOWED_CLASSES[name]
    cls: type = getattr(importlib.import_module(module), attr)
    return cls


def _class_key(obj: Any) -> str | None:
    """The allow-list name of ``obj``'s exact class, else None (imports only loaded modules)."""
    import sys

    for key, (module, attr) in ALLOWED_CLASSES.items():
        mod = sys.modules.get(module)
        if mod is not None and type(obj) is getattr(mod, attr, None):
            return key
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return None


def _versions() -> dict[str, str | None]:
    from sklhep import __version__

    return {
        "sklhep": __version__,
        "scikit-learn": _version("scikit-learn"),
        "torch": _version("torch"),
        "xgboost": _version("xgboost"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


# -- writing ------------------------------------------------------------------------------
class _Writer:
    """Encodes a model into JSON plus the binary files of the archive."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.uses: set[str] = {"sklhep", "scikit-learn"}

    def _add(self, folder: str, ext: str, data: bytes) -> str:
        name = f"{folder}/{len(self.files)}.{ext}"
        self.files[name] = data
        return name

    def array(self, arr: np.ndarray, where: str) -> dict[str, Any]:
        tag: dict[str, Any] = {}
        if arr.dtype.kind == "O":
            values = arr.ravel().tolist()
            if not all(isinstance(v, str) for v in values):
                raise TypeError(
                    f"{where} is an object array with non-string entries, which sklhep.save "
                    "cannot store without pickle."
                )
            arr = arr.astype(str)
            tag["object"] = True
        elif arr.dtype.kind not in "biufcUS":
            raise TypeError(
                f"{where} is an array of dtype {arr.dtype}, which sklhep.save cannot store."
            )
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
        tag["__ndarray__"] = self._add("arrays", "npy", buf.getvalue())
        return tag

    def encode(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, np.generic):
            if value.dtype.kind not in "biufc":
                raise TypeError(
                    f"{where} is a numpy {value.dtype} scalar, which cannot be stored."
                )
            return {"__scalar__": value.dtype.str, "value": self.encode(value.item(), where)}
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value):
                return {
                    "__dict__": {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()}
                }
            return {
                "__items__": [
                    [self.encode(k, f"{where} key"), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        cls = type(value)
        if cls.__module__.startswith("xgboost") and cls.__name__ == "Booster":
            self.uses.add("xgboost")
            return {"__booster__": self._add("boosters", "ubj", bytes(value.save_raw("ubj")))}
        return {"__estimator__": self.estimator(value, where)}

    def estimator(self, est: Any, where: str) -> dict[str, Any]:
        key = _class_key(est)
        if key is None:
            name = type(est).__name__
            steps = sorted(k.rsplit(".", 1)[1] for k in ALLOWED_CLASSES if k.startswith("sklearn"))
            why = _REFUSED.get(
                name,
                "sklhep.save stores sklhep's estimators, Pipelines and the scikit-learn "
                f"steps {steps} only, so that loading runs no code",
            )
            raise TypeError(
                f"{where} is a {type(est).__module__}.{name}, which cannot be saved: {why}."
            )
        spec: dict[str, Any] = {"class": key}
        if key in _SPLITTERS:
            names = [p for p in inspect.signature(type(est).__init__).parameters if p != "self"]
            params = {p: getattr(est, p) for p in names if hasattr(est, p)}
        else:
            params = est.get_params(deep=False)
        spec["params"] = {k: self.encode(v, f"{where}.{k}") for k, v in params.items()}
        attrs = {
            k: v for k, v in vars(est).items() if k not in params and k != "_metadata_request"
        }
        if key in _MLPS and hasattr(est, "net_"):
            spec["mlp"] = self.mlp(est, where)
            attrs = {}
        spec["fitted"] = {k: self.encode(v, f"{where}.{k}") for k, v in attrs.items()}
        request = vars(est).get("_metadata_request")
        if request is not None and hasattr(request, "_serialize"):
            spec["metadata_request"] = self.encode(request._serialize(), f"{where} requests")
        return spec

    def mlp(self, est: Any, where: str) -> dict[str, Any]:
        import safetensors.torch

        from sklhep.neural_network._persist import MLPPersistMixin

        self.uses.add("torch")
        # the estimator's own method once _BaseMLP derives from the mixin
        getter = getattr(est, "_persist_state", None)
        state = getter() if getter is not None else MLPPersistMixin._persist_state(est)
        tensors = safetensors.torch.save(state["tensors"])
        return {
            "attributes": self.encode(state["attributes"], where),
            "tensors": self._add("tensors", "safetensors", tensors),
            "optimizer": self.encode(state["optimizer"], f"{where} optimizer"),
            "net_history": self.encode(state["net_history"], f"{where} history"),
            "device": state["device"],
        }


def _write_atomically(path: Path, files: dict[str, bytes], overwrite: bool) -> None:
    """Write the archive to a temporary file beside ``path``, then move it into place."""
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, data in files.items():
                    zf.writestr(name, data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: no silent loss
            except FileExistsError:
                raise FileExistsError(
                    f"{path} exists: pass overwrite=True to replace it."
                ) from None
            except OSError:  # a file system without hard links
                if path.exists():
                    raise FileExistsError(
                        f"{path} exists: pass overwrite=True to replace it."
                    ) from None
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def save(model: Any, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Save a fitted model in sklhep's safe format (no pickle).

    Parameters
    ----------
    model : estimator
        An sklhep estimator, a scikit-learn ``Pipeline`` of supported steps
        (``StandardScaler``, ``MinMaxScaler``, ``MaxAbsScaler``, ``RobustScaler``,
        ``SimpleImputer``, ``PCA``) ending in one, or a :class:`~sklhep.CrossEvaluator`.
    path : str or path-like
        The file to write (a zip archive; the suffix ``.sklhep`` is a good choice).
    overwrite : bool, default=False
        Replace an existing file. Without it an existing file is an error.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    TypeError
        When the model contains something the format cannot store without code (a
        ``FunctionTransformer``, a custom class, MLP ``callbacks``).

    Notes
    -----
    The file is written to a temporary file in the same directory and moved into place,
    so that a crash never leaves a half-written model at ``path``.

    Examples
    --------
    >>> import numpy as np, sklhep
    >>> from sklhep import BDTClassifier
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> clf = BDTClassifier(n_estimators=3, device="cpu").fit(X, X[:, 0] > 0)
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.sklhep")
    >>> sklhep.save(clf, path)
    >>> np.array_equal(sklhep.load(path).predict_proba(X), clf.predict_proba(X))
    True
    """
    path = Path(os.fspath(path))
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give a file name such as model.sklhep.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: pass overwrite=True to replace it.")
    writer = _Writer()
    root = writer.estimator(model, "model")
    versions = _versions()
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": versions,
        # the libraries the model needs: a version change of these warns at load
        "libraries": sorted(writer.uses),
        "model": root,
    }
    files = {METADATA: json.dumps(meta, allow_nan=False, indent=1).encode("utf-8"), **writer.files}
    _write_atomically(path, files, overwrite)


# -- reading ------------------------------------------------------------------------------
class _Reader:
    def __init__(self, zf: zipfile.ZipFile, path: Path) -> None:
        self.zf = zf
        self.path = path

    def read(self, name: Any) -> bytes:
        if not isinstance(name, str):
            raise ModelFormatError(f"{self.path} has a malformed entry reference {name!r}.")
        try:
            return self.zf.read(name)
        except KeyError:
            raise ModelFormatError(f"{self.path} lacks {name}: the file is incomplete.") from None

    def decode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict) or len(value) == 0:
            raise ModelFormatError(f"{self.path} has a malformed value {value!r}.")
        if "__float__" in value:
            return float(value["__float__"])
        if "__scalar__" in value:
            return np.dtype(value["__scalar__"]).type(self.decode(value["value"]))
        if "__dtype__" in value:
            return np.dtype(value["__dtype__"])
        if "__ndarray__" in value:
            try:
                arr = np.load(io.BytesIO(self.read(value["__ndarray__"])), allow_pickle=False)
            except ValueError as exc:  # an object array (a pickle) or a damaged .npy
                raise ModelFormatError(
                    f"{self.path} has an array that is not plain numeric or string data "
                    f"({exc}); sklhep.load never unpickles."
                ) from None
            return arr.astype(object) if value.get("object") else arr
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: self.decode(v) for k, v in value["__dict__"].items()}
        if "__items__" in value:
            return {self.decode(k): self.decode(v) for k, v in value["__items__"]}
        if "__booster__" in value:
            import xgboost

            return xgboost.Booster(model_file=bytearray(self.read(value["__booster__"])))
        if "__estimator__" in value:
            return self.estimator(value["__estimator__"])
        raise ModelFormatError(f"{self.path} has an unknown value tag {sorted(value)}.")

    def estimator(self, spec: Any) -> Any:
        if not isinstance(spec, dict) or "class" not in spec:
            raise ModelFormatError(f"{self.path} has a malformed estimator entry.")
        cls = _class_of(spec["class"])
        params = {k: self.decode(v) for k, v in spec.get("params", {}).items()}
        est = cls(**params)
        if "mlp" in spec:
            self.mlp(est, spec["mlp"])
        for key, value in spec.get("fitted", {}).items():
            setattr(est, self.attribute_name(key), self.decode(value))
        booster = getattr(est, "booster_", None)
        if booster is not None:
            from sklhep.ensemble._trainer import to_cpu

            # predicts on the CPU whatever device trained it
            to_cpu(booster, int(getattr(est, "_n_threads", 0)) or 1)
        if "metadata_request" in spec:
            self.requests(est, self.decode(spec["metadata_request"]))
        return est

    def attribute_name(self, key: Any) -> str:
        """A fitted attribute's name: an identifier, not a dunder name."""
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
            raise ModelFormatError(f"{self.path} has an invalid attribute name {key!r}.")
        return key

    def mlp(self, est: Any, spec: dict[str, Any]) -> None:
        import safetensors.torch

        from sklhep.neural_network._persist import MLPPersistMixin

        try:
            tensors = safetensors.torch.load(self.read(spec["tensors"]))
        except Exception as exc:  # safetensors raises its own error types
            raise ModelFormatError(f"{self.path} has corrupt tensors: {exc}") from None
        attributes = self.decode(spec["attributes"])
        if not isinstance(attributes, dict):
            raise ModelFormatError(f"{self.path} has malformed MLP attributes.")
        for key in attributes:
            self.attribute_name(key)
        state = {
            "attributes": attributes,
            "tensors": tensors,
            "optimizer": self.decode(spec["optimizer"]),
            "net_history": self.decode(spec["net_history"]),
            "device": str(spec.get("device", "cpu")),
        }
        setter = getattr(est, "_set_persist_state", None)
        if setter is not None:
            setter(state)
        else:
            MLPPersistMixin._set_persist_state(est, state)

    @staticmethod
    def requests(est: Any, requests: dict[str, dict[str, Any]]) -> None:
        import sklearn

        with sklearn.config_context(enable_metadata_routing=True):
            for method, values in requests.items():
                setter = getattr(est, f"set_{method}_request", None)
                if setter is not None and values:
                    with contextlib.suppress(TypeError):
                        setter(**values)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    not_ours = (
        f"{path} is not an sklhep model file (sklhep.save writes a zip archive with a {METADATA})"
    )
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head.startswith(b"PK\x03\x04"):
        if head[:1] == b"\x80" or head[:2] in (b"x\x9c", b"x\x01", b"x\xda"):
            raise ModelFormatError(
                f"{not_ours}: it looks like a pickle or joblib file. sklhep.load never "
                "unpickles, because unpickling runs arbitrary code; load it with pickle only "
                "if you trust its source, then re-save it with sklhep.save."
            )
        raise ModelFormatError(f"{not_ours}.")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ModelFormatError(
            f"{path} is a damaged zip archive ({exc}): the file is truncated or corrupt. "
            "Save the model again."
        ) from None
    try:
        yield zf
    except zipfile.BadZipFile as exc:
        raise ModelFormatError(f"{path} is corrupt ({exc}). Save the model again.") from None
    finally:
        zf.close()


def _check_versions(saved: dict[str, Any], libraries: list[str], path: Path) -> None:
    current = _versions()
    diffs = [
        f"{name} {saved[name]} (now {current.get(name)})"
        for name in ("sklhep", "scikit-learn", "torch", "xgboost")
        if name in libraries and name in saved and saved[name] != current.get(name)
    ]
    if diffs:
        warnings.warn(
            f"{path} was saved with {', '.join(diffs)}: the model may predict differently. "
            "Check its predictions, or load it with the versions that saved it.",
            InconsistentVersionWarning,
            stacklevel=3,
        )


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model saved by :func:`save`, without running code from the file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator
        The fitted model; its predictions are bit-identical to the saved model's. An MLP
        trained on a GPU is loaded on the CPU when this machine has no GPU.

    Raises
    ------
    ModelFormatError
        When the file is not an sklhep model file (a pickle, another zip, a truncated or
        corrupt file), or names a class outside the allow-list.

    Warns
    -----
    InconsistentVersionWarning
        When sklhep, scikit-learn, torch or xgboost differ from the versions that saved it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sklhep
    >>> from sklhep import BDTRegressor
    >>> X = np.random.default_rng(1).normal(size=(100, 2))
    >>> reg = BDTRegressor(n_estimators=3, device="cpu").fit(X, X[:, 0] - X[:, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "reg.sklhep")
    >>> sklhep.save(reg, path)
    >>> loaded = sklhep.load(path)
    >>> type(loaded).__name__, np.array_equal(loaded.predict(X), reg.predict(X))
    ('BDTRegressor', True)

    A file that is not an sklhep model (here a pickle) is refused, never unpickled:

    >>> import pickle
    >>> bad = os.path.join(tempfile.mkdtemp(), "model.pkl")
    >>> with open(bad, "wb") as fh:
    ...     pickle.dump({"x": 1}, fh)
    >>> sklhep.load(bad)
    Traceback (most recent call last):
    ...
    sklhep.exceptions.ModelFormatError: ...
    """
    path = Path(os.fspath(path))
    with _open(path) as zf:
        try:
            meta = json.loads(zf.read(METADATA))
        except KeyError:
            raise ModelFormatError(
                f"{path} is a zip archive without {METADATA}: not an sklhep model file."
            ) from None
        except ValueError as exc:
            raise ModelFormatError(f"{path} has an unreadable {METADATA}: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise ModelFormatError(
                f"{path} is not an sklhep model file (format is not {FORMAT_NAME!r})."
            )
        version = meta.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ModelFormatError(
                f"{path} has format version {version!r}; this sklhep reads versions up to "
                f"{FORMAT_VERSION}. Upgrade sklhep to load it."
            )
        libraries = meta.get("libraries", ["sklhep", "scikit-learn", "torch", "xgboost"])
        _check_versions(meta.get("versions", {}), libraries, path)
        try:
            return _Reader(zf, path).estimator(meta.get("model"))
        except ModelFormatError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, RuntimeError) as exc:
            raise ModelFormatError(
                f"{path} has malformed content ({type(exc).__name__}: {exc}): it was not "
                "written by sklhep.save, or was modified. Save the model again."
            ) from exc
