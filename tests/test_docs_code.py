"""Every code block of the user guide (``docs/*.md``) is checked: this test runs the
``python`` blocks of each page, in order, in one namespace (as a reader would paste
them into one session), in a temporary working directory.

A page may have a setup module ``tests/docs_pages/<page>.py`` with

* ``setup(tmp_path) -> dict``: names the page assumes exist (a DataFrame ``df``, ROOT
  files written with ``uproot.recreate`` under ``tmp_path``, ...), put in the namespace
  before the first block;
* ``REPLACEMENTS``: ``[(old, new), ...]`` applied to the page's code to make it fast
  (fewer events or epochs), each of which must match (a stale one fails the test).

A block that cannot run here is preceded by an HTML comment (invisible in the rendered
page) ``<!-- docs-test: skip REASON -->``; REASON is required and every skip is listed in
the test output. Blocks in other languages (``bash``, ``cpp``, ``toml``, ...) are not run
here; ``test_non_python_blocks_are_accounted_for`` makes sure each is either a shell
command, a configuration file, or code that is marked with the reason it cannot run.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SETUP_DIR = Path(__file__).resolve().parent / "docs_pages"
FENCE = re.compile(
    r"(?:<!-- docs-test: (?P<directive>[^\n]*?) -->\n)?"
    r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<code>.*?)^```",
    re.S | re.M,
)
# languages whose blocks are commands or configuration, not programs to execute here
NOT_PROGRAMS = {
    "bash", "sh", "console", "shell", "text", "toml", "ini", "yaml", "json", "none", "",
}  # fmt: skip


def _blocks(page: Path) -> list[tuple[str, str, str | None, int]]:
    text = page.read_text()
    return [
        (m["lang"], m["code"], m["directive"], text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


def _pages_with_python() -> list[Path]:
    return [p for p in sorted(DOCS.glob("*.md")) if any(b[0] == "python" for b in _blocks(p))]


def _setup_module(page: Path) -> Any:
    path = SETUP_DIR / f"{page.stem}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"docs_pages_{page.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages_with_python(), ids=lambda p: p.name)
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import sklearn

    setup = _setup_module(page)
    replacements = list(getattr(setup, "REPLACEMENTS", []))
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    monkeypatch.chdir(tmp_path)
    if setup is not None and hasattr(setup, "setup"):
        namespace.update(setup.setup(tmp_path))
    used = [False] * len(replacements)
    skipped = []
    with sklearn.config_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the page's code, not the package, is under test
        for lang, code, directive, line in _blocks(page):
            if lang != "python":
                continue
            if directive is not None:
                assert directive.startswith("skip "), f"{page.name}:{line}: {directive!r}"
                skipped.append(f"{page.name}:{line}: {directive[5:]}")
                continue
            for i, (old, new) in enumerate(replacements):
                if old in code:
                    code = code.replace(old, new)
                    used[i] = True
            try:
                exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(
                    f"the python block at {page.name}:{line} raised {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                plt.close("all")
    stale = [old for (old, _), u in zip(replacements, used, strict=True) if not u]
    assert not stale, f"REPLACEMENTS of {page.name} that match no block (stale): {stale}"
    if skipped:
        print("\n".join(["skipped blocks:", *skipped]))


def test_non_python_blocks_are_accounted_for() -> None:
    """A block in a programming language other than Python (C++, ...) cannot run here: it
    must carry a skip marker with the reason, so that nothing is left unchecked silently."""
    unaccounted = [
        f"{page.name}:{line} ({lang})"
        for page in sorted(DOCS.glob("*.md"))
        for lang, _, directive, line in _blocks(page)
        if lang not in NOT_PROGRAMS and lang != "python" and directive is None
    ]
    assert not unaccounted, (
        "code blocks that are neither run nor marked '<!-- docs-test: skip REASON -->': "
        f"{unaccounted}"
    )
