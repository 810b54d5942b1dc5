"""Lazy ROOT input for Dask: :func:`read_root_dask`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sklhep import extras
from sklhep.io._read import (
    BranchesLike,
    SamplesLike,
    StepSize,
    _assemble,
    _empty_sample_error,
    _entries_per_step,
    _Files,
    _Part,
    _read_range,
    _Request,
    _sample_ranges,
)

__all__ = ["read_root_dask"]

#: One partition: (sample index, file path, first entry, stop entry, first row or -1).
_Chunk = tuple[int, str, int, int, int]


def _read_chunk(chunk: _Chunk, request: _Request, meta: pd.DataFrame) -> pd.DataFrame:
    """Read one partition (runs on a Dask worker): the same code path as ``read_root``."""
    index, path, start, stop, first_row = chunk
    sample = request.names[index]
    with _Files(request) as files:
        part = _read_range(request, files.get(sample, path), index, start, stop)
    frame = _assemble(request, [part])
    for name, dtype in meta.dtypes.items():
        if frame[name].dtype != dtype:
            frame[name] = frame[name].astype(dtype)
    if first_row >= 0:
        frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def read_root_dask(
    samples: SamplesLike,
    *,
    tree: str,
    branches: BranchesLike,
    weight: str | None = None,
    cut: str | None = None,
    labels: Mapping[Any, Any] | None = None,
    sample_scale: Mapping[Any, float] | None = None,
    event: str | None = None,
    max_entries: int | None = None,
    step_size: StepSize = None,
) -> Any:
    """Read ROOT trees lazily into a Dask DataFrame, partition by partition on the workers.

    The arguments and the columns are those of :func:`read_root`, and
    ``read_root_dask(...).compute()`` equals ``read_root(...)`` row for row (see the index
    note below). Every file is opened when ``read_root_dask`` is called, so that missing
    files, trees and branches raise here; the data are read by the workers when the
    DataFrame is computed, each partition by the same code as :func:`read_root` (the same
    jagged rules, expressions, cut and weight checks).

    Parameters
    ----------
    samples : path, list of paths, or mapping of str to path(s)
        The input files. A path may be a glob (``"data/ttbar_*.root"``). A mapping gives
        one sample per key, in order (``{"sig": "sig.root", "bkg": ["b1.root", "b2.root"]}``);
        anything else is one sample called ``"sample"``.
    tree : str
        The name of the TTree in every file (``"Events"`` for NanoAOD); may include a
        directory, ``"dir/tree"``.
    branches : list of str, or mapping of str to str
        The feature columns, each giving one value per event. Each string is a flat branch
        (``"MET_pt"``) or an expression (``docs/io.md``, "Expressions"): arithmetic and
        numpy functions of branches (``"sqrt(MET_px**2 + MET_py**2)"``); an object of a
        jagged collection (``"Jet_pt[0]"``, NaN when absent); a reduction of a collection,
        possibly computed or selected element-wise (``"n(Jet_pt)"``,
        ``"max(Jet_pt[abs(Jet_eta) < 2.4])"``, ``"sum(Jet_pt > 30)"``). Column names are the
        strings themselves; a mapping ``{column: request}`` renames them.
    weight : str, default=None
        A branch or expression giving each event's weight, e.g. ``"genWeight"`` or
        ``"genWeight * puWeight"``. Negative weights are kept; NaN or infinite weights raise
        ValueError. ``None`` means unit weights.
    cut : str, default=None
        An expression giving True or False per event, e.g. ``"(nJet >= 2) & (MET_pt > 30)"``
        or ``"sum(Jet_pt > 30) >= 2"``. A sample that the cut leaves empty raises
        ValueError.
    labels : mapping of sample name to label, default=None
        The ``label`` column. By default each sample is its own class, numbered 0, 1, 2, ...
        in the order of ``samples``; a mapping lets several samples share a class
        (``{"sig": 1, "ttbar": 0, "wjets": 0}``).
    sample_scale : mapping of sample name to float, default=None
        A factor multiplied into each sample's weights, such as ``xsec * lumi / sum_w``.
        Samples not in the mapping keep a factor of 1.
    event : str, default=None
        A branch (or expression) copied into an ``event`` column, e.g. ``"event"`` for
        :class:`sklhep.model_selection.EventNumberKFold`.
    max_entries : int, default=None
        Read at most this many entries of each sample (before the cut), taken from its
        files in order.
    step_size : int or str, default=None
        The size of a partition: a number of entries, or a memory size such as
        ``"100 MB"``. ``None`` makes one partition per file.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`read_root`, one partition per file (or per ``step_size``
        entries of a file), in read_root's row order. Without ``cut``, the index is
        read_root's RangeIndex and the divisions are known; with ``cut`` the partitions'
        sizes are unknown until they are read, each partition's index starts at 0, and
        ``.compute().reset_index(drop=True)`` equals read_root's result.

    Raises
    ------
    The errors of :func:`read_root` for arguments, files, trees and branches, at the call.
    Errors in the data (a NaN weight, say) raise when the partition holding them is
    computed. Unlike read_root, a cut that leaves a sample empty is not detected (that
    needs a pass over the data): check ``ddf["sample"].value_counts()`` if it matters.

    See Also
    --------
    read_root : The same, eagerly, into a pandas DataFrame.
    uproot.dask : Raw branches as Dask arrays, without sklhep's columns.

    Examples
    --------
    >>> import os, tempfile
    >>> import awkward as ak
    >>> import numpy as np
    >>> import uproot
    >>> def make_file(path, met, weight, jet_pt):  # a tiny NanoAOD-like file
    ...     with uproot.recreate(path) as f:
    ...         branches = {"MET_pt": "float64", "genWeight": "float64", "Jet_pt": "var * float64"}
    ...         f.mktree("Events", branches).extend(
    ...             {"MET_pt": np.array(met), "genWeight": np.array(weight),
    ...              "Jet_pt": ak.Array(jet_pt)}
    ...         )
    >>> tmp = tempfile.mkdtemp()
    >>> sig, bkg = os.path.join(tmp, "sig.root"), os.path.join(tmp, "bkg.root")
    >>> make_file(sig, [55.0, 80.0, 120.0], [1.0, -0.5, 1.0], [[90.0, 40.0], [150.0], []])
    >>> make_file(bkg, [20.0, 35.0], [2.0, 2.0], [[30.0], [45.0, 25.0, 20.0]])
    >>> from sklhep.io import read_root_dask
    >>> ddf = read_root_dask(
    ...     {"sig": sig, "bkg": bkg}, tree="Events", branches=["MET_pt", "n(Jet_pt)"],
    ...     weight="genWeight", labels={"sig": 1, "bkg": 0},
    ... )
    >>> ddf.npartitions  # one per file; nothing is read yet
    2
    >>> X, y, w = ddf[["MET_pt", "n(Jet_pt)"]], ddf["label"], ddf["weight"]
    >>> float(w.sum().compute())  # the net weight: 1.5 (sig) + 4 (bkg)
    5.5
    >>> ddf.compute()  # doctest: +NORMALIZE_WHITESPACE
       MET_pt  n(Jet_pt)  weight  label sample
    0    55.0          2     1.0      1    sig
    1    80.0          1    -0.5      1    sig
    2   120.0          0     1.0      1    sig
    3    20.0          1     2.0      0    bkg
    4    35.0          3     2.0      0    bkg
    >>> import shutil; shutil.rmtree(tmp)

    On a cluster, start a ``distributed.Client`` first (``docs/distributed.md``); the
    partitions are then read by its workers.
    """
    extras.dask()  # a clear error naming the 'dask' extra when Dask is missing
    import dask.dataframe as dd

    request = _Request.build(
        samples,
        tree=tree,
        branches=branches,
        weight=weight,
        cut=cut,
        labels=labels,
        sample_scale=sample_scale,
        event=event,
        max_entries=max_entries,
        step_size=step_size,
    )
    chunks: list[_Chunk] = []
    probes: list[_Part] = []
    row = 0
    with _Files(request) as files:
        # Every file is opened here, so that a missing file, tree or branch raises at the call
        # (as read_root's errors), not later on a worker.
        for index, sample in enumerate(request.names):
            n_read = 0
            for source, start, stop in _sample_ranges(request, files, sample):
                if stop > start and len(probes) == index:
                    # One entry per sample fixes the columns' dtypes (the Dask "meta").
                    probes.append(_read_range(request, source, index, start, start + 1))
                step = _entries_per_step(request.step_size, source) or max(stop - start, 1)
                for lo in range(start, stop, step):
                    hi = min(lo + step, stop)
                    chunks.append((index, source.path, lo, hi, -1 if cut is not None else row))
                    row += hi - lo
                n_read += stop - start
                files.release(sample, source.path)
            if n_read == 0:
                raise _empty_sample_error(request, sample, 0)
    meta = _assemble(request, probes).iloc[:0]
    meta.index = pd.RangeIndex(0)
    divisions = None
    if cut is None:
        divisions = (*[c[4] for c in chunks], max(row - 1, 0))
    return dd.from_map(
        _read_chunk,
        chunks,
        args=(request, meta),
        meta=meta,
        divisions=divisions,
        label="read-root",
        enforce_metadata=False,
    )
