"""The column syntax of :func:`sklhep.io.read_root`: branches, jagged rules, expressions.

Every requested column is a string, parsed once per tree into a :class:`ColumnSpec`:

``"pt"``
    A flat branch (one number per event), read as it is stored.
``"Jet_pt[0]"``, ``"Jet_pt[1]"``, ...
    The ``k``-th object of a jagged collection (``k`` counts from 0, in stored order, which
    for NanoAOD and most ntuples is decreasing pT). NaN when the event has ``k`` objects
    or fewer. Integer and boolean collections become float64, to hold the NaN.
``"n(Jet_pt)"``
    The number of objects in the event (int64).
``"sum(Jet_pt)"``, ``"min(Jet_pt)"``, ``"max(Jet_pt)"``, ``"mean(Jet_pt)"``
    A reduction over the event's objects: the sum is 0 for an event without objects, the
    others are NaN.
anything else, e.g. ``"sqrt(px**2 + py**2)"`` or ``"genWeight * puWeight"``
    An uproot expression over flat branches, evaluated by uproot.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import awkward as ak
import numpy as np
import uproot
from numpy.typing import NDArray

from sklhep.io._errors import BranchNotFoundError, JaggedBranchError, describe_choices

__all__ = ["REDUCTIONS", "ColumnSpec", "evaluate_jagged", "parse_column"]

#: The reductions accepted in ``"func(branch)"``.
REDUCTIONS: tuple[str, ...] = ("n", "sum", "min", "max", "mean")

_INDEX_RE = re.compile(r"^\s*(?P<branch>[^\[\]()\s]+)\s*\[\s*(?P<index>-?\d+)\s*\]\s*$")
_REDUCE_RE = re.compile(r"^\s*(?P<func>[A-Za-z_]\w*)\s*\(\s*(?P<branch>[^()\s,]+)\s*\)\s*$")

SYNTAX_HELP = (
    "'{b}[0]' (leading object, NaN when absent), '{b}[1]' (second object), 'n({b})' "
    "(multiplicity), or 'sum({b})', 'min({b})', 'max({b})', 'mean({b})'"
)

Kind = Literal["branch", "index", "reduce", "expression"]


@dataclass(frozen=True)
class ColumnSpec:
    """One parsed column request."""

    text: str
    kind: Kind
    #: The branch read (kinds "branch", "index", "reduce").
    branch: str | None = None
    index: int | None = None
    func: str | None = None

    @property
    def jagged(self) -> bool:
        """Whether the column is computed from an awkward (jagged) array."""
        return self.kind in ("index", "reduce")


def _is_flat(tree: Any, branch: str) -> bool:
    interp = tree[branch].interpretation
    return isinstance(interp, uproot.AsDtype) and interp.to_dtype.shape == ()


def _typename(tree: Any, branch: str) -> str:
    try:
        return str(tree[branch].typename)
    except Exception:  # pragma: no cover - exotic branches
        return "non-scalar"


def _missing(name: str, keys: Collection[str], where: str, text: str) -> BranchNotFoundError:
    detail = "" if name == text else f" (in {text!r})"
    return BranchNotFoundError(
        f"Branch {name!r}{detail} is not in {where}. "
        + describe_choices(name, list(keys), what="branches of that tree")
    )


def _jagged_error(tree: Any, branch: str, text: str, where: str) -> JaggedBranchError:
    used = "" if branch == text else f" (used in {text!r})"
    return JaggedBranchError(
        f"Branch {branch!r}{used} in {where} is a jagged collection ({_typename(tree, branch)} "
        "per event), but a DataFrame column needs one value per event. Request a flattening "
        "rule instead: " + SYNTAX_HELP.format(b=branch) + "."
    )


def expression_names(text: str) -> list[str]:
    """The branch names an uproot (Python-syntax) expression refers to."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(
            f"{text!r} is not a branch name, a jagged rule ('Jet_pt[0]', 'n(Jet_pt)', ...) or a "
            f"valid expression ({exc.msg}). Check the spelling."
        ) from None
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
        elif isinstance(node, ast.Attribute):
            skip.add(id(node.value))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in skip and node.id not in names:
            names.append(node.id)
    return names


def parse_column(text: str, tree: Any, keys: Collection[str], where: str) -> ColumnSpec:
    """Parse one requested column against a tree, raising clear errors.

    Parameters
    ----------
    text : str
        The requested column.
    tree : uproot.TTree
        The tree, to look branches' types up.
    keys : collection of str
        The tree's branch names (``tree.keys()``, cached by the caller).
    where : str
        A description of the tree for messages (``"tree 'Events' of file 'a.root'"``).
    """
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"Column requests must be non-empty strings, got {text!r}.")
    if text in keys:
        if not _is_flat(tree, text):
            raise _jagged_error(tree, text, text, where)
        return ColumnSpec(text, "branch", branch=text)
    match = _INDEX_RE.match(text)
    if match:
        branch, index = match["branch"], int(match["index"])
        if branch not in keys:
            raise _missing(branch, keys, where, text)
        if index < 0:
            raise ValueError(
                f"{text!r}: object indices count from 0 (the leading object); negative "
                "indices are not supported."
            )
        if _is_flat(tree, branch):
            raise ValueError(
                f"{text!r}: branch {branch!r} has one value per event, not a collection; "
                f"request {branch!r} itself."
            )
        return ColumnSpec(text, "index", branch=branch, index=index)
    match = _REDUCE_RE.match(text)
    if match and match["branch"] in keys and not _is_flat(tree, match["branch"]):
        func, branch = match["func"], match["branch"]
        if func not in REDUCTIONS:
            raise ValueError(
                f"{text!r}: unknown reduction {func!r} of the collection {branch!r}; the "
                f"reductions are {list(REDUCTIONS)}."
            )
        return ColumnSpec(text, "reduce", branch=branch, func=func)
    for name in expression_names(text):
        if name not in keys:
            raise _missing(name, keys, where, text)
        if not _is_flat(tree, name):
            raise _jagged_error(tree, name, text, where)
    return ColumnSpec(text, "expression")


def evaluate_jagged(spec: ColumnSpec, array: ak.Array) -> NDArray[Any]:
    """Turn one jagged branch into the 1-D numpy column ``spec`` asks for."""
    if array.ndim != 2:
        raise ValueError(
            f"{spec.text!r}: branch {spec.branch!r} is nested {array.ndim - 1} levels deep; "
            "the jagged rules apply to one level of nesting (one list per event) only."
        )
    if spec.func == "n":
        return np.asarray(ak.to_numpy(ak.num(array, axis=1)), dtype=np.int64)
    layout = array.layout
    while hasattr(layout, "content"):
        layout = layout.content
    if np.dtype(getattr(layout, "dtype", np.float64)).kind != "f":
        array = ak.values_astype(array, np.float64)
    if spec.kind == "index":
        assert spec.index is not None
        picked = ak.pad_none(array, spec.index + 1, axis=1, clip=True)[:, spec.index]
    else:
        picked = getattr(ak, str(spec.func))(array, axis=1)
    values = ak.to_numpy(picked, allow_missing=True)
    if isinstance(values, np.ma.MaskedArray):
        values = values.filled(np.nan)  # keeps float32 (ak.fill_none would give float64)
    return np.asarray(values)
