"""Writing scores as a flat TTree: :func:`write_root`."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import uproot
from numpy.typing import NDArray

__all__ = ["write_root"]

PathLike = str | os.PathLike[str]

#: Entries per basket written (one ``extend`` call per chunk).
_CHUNK = 1_000_000


def _columns(data: Any) -> dict[str, NDArray[Any]]:
    """Validate ``data`` into a dict of equally long 1-D numeric arrays."""
    if isinstance(data, pd.DataFrame):
        items = [(c, data[c]) for c in data.columns]
    elif isinstance(data, Mapping):
        items = list(data.items())
    else:
        raise TypeError(
            "data must be a pandas DataFrame or a dict of 1-D arrays, e.g. "
            f"{{'score': clf.predict_proba(X)[:, 1]}}; got {type(data).__name__}."
        )
    if not items:
        raise ValueError("data has no columns: there is nothing to write.")
    columns: dict[str, NDArray[Any]] = {}
    for name, values in items:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"Column name {name!r} cannot be a branch name: use non-empty strings without '/'."
            )
        if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
            raise ValueError(
                f"Column {name!r} is categorical; a ROOT branch holds numbers. Write its codes "
                f"(df[{name!r}].cat.codes) or drop it."
            )
        arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(
                f"Column {name!r} has shape {arr.shape}; write_root writes one number per "
                "entry. Split a 2-D array into columns, e.g. {'p0': p[:, 0], 'p1': p[:, 1]}."
            )
        if arr.dtype.kind not in "biuf":
            raise ValueError(
                f"Column {name!r} has dtype {arr.dtype}; a ROOT branch written by write_root "
                "holds booleans, integers or floats. Convert or drop it (missing values: "
                "fill them, e.g. with NaN)."
            )
        if arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        columns[name] = np.ascontiguousarray(arr)
    lengths = {name: arr.shape[0] for name, arr in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"The columns have different lengths {lengths}; a tree needs one value per entry "
            "in every column."
        )
    return columns


def _fill(file: Any, tree: str, columns: dict[str, NDArray[Any]]) -> None:
    if tree in file:
        del file[tree]
    out = file.mktree(tree, {name: arr.dtype for name, arr in columns.items()})
    n = next(iter(columns.values())).shape[0]
    for start in range(0, n, _CHUNK):
        out.extend({name: arr[start : start + _CHUNK] for name, arr in columns.items()})


def write_root(
    path: PathLike,
    data: pd.DataFrame | Mapping[str, Any],
    *,
    tree: str = "scores",
    mode: Literal["recreate", "update"] = "recreate",
) -> None:
    """Write columns (scores) as a flat TTree, atomically.

    Each column becomes a branch, each row an entry, in order. When the rows are the
    entries of an input tree (from :func:`read_root` without a cut, one file at a time),
    the written tree lines up with it entry by entry and can be used as a friend tree:
    in ROOT ``events->AddFriend("scores", "scores.root")``, with uproot by reading both
    trees and joining the arrays.

    Nothing is written half-way: the tree is written to a temporary file in the same
    directory, which then replaces ``path`` with :func:`os.replace`. If anything fails, the
    temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        The output file.
    data : DataFrame or dict of str to 1-D array
        The columns; booleans, integers or floats, all of the same length. A DataFrame's
        index is not written.
    tree : str, default="scores"
        The tree's name (``"dir/name"`` writes it in a sub-directory).
    mode : {"recreate", "update"}, default="recreate"
        ``"recreate"`` replaces the file. ``"update"`` keeps the file's other contents and
        replaces a tree of the same name; the file is created when it does not exist. An
        update copies the existing file first, so that a failure cannot damage it.

    Raises
    ------
    TypeError, ValueError
        Bad ``data`` (not numeric, not 1-D, different lengths) or ``mode``.
    FileNotFoundError
        The directory of ``path`` does not exist.

    Examples
    --------
    >>> write_root("scores.root", {"score": clf.predict_proba(X)[:, 1]})  # doctest: +SKIP
    """
    if mode not in ("recreate", "update"):
        raise ValueError(f"mode must be 'recreate' or 'update', got {mode!r}.")
    if not isinstance(tree, str) or not tree.strip("/"):
        raise ValueError(f"tree must be a non-empty name, got {tree!r}.")
    columns = _columns(data)
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Cannot write {os.fspath(path)!r}: the directory {folder!r} does not exist."
        )
    exists = os.path.exists(target)
    if exists and not os.path.isfile(target):
        raise ValueError(f"Cannot write {os.fspath(path)!r}: it exists and is not a file.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        if mode == "update" and exists:
            shutil.copyfile(target, tmp)
            shutil.copymode(target, tmp)
            try:
                file = uproot.update(tmp)
            except Exception as exc:
                raise ValueError(
                    f"mode='update': {os.fspath(path)!r} cannot be opened as a ROOT file "
                    f"({type(exc).__name__}: {exc}). Use mode='recreate' to replace it."
                ) from None
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            file = uproot.recreate(tmp)
        with file:
            _fill(file, tree, columns)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
