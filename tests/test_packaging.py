"""Packaging invariants: no import cycles, every module importable on its own, dependency
bounds that admit the installed versions, private scikit-learn names only in
``sklhep/_sklearn_compat.py``."""

from __future__ import annotations

import ast
import itertools
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sklhep"
COMPAT = PACKAGE / "_sklearn_compat.py"

#: Running this module starts the command line; it is checked by test_package.py instead.
NOT_IMPORTABLE_ALONE = {"sklhep.__main__"}

#: Libraries whose private names must go through ``sklhep/_sklearn_compat.py``.
PRIVATE_API_ROOTS = ("sklearn", "skorch")

#: Dependencies whose private API sklhep uses: they need an upper bound.
BOUNDED = ("scikit-learn", "skorch")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {
    _module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "__pycache__" not in path.parts
}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Every import in a module (module level and inside functions), except under
    ``if TYPE_CHECKING:``, as ``(line, module, names)``; ``names`` is ``None`` for
    ``import a.b`` and the imported names for ``from a.b import x, y``."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.found: list[tuple[int, str, list[str] | None]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((node.lineno, alias.name, None))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module if self.module in PACKAGES else self.module.rpartition(".")[0]
            parts = package.split(".")
            anchor = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{anchor}.{base}" if base else anchor
        self.found.append((node.lineno, base, [alias.name for alias in node.names]))


def _imports(module: str) -> list[tuple[int, str, list[str] | None]]:
    visitor = _Imports(module)
    visitor.visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return visitor.found


def _targets(base: str, names: list[str] | None) -> list[str]:
    """The sklhep modules an import statement depends on: ``from pkg import x`` is
    ``pkg.x`` when that is a submodule, else ``pkg`` (its ``__init__``)."""
    if base != "sklhep" and not base.startswith("sklhep."):
        return []
    if names is None:
        return [base]
    return [f"{base}.{n}" if f"{base}.{n}" in MODULES else base for n in names]


def _import_graph() -> dict[str, dict[str, int]]:
    """``{module: {imported sklhep module: line}}``."""
    graph: dict[str, dict[str, int]] = {}
    for module in MODULES:
        edges = graph.setdefault(module, {})
        for line, base, names in _imports(module):
            for target in _targets(base, names):
                edges.setdefault(target, line)
    return graph


def test_every_internal_import_resolves():
    missing = [
        f"{module} (line {line}) imports {target}"
        for module, edges in _import_graph().items()
        for target, line in edges.items()
        if target not in MODULES
    ]
    assert not missing, "imports of sklhep modules that do not exist:\n" + "\n".join(missing)


def _is_reexport(source: str, target: str) -> bool:
    """A package ``__init__`` importing one of its own submodules."""
    return source in PACKAGES and target.startswith(source + ".")


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_no_import_cycles():
    graph = {
        module: [t for t in edges if t != module and t in MODULES and not _is_reexport(module, t)]
        for module, edges in _import_graph().items()
    }
    cycle = _find_cycle(graph)
    full = _import_graph()
    assert cycle is None, (
        "import cycle: "
        + " -> ".join(f"{a} (line {full[a][b]})" for a, b in itertools.pairwise(cycle))
        + f" -> {cycle[-1]}"
    )


def test_import_resolution():
    visitor = _Imports("sklhep.io._read")
    code = (
        "from . import _errors\n"
        "from ..weights import check_sample_weight\n"
        "def f():\n    from sklhep.io import read_root\n"
        "if TYPE_CHECKING:\n    import sklhep.cli\nelse:\n    import sklhep.routing\n"
    )
    visitor.visit(ast.parse(code))
    assert visitor.found == [
        (1, "sklhep.io", ["_errors"]),
        (2, "sklhep.weights", ["check_sample_weight"]),
        (4, "sklhep.io", ["read_root"]),
        (8, "sklhep.routing", None),
    ]
    assert _targets("sklhep.io", ["_errors", "read_root"]) == ["sklhep.io._errors", "sklhep.io"]
    assert _targets("numpy", ["ndarray"]) == []


def test_find_cycle_reports_the_path():
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": []}
    assert _find_cycle(graph) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": ["b"], "b": [], "c": ["a"]}) is None


_IMPORT_EACH_ALONE = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "sklhep" or m.startswith("sklhep.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def test_every_module_imports_alone():
    """Each module imported first, with no other sklhep module loaded (one subprocess;
    third-party modules stay loaded between imports, which keeps it fast)."""
    names = sorted(set(MODULES) - NOT_IMPORTABLE_ALONE)
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_ALONE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
    )
    failed = json.loads(out.stdout.strip().splitlines()[-1])
    assert not failed, "\n".join(f"{name}:\n{tb}" for name, tb in failed.items())


# -- dependency bounds ----------------------------------------------------------------------
def _requirements() -> dict[str, Requirement]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    reqs = [Requirement(dep) for dep in deps]
    return {req.name: req for req in reqs if req.marker is None or req.marker.evaluate()}


@pytest.mark.parametrize("name", BOUNDED)
def test_installed_version_is_within_the_declared_bounds(name):
    req = _requirements()[name]
    installed = version(name)
    assert req.specifier.contains(installed, prereleases=True), (
        f"installed {name} {installed} is outside pyproject.toml's {req}"
    )


@pytest.mark.parametrize("name", BOUNDED)
def test_private_api_dependency_has_an_upper_bound(name):
    """sklhep uses private names of these (``_sklearn_compat.py``): a new release may
    break it, so pyproject.toml admits only the tested releases."""
    req = _requirements()[name]
    assert any(spec.operator in {"<", "<=", "==", "===", "~="} for spec in req.specifier), (
        f"pyproject.toml's {req} has no upper bound"
    )


# -- private scikit-learn API ---------------------------------------------------------------
def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _private_uses(path: Path) -> list[str]:
    """``from sklearn... import _x``, ``sklearn.x._y`` imports and attribute paths."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    # only the outermost attribute of a chain like sklearn.a._b.c
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}

    def private_path(dotted: str) -> bool:
        parts = dotted.split(".")
        return parts[0] in PRIVATE_API_ROOTS and any(map(_is_private, parts[1:]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}" for a in node.names if private_path(a.name)
            ]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] not in PRIVATE_API_ROOTS:
                continue
            names = [a.name for a in node.names]
            if private_path(node.module) or any(map(_is_private, names)):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Attribute) and id(node) not in inner:
            parts = []
            expr: ast.expr = node
            while isinstance(expr, ast.Attribute):
                parts.append(expr.attr)
                expr = expr.value
            if isinstance(expr, ast.Name) and private_path(".".join([expr.id, *reversed(parts)])):
                found.append(f"line {node.lineno}: {expr.id}.{'.'.join(reversed(parts))}")
    return sorted(set(found))


def test_private_sklearn_names_only_in_compat():
    offenders = {
        str(path.relative_to(ROOT)): uses
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != COMPAT and (uses := _private_uses(path))
    }
    assert not offenders, (
        "import private scikit-learn/skorch names through sklhep/_sklearn_compat.py:\n"
        + "\n".join(f"{p}: {u}" for p, uses in offenders.items() for u in uses)
    )


def test_private_scan_sees_private_imports(tmp_path):
    code = (
        "from sklearn.utils._param_validation import Interval\n"
        "from sklearn.base import _fit_context\n"
        "import sklearn.utils._testing\n"
        "x = sklearn.metrics._scorer._BaseScorer\n"
        "from sklearn.base import BaseEstimator, __version__\n"
        "if TYPE_CHECKING:\n    from sklearn.utils import _x\n"
    )
    (tmp_path / "m.py").write_text(code)
    assert len(_private_uses(tmp_path / "m.py")) == 5


def test_docstrings_are_literal():
    """No ``__doc__ = ... + ...``: documentation tools read literal docstrings only."""
    import sklhep

    package = Path(sklhep.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute | ast.Name)
                and (getattr(t, "attr", None) or getattr(t, "id", None)) == "__doc__"
                for t in node.targets
            ):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not offenders, f"assembled docstrings: {offenders}"
