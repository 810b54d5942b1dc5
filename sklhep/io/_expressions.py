"""The column expressions of :func:`sklhep.io.read_root`: a small, safe language.

Every requested column (and ``weight``, ``cut`` and ``event``) is a string, compiled once
per tree into a :class:`ColumnSpec` and evaluated on each range of entries read. The
string is parsed with :func:`ast.parse` and checked against a whitelist of Python
syntax; it is never given to :func:`eval`, and nothing in it can reach Python objects,
attributes, imports or the file system. ``docs/io.md`` ("Expressions") is the user's
reference; in short:

- operands: branch names, numbers, ``True``/``False``, ``pi``, ``inf``, ``nan``;
- ``+ - * / // % **``, comparisons (chains allowed), ``& | ^ ~`` on True/False values,
  ``and``/``or``/``not`` (element-wise), parentheses;
- a jagged collection (``Jet_pt``) and anything computed from it element-wise is a list
  per event. ``x[k]`` picks object ``k`` (NaN when absent), ``x[a:b]`` the objects ``a``
  to ``b - 1``, ``x[condition]`` the objects passing a condition on the same collection;
  the reductions :data:`REDUCTIONS` make one value per event. Flat values broadcast
  against lists (``Jet_pt / MET_pt``) as in awkward;
- the element-wise functions :data:`FUNCTIONS` (numpy's, by their numpy or C names).

Every value is a Python-free numeric array, and arithmetic follows numpy (division by
zero gives ``inf`` or ``nan``, without a warning). True/False values count as 0/1 in
arithmetic. Errors are raised when the column is compiled, before anything is read,
whenever the tree's branch types allow it.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import awkward as ak
import numpy as np
import uproot
from numpy.typing import NDArray

from sklhep.io._errors import (
    BranchNotFoundError,
    ExpressionError,
    JaggedBranchError,
    describe_choices,
)

__all__ = [
    "FUNCTIONS",
    "REDUCTIONS",
    "ColumnSpec",
    "ExpressionError",
    "evaluate",
    "parse_column",
    "prepare_collection",
]

#: The longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: The deepest nesting of operations accepted (``a + b + c`` is 2 deep).
MAX_DEPTH = 200

Shape = Literal["scalar", "flat", "jagged"]
#: The element kind of a value: True/False, integer or floating point.
Kind = Literal["b", "i", "f"]
_SHAPES: dict[Shape, int] = {"scalar": 0, "flat": 1, "jagged": 2}

#: The reductions ``func(collection)`` and what they give for an event without objects.
REDUCTIONS: dict[str, str] = {
    "n": "the number of objects (0 for none)",
    "len": "the number of objects, as n (0 for none)",
    "count": "the number of objects passing a condition, count(Jet_pt > 30) (0 for none)",
    "sum": "the sum (0 for none; a condition's sum counts the objects passing it)",
    "min": "the smallest value (NaN for none)",
    "max": "the largest value (NaN for none)",
    "mean": "the mean (NaN for none)",
    "any": "whether any object passes a condition (False for none)",
    "all": "whether every object passes a condition (True for none)",
}

#: The named constants; a branch of the same name takes precedence.
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "inf": float(np.inf), "nan": float(np.nan)}


@dataclass(frozen=True)
class _Function:
    """An element-wise function: ``call(*args)`` on numpy arrays, awkward arrays or scalars."""

    call: Callable[..., Any]
    nargs: int
    #: "f": a float result; "same": the arguments' common kind; "b": True/False.
    result: Literal["f", "same", "b"]
    #: Whether the arguments are conditions (True/False), combined logically.
    logical: bool = False


def _scipy_special(name: str) -> Callable[..., Any]:
    def call(x: Any) -> Any:
        from scipy import special  # scikit-learn's dependency; imported only when used

        return getattr(special, name)(x)

    return call


def _clip(x: Any, lo: Any, hi: Any) -> Any:
    return np.minimum(np.maximum(x, lo), hi)


def _where(cond: Any, a: Any, b: Any) -> Any:
    if any(isinstance(v, ak.Array) for v in (cond, a, b)):
        return ak.where(*ak.broadcast_arrays(cond, a, b))
    return np.where(cond, a, b)


def _f(call: Callable[..., Any], nargs: int = 1) -> _Function:
    return _Function(call, nargs, "f")


#: The element-wise functions (applied to each object of a collection).
FUNCTIONS: dict[str, _Function] = {
    "abs": _Function(np.absolute, 1, "same"),
    "absolute": _Function(np.absolute, 1, "same"),
    "fabs": _f(np.fabs),
    "sign": _Function(np.sign, 1, "same"),
    "sqrt": _f(np.sqrt),
    "cbrt": _f(np.cbrt),
    "exp": _f(np.exp),
    "exp2": _f(np.exp2),
    "expm1": _f(np.expm1),
    "log": _f(np.log),
    "log2": _f(np.log2),
    "log10": _f(np.log10),
    "log1p": _f(np.log1p),
    "sin": _f(np.sin),
    "cos": _f(np.cos),
    "tan": _f(np.tan),
    "arcsin": _f(np.arcsin),
    "asin": _f(np.arcsin),
    "arccos": _f(np.arccos),
    "acos": _f(np.arccos),
    "arctan": _f(np.arctan),
    "atan": _f(np.arctan),
    "arctan2": _f(np.arctan2, 2),
    "atan2": _f(np.arctan2, 2),
    "sinh": _f(np.sinh),
    "cosh": _f(np.cosh),
    "tanh": _f(np.tanh),
    "arcsinh": _f(np.arcsinh),
    "asinh": _f(np.arcsinh),
    "arccosh": _f(np.arccosh),
    "acosh": _f(np.arccosh),
    "arctanh": _f(np.arctanh),
    "atanh": _f(np.arctanh),
    "hypot": _f(np.hypot, 2),
    "copysign": _f(np.copysign, 2),
    "floor": _f(np.floor),
    "ceil": _f(np.ceil),
    "trunc": _f(np.trunc),
    "rint": _f(np.rint),
    "round": _f(np.rint),
    "erf": _f(_scipy_special("erf")),
    "erfc": _f(_scipy_special("erfc")),
    "minimum": _Function(np.minimum, 2, "same"),
    "maximum": _Function(np.maximum, 2, "same"),
    "fmin": _Function(np.fmin, 2, "same"),
    "fmax": _Function(np.fmax, 2, "same"),
    "clip": _Function(_clip, 3, "same"),
    "where": _Function(_where, 3, "same"),
    "isnan": _Function(np.isnan, 1, "b"),
    "isinf": _Function(np.isinf, 1, "b"),
    "isfinite": _Function(np.isfinite, 1, "b"),
    "signbit": _Function(np.signbit, 1, "b"),
    "logical_and": _Function(np.logical_and, 2, "b", logical=True),
    "logical_or": _Function(np.logical_or, 2, "b", logical=True),
    "logical_not": _Function(np.logical_not, 1, "b", logical=True),
}

ALLOWED = (
    "branch names, numbers, True/False, pi, inf, nan; + - * / // % **; comparisons "
    "(< <= > >= == !=); & | ^ ~ and 'and', 'or', 'not' on conditions; parentheses; "
    "objects of a collection: x[0], x[1:3], x[condition]; the reductions "
    + ", ".join(f"{r}(...)" for r in REDUCTIONS)
    + "; and the element-wise functions "
    + ", ".join(FUNCTIONS)
    + " (see docs/io.md, 'Expressions')"
)

#: How to make one value per event of a list per event ``{b}``.
SYNTAX_HELP = (
    "'{s}[0]' (the first object, NaN when absent; '[1]' the second, ...), 'n({b})' or "
    "'len({b})' (the number of objects), 'sum({b})', 'max({b})', 'min({b})', 'mean({b})', "
    "or a count of the objects passing a condition such as 'sum({s} > 30)'"
)


# --------------------------------------------------------------------------- values
def _leaf_dtype(value: Any) -> np.dtype[Any]:
    """The dtype of the numbers in a value; ``object`` for strings."""
    if isinstance(value, ak.Array):
        layout = value.layout
        while hasattr(layout, "content"):
            if layout.parameter("__array__") in ("string", "bytestring"):
                return np.dtype(object)
            layout = layout.content
        return np.dtype(getattr(layout, "dtype", np.float64))
    return np.asarray(value).dtype


def _astype(value: Any, dtype: type[np.generic]) -> Any:
    if isinstance(value, ak.Array):
        return ak.values_astype(value, dtype)
    if isinstance(value, np.ndarray):
        return value.astype(dtype)
    if isinstance(value, (bool, int, float)):  # a constant stays a (weakly typed) Python number
        return float(value) if dtype is np.float64 else int(value)
    return dtype(value)


def _numeric(value: Any) -> Any:
    """True/False count as 0/1 in arithmetic (numpy would add booleans as 'or')."""
    return _astype(value, np.int64) if _leaf_dtype(value).kind == "b" else value


def _to_column(values: Any) -> NDArray[Any]:
    """A flat awkward array (possibly with missing values) as numpy, missing → NaN."""
    out = ak.to_numpy(values, allow_missing=True)
    if isinstance(out, np.ma.MaskedArray):
        if out.dtype.kind != "f":
            out = out.astype(np.float64)
        out = out.filled(np.nan)  # keeps float32 (ak.fill_none would give float64)
    return np.asarray(out)


def _as_float_collection(value: ak.Array) -> ak.Array:
    """Integer and boolean collections become float64, to hold the NaN of a missing object."""
    return value if _leaf_dtype(value).kind == "f" else ak.values_astype(value, np.float64)


def prepare_collection(array: ak.Array, branch: str, where: str) -> ak.Array:
    """Check a jagged branch as read, and make its lists variable-length."""
    if array.ndim != 2:
        raise ValueError(
            f"Branch {branch!r} in {where} is nested {array.ndim - 1} levels deep; "
            "expressions apply to one level of nesting (one list per event) only."
        )
    if _leaf_dtype(array).kind not in "biuf":
        raise ValueError(
            f"Branch {branch!r} in {where} holds {ak.type(array)}, not numbers; "
            "expressions apply to numbers and True/False only."
        )
    return ak.from_regular(array, axis=1)  # fixed-size arrays (float[3]) behave as lists


def _reduce(func: str, value: ak.Array) -> NDArray[Any]:
    if func in ("n", "len"):
        return np.asarray(ak.to_numpy(ak.num(value, axis=1)), dtype=np.int64)
    if func in ("sum", "count"):  # the sum of True/False values is an int64 count
        return _to_column(ak.sum(value, axis=1))
    if func in ("any", "all"):
        return _to_column(getattr(ak, func)(value, axis=1))
    return _to_column(getattr(ak, func)(_as_float_collection(value), axis=1))


def _index(value: ak.Array, k: int) -> NDArray[Any]:
    value = _as_float_collection(value)
    return _to_column(ak.pad_none(value, k + 1, axis=1, clip=True)[:, k])


def _mask(value: ak.Array, mask: ak.Array, text: str, where: str) -> ak.Array:
    counts = ak.to_numpy(ak.num(value, axis=1))
    if not np.array_equal(counts, ak.to_numpy(ak.num(mask, axis=1))):
        raise ExpressionError(
            f"{text!r} in {where}: the condition in [...] has a different number of objects "
            "than the collection it selects from in some events; select with a condition on "
            "the same collection, e.g. 'Jet_pt[Jet_eta > 0]' (Jet_pt and Jet_eta are both "
            "jets)."
        )
    # On the flat contents with numpy: several times faster than awkward's jagged mask.
    keep = np.asarray(ak.to_numpy(ak.flatten(mask, axis=1)), dtype=np.bool_)
    passed = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    ends = np.cumsum(counts, dtype=np.int64)
    kept = passed[ends] - passed[ends - counts]
    return ak.unflatten(ak.to_numpy(ak.flatten(value, axis=1))[keep], kept)


# --------------------------------------------------------------------------- compiling
@dataclass(frozen=True)
class _Node:
    """A compiled (sub)expression: its static shape and kind, and how to evaluate it."""

    shape: Shape
    kind: Kind
    run: Callable[[Mapping[str, Any]], Any]
    source: str


def _scalar(value: bool | int | float, source: str) -> _Node:
    """A constant, kept a Python number so that numpy treats it as weakly typed (NEP 50):
    ``Jet_eta * 2`` stays float32."""
    kind: Kind = "b" if isinstance(value, bool) else "i" if isinstance(value, int) else "f"
    return _Node("scalar", kind, lambda env: value, source)


def _promote(*kinds: Kind) -> Kind:
    return "f" if "f" in kinds else "i" if "i" in kinds else "b"


def _widest(*shapes: Shape) -> Shape:
    return max(shapes, key=lambda s: _SHAPES[s])


def _branch_type(tree: Any, branch: str) -> tuple[Shape, Kind, int]:
    """(shape, element kind, nesting depth) of a branch, from its uproot interpretation."""
    interp = tree[branch].interpretation
    depth = 1
    if isinstance(interp, uproot.AsJagged):
        interp, depth = interp.content, 2
    if isinstance(interp, uproot.AsDtype):
        dtype = interp.to_dtype
        depth += len(dtype.shape)
        base = dtype.base
        kind: Kind = "b" if base.kind == "b" else "i" if base.kind in "iu" else "f"
        return ("flat" if depth == 1 else "jagged"), kind, depth
    return "jagged", "f", 0  # objects (std::vector<...> of ...): checked when read


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


def _jagged_result_error(
    text: str, source: str, branches: list[str], tree: Any, where: str, atomic: bool = True
) -> JaggedBranchError:
    listed = [b for b in branches if _branch_type(tree, b)[0] == "jagged"]
    name = listed[0] if listed else source
    what = f"Branch {name!r}" + ("" if name == text else f" (used in {text!r})")
    sub = source if atomic else f"({source})"  # '(Jet_pt * 2)[0]', but 'Jet_pt[1:][0]'
    return JaggedBranchError(
        f"{what} in {where} is a jagged collection ({_typename(tree, name)} per event), so "
        f"{source!r} is a list per event, but a DataFrame column needs one value per event. "
        "Pick an object or reduce the list: " + SYNTAX_HELP.format(b=source, s=sub) + "."
    )


_FORBIDDEN: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.IfExp: "a conditional 'a if c else b' (write where(c, a, b))",
    ast.NamedExpr: "an assignment (:=)",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.JoinedStr: "an f-string",
    ast.Starred: "unpacking (*)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice outside [...]",
}

_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.remainder,
    ast.Pow: np.power,
}
_BITWISE: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.BitAnd: ("&", np.bitwise_and),
    ast.BitOr: ("|", np.bitwise_or),
    ast.BitXor: ("^", np.bitwise_xor),
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


class _Compiler:
    def __init__(self, text: str, tree: Any, keys: Collection[str], where: str) -> None:
        self.text, self.tree, self.keys, self.where = text, tree, keys, where
        self.branches: list[str] = []

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(f"{self.text!r} in {self.where}: {message}")

    def forbidden(self, node: ast.AST, what: str) -> ExpressionError:
        segment = self.segment(node)
        shown = f" ({segment!r})" if segment and segment != self.text else ""
        return self.error(f"{what}{shown} is not allowed in an expression. Allowed: {ALLOWED}.")

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    # ------------------------------------------------------------------ nodes
    def compile(self, node: ast.AST, depth: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            raise self.error(
                f"the expression is nested more than {MAX_DEPTH} levels deep; split it into "
                "several columns."
            )
        compiled = self.compile_node(node, depth + 1)
        if compiled.shape == "scalar" and not isinstance(node, (ast.Constant, ast.Name)):
            try:
                with np.errstate(all="ignore"):
                    value = compiled.run({})
            except Exception as exc:  # pragma: no cover - numpy rarely refuses numbers
                raise self.error(f"{compiled.source!r} cannot be computed: {exc}") from None
            return _scalar(
                value.item() if isinstance(value, np.generic) else value, compiled.source
            )
        return compiled

    def compile_node(self, node: ast.AST, depth: int) -> _Node:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.Attribute):
            dotted = self.dotted(node)
            if dotted is not None and dotted in self.keys:
                return self.name(dotted, node)
            raise self.forbidden(node, "attribute access")
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node, depth)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, depth)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _FORBIDDEN.get(type(node), f"the Python construct {type(node).__name__}")
        raise self.forbidden(node, what)

    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            head = self.dotted(node.value)
            return None if head is None else f"{head}.{node.attr}"
        return None

    def constant(self, node: ast.Constant) -> _Node:
        value = node.value
        source = self.segment(node)
        if isinstance(value, bool):
            return _scalar(value, source)
        if isinstance(value, int):
            return _scalar(value if -(2**63) <= value < 2**63 else float(value), source)
        if isinstance(value, float):
            return _scalar(value, source)
        what = "a string" if isinstance(value, (str, bytes)) else f"the constant {value!r}"
        raise self.forbidden(node, what)

    def name(self, name: str, node: ast.AST) -> _Node:
        if name in self.keys:
            shape, kind, depth = _branch_type(self.tree, name)
            if depth > 2:
                raise self.error(
                    f"branch {name!r} is nested {depth - 1} levels deep "
                    f"({_typename(self.tree, name)}); expressions apply to one level of "
                    "nesting (one list per event) only."
                )
            if name not in self.branches:
                self.branches.append(name)
            return _Node(shape, kind, lambda env: env[name], name)
        if name in CONSTANTS:
            return _scalar(CONSTANTS[name], name)
        if name in FUNCTIONS or name in REDUCTIONS:
            raise self.error(f"{name!r} is a function; call it, e.g. '{name}(Jet_pt)'.")
        raise _missing(name, self.keys, self.where, self.text)

    def binop(self, node: ast.BinOp, depth: int) -> _Node:
        left, right = self.compile(node.left, depth), self.compile(node.right, depth)
        shape, source = _widest(left.shape, right.shape), self.segment(node)
        op_type = type(node.op)
        if op_type in _BITWISE:
            symbol, bitwise = _BITWISE[op_type]
            for side in (left, right):
                if side.kind == "f":
                    raise self.error(
                        f"{symbol!r} combines conditions (True/False values), but "
                        f"{side.source!r} is a number. Compare first and put each comparison "
                        "in parentheses, e.g. '(Jet_pt > 30) & (abs(Jet_eta) < 2.4)'; "
                        f"{symbol!r} binds more tightly than '>'."
                    )
            kind: Kind = "b" if left.kind == right.kind == "b" else "i"
            lrun, rrun = left.run, right.run
            return _Node(shape, kind, lambda env: bitwise(lrun(env), rrun(env)), source)
        if op_type not in _ARITHMETIC:
            raise self.forbidden(node, f"the operator {type(node.op).__name__}")
        func = _ARITHMETIC[op_type]
        lrun, rrun = left.run, right.run
        if op_type is ast.Pow:
            # numpy refuses integers to negative integer powers: compute powers in floats
            def power(env: Mapping[str, Any]) -> Any:
                base = lrun(env)
                if _leaf_dtype(base).kind in "biu":
                    base = _astype(base, np.float64)
                return np.power(base, _numeric(rrun(env)))

            return _Node(shape, "f", power, source)
        kind = "f" if op_type is ast.Div else _promote(left.kind, right.kind, "i")
        return _Node(
            shape, kind, lambda env: func(_numeric(lrun(env)), _numeric(rrun(env))), source
        )

    def unaryop(self, node: ast.UnaryOp, depth: int) -> _Node:
        operand = self.compile(node.operand, depth)
        run, source = operand.run, self.segment(node)
        if isinstance(node.op, ast.USub):
            kind = _promote(operand.kind, "i")
            return _Node(operand.shape, kind, lambda env: np.negative(_numeric(run(env))), source)
        if isinstance(node.op, ast.UAdd):
            kind = _promote(operand.kind, "i")
            return _Node(operand.shape, kind, lambda env: _numeric(run(env)), source)
        if isinstance(node.op, ast.Not):
            return _Node(operand.shape, "b", lambda env: np.logical_not(run(env)), source)
        if operand.kind == "f":
            raise self.error(
                f"'~' negates a condition (True/False values), but {operand.source!r} is a "
                "number; write e.g. '~(Jet_pt > 30)'."
            )
        return _Node(operand.shape, operand.kind, lambda env: np.invert(run(env)), source)

    def boolop(self, node: ast.BoolOp, depth: int) -> _Node:
        values = [self.compile(v, depth) for v in node.values]
        func = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        runs = [v.run for v in values]

        def run(env: Mapping[str, Any]) -> Any:
            out = runs[0](env)
            for r in runs[1:]:
                out = func(out, r(env))
            return out

        return _Node(_widest(*(v.shape for v in values)), "b", run, self.segment(node))

    def compare(self, node: ast.Compare, depth: int) -> _Node:
        operands = [self.compile(node.left, depth)]
        operands += [self.compile(c, depth) for c in node.comparators]
        funcs = []
        for op in node.ops:
            if type(op) not in _COMPARE:
                symbol = {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
                raise self.forbidden(node, f"the comparison {symbol.get(type(op), '?')!r}")
            funcs.append(_COMPARE[type(op)])
        runs = [o.run for o in operands]

        def run(env: Mapping[str, Any]) -> Any:
            values = [r(env) for r in runs]
            out = None
            for func, a, b in zip(funcs, values, values[1:], strict=False):
                step = func(a, b)
                out = step if out is None else np.logical_and(out, step)
            return out

        shape = _widest(*(o.shape for o in operands))
        return _Node(shape, "b", run, self.segment(node))

    def subscript(self, node: ast.Subscript, depth: int) -> _Node:
        value = self.compile(node.value, depth)
        source, index = self.segment(node), node.slice
        if value.shape != "jagged":
            raise self.error(
                f"{value.source!r} has one value per event, not a collection of objects, so "
                f"{source!r} cannot pick objects from it; use {value.source!r} itself."
            )
        run = value.run
        if isinstance(index, ast.Slice):
            if index.step is not None:
                raise self.forbidden(index, "a slice step")
            lo, hi = (
                None if b is None else self.object_number(b, source)
                for b in (index.lower, index.upper)
            )
            return _Node("jagged", value.kind, lambda env: run(env)[:, lo:hi], source)
        number = self.object_number(index, source, strict=False)
        if number is not None:
            k = number
            kind: Kind = "f"  # an absent object is NaN, so integers become floats
            return _Node("flat", kind, lambda env: _index(run(env), k), source)
        mask = self.compile(index, depth)
        if mask.shape != "jagged" or mask.kind != "b":
            what = "one value per event" if mask.shape != "jagged" else "numbers, not True/False"
            raise self.error(
                f"in {source!r}, the index {mask.source!r} gives {what}. Inside [...] write an "
                "object number ('Jet_pt[0]'), a range ('Jet_pt[0:2]') or a condition on the "
                "same collection ('Jet_pt[Jet_pt > 30]'). To select events, use cut=."
            )
        mrun, text, where = mask.run, self.text, self.where
        return _Node(
            "jagged", value.kind, lambda env: _mask(run(env), mrun(env), text, where), source
        )

    def object_number(self, node: ast.AST, source: str, strict: bool = True) -> int | None:
        """A constant, non-negative object number; ``None`` (when not strict) otherwise."""
        negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
        inner = node.operand if isinstance(node, ast.UnaryOp) and negative else node
        if isinstance(inner, ast.Constant) and type(inner.value) is int:
            if negative:
                raise self.error(
                    f"in {source!r}, object numbers count from 0 (the first object); negative "
                    "numbers are not supported."
                )
            return int(inner.value)
        if strict:
            raise self.error(
                f"in {source!r}, the bounds of a range of objects must be whole numbers, "
                "e.g. 'Jet_pt[0:2]'."
            )
        return None

    def call(self, node: ast.Call, depth: int) -> _Node:
        source = self.segment(node)
        if not isinstance(node.func, ast.Name):
            raise self.forbidden(
                node, "calling anything but a function by its name (methods, attributes)"
            )
        name = node.func.id
        if name not in FUNCTIONS and name not in REDUCTIONS:
            known = list(REDUCTIONS) + list(FUNCTIONS)
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            guess = ("Did you mean " + " or ".join(repr(c) for c in close) + "? ") if close else ""
            raise self.error(
                f"unknown function {name!r}. {guess}The reductions (a collection to one value "
                f"per event) are {', '.join(REDUCTIONS)}; the element-wise functions are "
                f"{', '.join(FUNCTIONS)}."
            )
        if node.keywords:
            raise self.forbidden(node, "a keyword argument")
        if name in REDUCTIONS:
            return self.reduction(name, node, source, depth)
        func = FUNCTIONS[name]
        if len(node.args) != func.nargs:
            plural = "s" if func.nargs > 1 else ""
            raise self.error(
                f"{name}() takes {func.nargs} argument{plural}, got {len(node.args)} in "
                f"{source!r}."
            )
        args = [self.compile(a, depth) for a in node.args]
        if name == "where" and args[0].kind != "b":
            raise self.error(
                f"the first argument of where() must be a condition (True/False), e.g. "
                f"'where(Jet_pt > 30, Jet_pt, 0)'; got {args[0].source!r}."
            )
        if func.logical:
            for a in args:
                if a.kind == "f":
                    raise self.error(
                        f"{name}() combines conditions, but {a.source!r} is a number."
                    )
        kinds = [a.kind for a in (args[1:] if name == "where" else args)]
        kind: Kind = "f" if func.result == "f" else "b" if func.result == "b" else _promote(*kinds)
        runs = [a.run for a in args]
        call = func.call
        if func.logical or name == "where":
            first = 1 if name == "where" else len(runs)

            def run(env: Mapping[str, Any]) -> Any:
                values = [r(env) for r in runs]
                return call(*values[:first], *(_numeric(v) for v in values[first:]))
        else:

            def run(env: Mapping[str, Any]) -> Any:
                return call(*(_numeric(r(env)) for r in runs))

        return _Node(_widest(*(a.shape for a in args)), kind, run, source)

    def reduction(self, name: str, node: ast.Call, source: str, depth: int) -> _Node:
        if len(node.args) != 1:
            hint = ""
            if name in ("min", "max") and len(node.args) == 2:
                hint = f" For the {'smaller' if name == 'min' else 'larger'} of two values "
                hint += f"per event write '{name}imum(a, b)'."
            raise self.error(
                f"{name}() reduces one collection, e.g. '{name}(Jet_pt)'; got "
                f"{len(node.args)} arguments in {source!r}.{hint}"
            )
        arg = self.compile(node.args[0], depth)
        if arg.shape != "jagged":
            raise self.error(
                f"{name}() reduces a collection of objects to one value per event, but "
                f"{arg.source!r} already has one value per event."
            )
        if name in ("count", "any", "all") and arg.kind != "b":
            raise self.error(
                f"{name}() takes a condition on the objects, e.g. '{name}(Jet_pt > 30)'; "
                f"{arg.source!r} holds numbers, not True/False. (For the number of objects write "
                f"'n({arg.source})'.)"
            )
        kind: Kind
        if name in ("n", "len", "count"):
            kind = "i"
        elif name in ("any", "all"):
            kind = "b"
        elif name == "sum":
            kind = "f" if arg.kind == "f" else "i"
        else:
            kind = "f"
        run = arg.run
        return _Node("flat", kind, lambda env: _reduce(name, run(env)), source)


# --------------------------------------------------------------------------- public
@dataclass(frozen=True)
class ColumnSpec:
    """One compiled column request."""

    text: str
    #: "branch": a flat branch read as it is stored; "expression": anything else.
    kind: Literal["branch", "expression"]
    #: The branches the request reads, in order of appearance.
    branches: tuple[str, ...]
    #: The branches among them that are jagged (read with awkward).
    jagged_branches: tuple[str, ...]
    #: The element kind of the result: "b" (True/False), "i" or "f".
    dtype_kind: Kind
    _run: Callable[[Mapping[str, Any]], Any] | None = None

    @property
    def jagged(self) -> bool:
        """Whether the column reads a jagged collection."""
        return bool(self.jagged_branches)


def parse_column(text: str, tree: Any, keys: Collection[str], where: str) -> ColumnSpec:
    """Compile one requested column against a tree, raising clear errors.

    Parameters
    ----------
    text : str
        The requested column: a branch name or an expression (see the module docstring).
    tree : uproot.TTree
        The tree, to look branches' types up.
    keys : collection of str
        The tree's branch names (``tree.keys()``, cached by the caller).
    where : str
        A description of the tree for messages (``"tree 'Events' of file 'a.root'"``).

    Returns
    -------
    ColumnSpec
        The compiled request, giving one value per event.

    Raises
    ------
    BranchNotFoundError
        A name is neither a branch of the tree nor a constant; close matches are suggested.
    JaggedBranchError
        The request gives a list per event (a jagged collection not reduced or indexed).
    ValueError
        The request is not a valid expression; the message names what is allowed.
    """
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"Column requests must be non-empty strings, got {text!r}.")
    if text in keys:
        shape, kind, _ = _branch_type(tree, text)
        if shape != "flat":
            raise _jagged_result_error(text, text, [text], tree, where)
        return ColumnSpec(text, "branch", (text,), (), kind)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"The expression {text[:60]!r}... in {where} is {len(text)} characters long; "
            f"expressions are limited to {MAX_LENGTH}."
        )
    source = text.strip()
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        hint = ""
        if "&&" in source or "||" in source or "!" in source.replace("!=", ""):
            hint = " Write '&', '|' and '~' (or 'and', 'or', 'not'), not '&&', '||' and '!'."
        raise ExpressionError(
            f"{text!r} in {where} is not a branch name or a valid expression ({exc.msg}). "
            f"Check the spelling and the parentheses.{hint}"
        ) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(
            f"{text[:60]!r} in {where} cannot be parsed ({type(exc).__name__}: it is nested "
            "too deeply or is not text); split it into several columns."
        ) from None
    compiler = _Compiler(source, tree, keys, where)
    compiled = compiler.compile(node)
    if compiled.shape == "jagged":
        atomic = isinstance(node, (ast.Name, ast.Subscript, ast.Call, ast.Attribute))
        raise _jagged_result_error(text, compiled.source, compiler.branches, tree, where, atomic)
    jagged = tuple(b for b in compiler.branches if _branch_type(tree, b)[0] == "jagged")
    return ColumnSpec(
        text, "expression", tuple(compiler.branches), jagged, compiled.kind, compiled.run
    )


def evaluate(spec: ColumnSpec, env: Mapping[str, Any], n_entries: int, where: str) -> Any:
    """The 1-D numpy column of ``spec`` over ``n_entries`` events.

    ``env`` maps each branch in ``spec.branches`` to its values: a numpy array for a flat
    branch, an awkward array passed through :func:`prepare_collection` for a jagged one.
    """
    if spec.kind == "branch":
        return env[spec.text]
    assert spec._run is not None
    try:
        with np.errstate(all="ignore"):
            value = spec._run(env)
    except ExpressionError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        hint = ""
        if "broadcast" in str(exc):
            hint = (
                " Element-wise operations on two collections need the same number of objects "
                "in every event: combine branches of one collection (Jet_pt and Jet_eta), or "
                "reduce each collection first (max(Jet_pt) - max(Muon_pt))."
            )
        raise ExpressionError(
            f"{spec.text!r} in {where} could not be evaluated ({type(exc).__name__}: "
            f"{first}).{hint}"
        ) from None
    if isinstance(value, ak.Array):  # pragma: no cover - flat results are numpy already
        value = _to_column(value)
    value = np.asarray(value)
    if value.ndim == 0:
        return np.full(n_entries, value[()])
    return value
