"""Reading ROOT trees into pandas DataFrames: :func:`read_root` and :func:`iterate_root`."""

from __future__ import annotations

import glob
import math
import numbers
import os
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import uproot
from numpy.typing import NDArray

from sklhep.io._errors import TreeNotFoundError, describe_choices
from sklhep.io._expressions import ColumnSpec, evaluate, parse_column, prepare_collection
from sklhep.weights import check_sample_weight

__all__ = ["iterate_root", "read_root"]

PathLike = str | os.PathLike[str]
#: A sample name is any hashable. The mappings keyed by it are ``Mapping[Any, ...]``:
#: ``Mapping`` is invariant in its key type, so ``Mapping[Hashable, ...]`` would reject a
#: ``dict[str, ...]``.
SamplesLike = PathLike | Sequence[PathLike] | Mapping[Any, PathLike | Sequence[PathLike]]
BranchesLike = str | Sequence[str] | Mapping[str, str]
StepSize = int | str | None

#: The columns read_root adds after the requested ones.
WEIGHT, LABEL, SAMPLE, EVENT = "weight", "label", "sample", "event"

#: The default chunk size of :func:`iterate_root`, in entries.
DEFAULT_ITERATE_STEP = 100_000


# --------------------------------------------------------------------------- arguments
def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _resolve_paths(name: Hashable, spec: Any) -> list[str]:
    """The files of one sample: paths and globs, expanded and checked."""
    items = [spec] if isinstance(spec, (str, os.PathLike)) else spec
    if not isinstance(items, Sequence) or isinstance(items, (bytes, bytearray)):
        raise TypeError(
            f"Sample {name!r}: expected a path, a glob or a list of them, got "
            f"{type(spec).__name__}."
        )
    if len(items) == 0:
        raise ValueError(f"Sample {name!r} has an empty list of files.")
    paths: list[str] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"Sample {name!r}: {item!r} is not a path.")
        text = os.fspath(item)
        if _is_remote(text):
            paths.append(text)
        elif glob.has_magic(text):
            matches = sorted(glob.glob(text))
            if not matches:
                raise FileNotFoundError(
                    f"Sample {name!r}: the pattern {text!r} matches no file. Check the "
                    "directory and the pattern."
                )
            paths.extend(matches)
        elif not os.path.isfile(text):
            if os.path.isdir(text):
                raise FileNotFoundError(
                    f"Sample {name!r}: {text!r} is a directory, not a file. Pass a glob such "
                    f"as {os.path.join(text, '*.root')!r}."
                )
            folder = os.path.dirname(text) or "."
            hint = ""
            if os.path.isdir(folder):
                roots = sorted(f for f in os.listdir(folder) if f.endswith(".root"))
                hint = " " + describe_choices(
                    os.path.basename(text), roots, what=f".root files in {folder!r}", limit=10
                )
            raise FileNotFoundError(f"Sample {name!r}: file {text!r} does not exist.{hint}")
        else:
            paths.append(text)
    return paths


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


@dataclass
class _Request:
    """The validated arguments shared by read_root and iterate_root."""

    files: dict[Hashable, list[str]]
    tree: str
    columns: list[tuple[str, str]]
    weight: str | None
    cut: str | None
    event: str | None
    labels: list[Any]
    scales: list[float]
    max_entries: int | None
    step_size: StepSize

    @property
    def names(self) -> list[Hashable]:
        return list(self.files)

    @classmethod
    def build(
        cls,
        samples: SamplesLike,
        *,
        tree: str,
        branches: BranchesLike,
        weight: str | None,
        cut: str | None,
        labels: Mapping[Any, Any] | None,
        sample_scale: Mapping[Any, float] | None,
        event: str | None,
        max_entries: int | None,
        step_size: StepSize,
    ) -> _Request:
        if isinstance(samples, Mapping):
            if not samples:
                raise ValueError("samples is an empty mapping; give at least one sample.")
            files = {name: _resolve_paths(name, spec) for name, spec in samples.items()}
        else:
            files = {"sample": _resolve_paths("sample", samples)}
        names = list(files)

        if not isinstance(tree, str) or not tree:
            raise TypeError(f"tree must be the name of a TTree, got {tree!r}.")

        if isinstance(branches, str):
            branches = [branches]
        if isinstance(branches, Mapping):
            columns = [(str(k), v) for k, v in branches.items()]
        elif isinstance(branches, Sequence):
            columns = [(b, b) for b in branches]
        else:
            raise TypeError(
                "branches must be a list of column requests or a mapping from column name to "
                f"request, got {type(branches).__name__}."
            )
        if not columns:
            raise ValueError("branches is empty: request at least one branch.")
        for _, text in columns:
            if not isinstance(text, str) or not text.strip():
                raise TypeError(f"Column requests must be non-empty strings, got {text!r}.")
        seen: set[str] = set()
        reserved = {WEIGHT, LABEL, SAMPLE} | ({EVENT} if event is not None else set())
        for column, _ in columns:
            if column in seen:
                raise ValueError(f"Column {column!r} is requested twice in branches.")
            seen.add(column)
            if column in reserved:
                raise ValueError(
                    f"The column name {column!r} is taken by the column read_root adds. To "
                    f"read a branch called {column!r}, give it another name with a mapping: "
                    f"branches={{'{column}_branch': '{column}', ...}}."
                )
        for arg, value in (("weight", weight), ("cut", cut), ("event", event)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise TypeError(f"{arg} must be a branch name or an expression, got {value!r}.")

        if labels is None:
            label_values: list[Any] = list(range(len(names)))
        elif isinstance(labels, Mapping):
            unknown = [k for k in labels if k not in files]
            if unknown:
                raise ValueError(
                    f"labels names samples {unknown!r} that are not in samples {names!r}."
                )
            missing = [n for n in names if n not in labels]
            if missing:
                raise ValueError(
                    f"labels gives no label for samples {missing!r}; map every sample to a "
                    "label (several samples may share one)."
                )
            label_values = [labels[n] for n in names]
        else:
            raise TypeError(
                "labels must be a mapping from sample name to label, e.g. "
                f"{{'sig': 1, 'ttbar': 0, 'wjets': 0}}; got {type(labels).__name__}."
            )

        scales = [1.0] * len(names)
        if sample_scale is not None:
            if not isinstance(sample_scale, Mapping):
                raise TypeError(
                    "sample_scale must be a mapping from sample name to a factor, e.g. "
                    f"{{'ttbar': xsec * lumi / sum_w}}; got {type(sample_scale).__name__}."
                )
            unknown = [k for k in sample_scale if k not in files]
            if unknown:
                raise ValueError(
                    f"sample_scale names samples {unknown!r} that are not in samples {names!r}."
                )
            for i, name in enumerate(names):
                if name in sample_scale:
                    scale = sample_scale[name]
                    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
                        raise TypeError(f"sample_scale[{name!r}] must be a number, got {scale!r}.")
                    if not math.isfinite(scale):
                        raise ValueError(f"sample_scale[{name!r}] is {scale}; it must be finite.")
                    scales[i] = float(scale)

        if max_entries is not None:
            max_entries = _check_positive_int(max_entries, "max_entries")
        if step_size is not None and not isinstance(step_size, str):
            step_size = _check_positive_int(step_size, "step_size")

        return cls(
            files, tree, columns, weight, cut, event, label_values, scales, max_entries, step_size
        )

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]


# --------------------------------------------------------------------------- per tree
@dataclass
class _Plan:
    """What to read from one tree, and how to turn it into columns."""

    where: str
    columns: list[tuple[str, ColumnSpec]]
    weight: ColumnSpec | None
    event: ColumnSpec | None
    cut: ColumnSpec | None
    #: The branches read with numpy (one value per event) and with awkward (jagged).
    flat_branches: list[str] = field(default_factory=list)
    jagged_branches: list[str] = field(default_factory=list)

    @property
    def branches(self) -> list[str]:
        return self.flat_branches + self.jagged_branches

    @classmethod
    def build(cls, tree: Any, request: _Request, where: str) -> _Plan:
        keys = set(tree.keys())
        columns = [(c, parse_column(t, tree, keys, where)) for c, t in request.columns]
        weight = (
            None if request.weight is None else parse_column(request.weight, tree, keys, where)
        )
        event = None if request.event is None else parse_column(request.event, tree, keys, where)
        cut = None
        if request.cut is not None:
            cut = parse_column(request.cut, tree, keys, where)
            if cut.dtype_kind != "b":
                raise ValueError(
                    f"cut={request.cut!r} gives numbers, not True/False per event. Write a "
                    "comparison, e.g. 'pt > 20', and combine with '&' and '|' "
                    "(or 'and', 'or')."
                )
        plan = cls(where, columns, weight, event, cut)
        specs = [s for _, s in columns] + [s for s in (weight, event, cut) if s is not None]
        for spec in specs:
            for branch in spec.branches:
                into = (
                    plan.jagged_branches if branch in spec.jagged_branches else plan.flat_branches
                )
                if branch not in into:
                    into.append(branch)
        return plan


@dataclass
class _Source:
    sample: Hashable
    path: str
    file: Any
    tree: Any
    plan: _Plan
    num_entries: int


class _Files:
    """Open files (and their parsed plans), closed on exit."""

    def __init__(self, request: _Request) -> None:
        self.request = request
        self._open: dict[tuple[Hashable, str], _Source] = {}

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc: object) -> None:
        for source in self._open.values():
            source.file.close()
        self._open.clear()

    def release(self, sample: Hashable, path: str) -> None:
        source = self._open.pop((sample, path), None)
        if source is not None:
            source.file.close()

    def get(self, sample: Hashable, path: str) -> _Source:
        key = (sample, path)
        if key in self._open:
            return self._open[key]
        name = self.request.tree
        try:
            file = uproot.open(path)
        except FileNotFoundError:
            raise FileNotFoundError(f"Sample {sample!r}: file {path!r} does not exist.") from None
        except Exception as exc:
            raise ValueError(
                f"Sample {sample!r}: {path!r} cannot be opened as a ROOT file "
                f"({type(exc).__name__}: {exc})."
            ) from None
        try:
            try:
                tree = file[name]
            except KeyError:
                trees = [
                    k
                    for k, c in file.classnames(cycle=False, recursive=True).items()
                    if c == "TTree" or c.startswith("ROOT::RNTuple")
                ]
                raise TreeNotFoundError(
                    f"Sample {sample!r}: file {path!r} has no tree {name!r}. "
                    + describe_choices(name, trees, what="trees in that file")
                    + " Pass tree=<name>."
                ) from None
            if not isinstance(tree, uproot.behaviors.TTree.TTree):
                raise ValueError(
                    f"Sample {sample!r}: {name!r} in {path!r} is a {tree.classname}, not a "
                    "TTree; read_root reads TTrees."
                )
            where = f"tree {name!r} of file {path!r} (sample {sample!r})"
            plan = _Plan.build(tree, self.request, where)
        except BaseException:
            file.close()
            raise
        source = _Source(sample, path, file, tree, plan, int(tree.num_entries))
        self._open[key] = source
        return source


def _entries_per_step(step_size: StepSize, source: _Source) -> int | None:
    if step_size is None or isinstance(step_size, int):
        return step_size
    plan = source.plan
    try:
        n = source.tree.num_entries_for(step_size, plan.branches)
    except Exception as exc:
        raise ValueError(
            f"step_size={step_size!r} is neither a number of entries nor a memory size such "
            f"as '100 MB' ({exc})."
        ) from None
    return max(1, int(n))


# --------------------------------------------------------------------------- reading
@dataclass
class _Part:
    """The columns read from one entry range of one file."""

    sample_index: int
    n: int
    arrays: dict[str, NDArray[Any]]


def _as_column(value: Any, n_entries: int, text: str, where: str) -> NDArray[Any]:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.full(n_entries, arr[()])
    if arr.ndim != 1 or arr.dtype == object or arr.shape[0] != n_entries:
        raise ValueError(
            f"{text!r} in {where} does not give one number per event (got shape {arr.shape}, "
            f"dtype {arr.dtype})."
        )
    return arr


def _read_range(
    request: _Request, source: _Source, sample_index: int, start: int, stop: int
) -> _Part:
    plan = source.plan
    n_entries = stop - start
    try:
        env: dict[str, Any] = (
            source.tree.arrays(
                plan.flat_branches, library="np", entry_start=start, entry_stop=stop, how=dict
            )
            if plan.flat_branches
            else {}
        )
        jagged = (
            source.tree.arrays(
                plan.jagged_branches, library="ak", entry_start=start, entry_stop=stop, how=dict
            )
            if plan.jagged_branches
            else None
        )
    except Exception as exc:
        raise ValueError(
            f"uproot could not read {plan.branches} from entries {start} to {stop} of "
            f"{plan.where}: {type(exc).__name__}: {exc}"
        ) from exc
    for branch in plan.jagged_branches:
        assert jagged is not None
        env[branch] = prepare_collection(jagged[branch], branch, plan.where)

    mask = None
    if plan.cut is not None:
        mask = np.asarray(evaluate(plan.cut, env, n_entries, plan.where))
        if mask.dtype != np.bool_ or mask.ndim != 1:
            raise ValueError(
                f"cut={plan.cut.text!r} gives values of dtype {mask.dtype}, not True/False per "
                "event. Write a comparison, e.g. 'pt > 20', and combine with '&' and '|'."
            )
    n = n_entries if mask is None else int(np.count_nonzero(mask))

    def column(spec: ColumnSpec) -> NDArray[Any]:
        value = evaluate(spec, env, n_entries, plan.where)
        arr = _as_column(value, n_entries, spec.text, plan.where)
        return arr if mask is None else arr[mask]

    arrays = {name: column(spec) for name, spec in plan.columns}
    if plan.weight is not None:
        raw = column(plan.weight)
        what = f"The weight {plan.weight.text!r} of sample {source.sample!r}"
        try:
            w = check_sample_weight(raw, n, name=what) if n else np.empty(0)
        except ValueError as exc:
            bad = np.flatnonzero(~np.isfinite(np.asarray(raw, dtype=np.float64)))
            if not bad.size:
                raise
            entries = np.arange(start, stop) if mask is None else np.flatnonzero(mask) + start
            raise ValueError(
                f"{exc} In file {source.path!r}, the first such event is entry "
                f"{int(entries[bad[0]])}."
            ) from None
        scale = request.scales[sample_index]
        if scale != 1.0:
            w = w * scale if np.shares_memory(w, raw) else np.multiply(w, scale, out=w)
        arrays[WEIGHT] = w
    if plan.event is not None:
        arrays[EVENT] = column(plan.event)
    return _Part(sample_index, n, arrays)


def _assemble(request: _Request, parts: list[_Part]) -> pd.DataFrame:
    names = request.column_names + [WEIGHT] + ([EVENT] if request.event is not None else [])
    n_samples = len(request.files)
    code_dtype = np.int8 if n_samples < 127 else np.int32
    index = np.array([p.sample_index for p in parts], dtype=code_dtype)
    counts = np.array([p.n for p in parts], dtype=np.int64)
    data: dict[str, Any] = {}
    for name in names:
        if name == WEIGHT and request.weight is None:
            # unit weights times the sample scale, built once rather than per part
            data[name] = np.repeat(np.asarray(request.scales, dtype=np.float64)[index], counts)
            continue
        arrays = [p.arrays[name] for p in parts]
        data[name] = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    codes = np.repeat(index, counts)
    labels = request.labels
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in labels):
        label_table = np.asarray(labels, dtype=np.int64)
    else:
        label_table = np.empty(len(labels), dtype=object)
        label_table[:] = labels
    event = data.pop(EVENT, None)
    data[LABEL] = np.repeat(label_table[index], counts)
    data[SAMPLE] = pd.Categorical.from_codes(
        codes, categories=pd.Index(request.names, dtype=object), validate=False
    )
    if event is not None:
        data[EVENT] = event
    return pd.DataFrame(data, copy=False)


def _sample_ranges(
    request: _Request, files: _Files, sample: Hashable
) -> Iterator[tuple[_Source, int, int]]:
    """(file, start, stop) for one sample, in order, honouring max_entries."""
    left = request.max_entries
    for path in request.files[sample]:
        if left is not None and left <= 0:
            return
        source = files.get(sample, path)
        stop = source.num_entries if left is None else min(source.num_entries, left)
        if left is not None:
            left -= stop
        yield source, 0, stop


def _empty_sample_error(request: _Request, sample: Hashable, n_read: int) -> ValueError:
    files = request.files[sample]
    if n_read == 0:
        return ValueError(
            f"Sample {sample!r} has no entries in tree {request.tree!r} (files: {files!r})."
        )
    return ValueError(
        f"The cut {request.cut!r} leaves no events of sample {sample!r} ({n_read} entries read "
        f"from {len(files)} file(s)). Loosen the cut, check its units, or drop the sample."
    )


# --------------------------------------------------------------------------- public API


def read_root(
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
) -> pd.DataFrame:
    """Read ROOT trees into one DataFrame of features, weights, labels and sample names.

    One call replaces the usual loop over ``uproot.open``: every sample's files are read,
    jagged collections are flattened by the rules below, the weights are validated (NaN
    and infinity raise, negative weights are kept) and scaled, and each event gets its
    class label and sample name.

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
        Read each file in ranges of this many entries (or of this much memory, e.g.
        ``"200 MB"``) rather than at once. This lowers the peak memory when jagged
        collections are flattened or a cut is applied; the result is the same.

    Returns
    -------
    DataFrame
        One column per entry of ``branches`` (its dtype as stored: float32 branches stay
        float32; expressions follow numpy's types: an object ``[k]`` and ``min``, ``max``,
        ``mean`` give float, ``n``, ``len``, ``count`` and a condition's ``sum`` int64,
        comparisons bool), then ``weight`` (float64),
        ``label`` (int64, or the values of ``labels``), ``sample`` (a pandas categorical
        whose categories are the sample names, in order) and ``event`` when requested. Rows
        come sample by sample, file by file, entry by entry; without ``cut`` the rows of one
        file are its entries in order, so scores computed from them line up with the file
        (see :func:`write_root`). The index is a RangeIndex.

    Raises
    ------
    FileNotFoundError
        A file does not exist, or a glob matches no file.
    TreeNotFoundError
        (a ``KeyError``) The tree is not in a file; the message lists the trees it holds.
    BranchNotFoundError
        (a ``KeyError``) A branch is not in the tree; the message suggests close matches.
    JaggedBranchError
        (a ``ValueError``) A request gives a list per event (a jagged collection that is
        neither indexed nor reduced); the message says how to reduce it.
    ValueError
        An expression is not valid or uses something not allowed (the message names it and
        lists what is allowed); the cut leaves a sample empty; a weight is NaN or infinite;
        bad arguments.

    See Also
    --------
    iterate_root : The same, in chunks, for data larger than memory.
    write_root : Write scores back as a friend tree.

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
    >>> from sklhep.io import read_root
    >>> df = read_root(
    ...     {"sig": sig, "bkg": bkg}, tree="Events",
    ...     branches=["MET_pt", "Jet_pt[0]", "n(Jet_pt)"], weight="genWeight",
    ...     labels={"sig": 1, "bkg": 0},
    ... )
    >>> df  # doctest: +NORMALIZE_WHITESPACE
       MET_pt  Jet_pt[0]  n(Jet_pt)  weight  label sample
    0    55.0       90.0          2     1.0      1    sig
    1    80.0      150.0          1    -0.5      1    sig
    2   120.0        NaN          0     1.0      1    sig
    3    20.0       30.0          1     2.0      0    bkg
    4    35.0       45.0          3     2.0      0    bkg
    >>> X, y, w = df[["MET_pt", "Jet_pt[0]", "n(Jet_pt)"]], df["label"], df["weight"]
    >>> read_root({"sig": sig, "bkg": bkg}, tree="Events", branches=["MET_pt"],
    ...           cut="MET_pt > 30")["sample"].tolist()
    ['sig', 'sig', 'sig', 'bkg']
    >>> import shutil; shutil.rmtree(tmp)
    """
    return _read_root(
        _Request.build(
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
    )


def _read_root(request: _Request) -> pd.DataFrame:
    parts: list[_Part] = []
    with _Files(request) as files:
        for index, sample in enumerate(request.names):
            n_read = n_kept = 0
            for source, start, stop in _sample_ranges(request, files, sample):
                step = _entries_per_step(request.step_size, source) or max(stop - start, 1)
                for lo in range(start, stop, step):
                    part = _read_range(request, source, index, lo, min(lo + step, stop))
                    n_kept += part.n
                    parts.append(part)
                n_read += stop - start
                files.release(sample, source.path)
            if n_kept == 0:
                raise _empty_sample_error(request, sample, n_read)
    return _assemble(request, parts)


def iterate_root(
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
    step_size: int | str = DEFAULT_ITERATE_STEP,
) -> Iterator[pd.DataFrame]:
    """Read ROOT trees chunk by chunk, as DataFrames like :func:`read_root`'s.

    For data larger than memory, and for out-of-core training with ``partial_fit``. Every
    chunk mixes all samples: chunk ``k`` of ``N`` holds the ``k``-th ``1/N`` of each
    sample's entries, so each class appears in every chunk in proportion to its size
    (events within a chunk are ordered by sample; shuffle them if the estimator needs it).
    The chunks have the same columns, dtypes and ``sample`` categories.

    Arguments are checked, and every file is opened and its branches checked, when
    ``iterate_root`` is called; the data are read as the chunks are consumed.

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
    step_size : int or str, default=100_000
        The size of a chunk before the cut: a number of entries over all samples, or a
        memory size such as ``"100 MB"`` (converted to entries with the first file).

    Yields
    ------
    DataFrame
        The columns of :func:`read_root`. Chunks that the cut leaves empty are skipped.

    Raises
    ------
    The errors of :func:`read_root`; a sample that the cut leaves empty in every chunk
    raises ValueError once all chunks have been read.

    Examples
    --------
    Out-of-core training of any estimator with ``partial_fit``:

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
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklhep.io import iterate_root
    >>> clf = SGDClassifier(loss="log_loss", random_state=0)
    >>> n_events = 0
    >>> for chunk in iterate_root(
    ...     {"sig": sig, "bkg": bkg}, tree="Events", branches=["MET_pt", "n(Jet_pt)"],
    ...     weight="genWeight", labels={"sig": 1, "bkg": 0}, step_size=2,
    ... ):
    ...     clf = clf.partial_fit(chunk[["MET_pt", "n(Jet_pt)"]], chunk["label"],
    ...                           classes=[0, 1], sample_weight=chunk["weight"])
    ...     n_events += len(chunk)
    >>> n_events
    5
    >>> import shutil; shutil.rmtree(tmp)
    """
    if step_size is None:
        raise ValueError("iterate_root needs a step_size (a number of entries or '100 MB').")
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
    files = _Files(request)
    try:
        # Open every file now, so that missing trees and branches raise at the call.
        ranges = {s: list(_sample_ranges(request, files, s)) for s in request.names}
    except BaseException:
        files.__exit__()
        raise
    return _iterate(request, files, ranges)


def _iterate(
    request: _Request, files: _Files, ranges: dict[Hashable, list[tuple[_Source, int, int]]]
) -> Iterator[pd.DataFrame]:
    with files:
        totals = [sum(stop - start for _, start, stop in ranges[s]) for s in request.names]
        for sample, total in zip(request.names, totals, strict=True):
            if total == 0:
                raise _empty_sample_error(request, sample, 0)
        first = ranges[request.names[0]][0][0]
        step = _entries_per_step(request.step_size, first)
        assert step is not None
        n_chunks = max(1, math.ceil(sum(totals) / step))
        kept = [0] * len(totals)
        for k in range(n_chunks):
            parts: list[_Part] = []
            for index, sample in enumerate(request.names):
                lo = totals[index] * k // n_chunks
                hi = totals[index] * (k + 1) // n_chunks
                offset = 0
                for source, start, stop in ranges[sample]:
                    a, b = max(lo - offset, 0), min(hi - offset, stop - start)
                    if a < b:
                        part = _read_range(request, source, index, start + a, start + b)
                        kept[index] += part.n
                        parts.append(part)
                    offset += stop - start
            if parts and sum(p.n for p in parts):
                yield _assemble(request, parts)
        for sample, total, n in zip(request.names, totals, kept, strict=True):
            if n == 0:
                raise _empty_sample_error(request, sample, total)
