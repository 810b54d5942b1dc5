"""Every public function and class has a numpydoc ``Examples`` section with a doctest.

CI runs ``python -m pytest --doctest-modules sklhep``, so each of these examples is also
executed there; this test makes sure that none is missing.

What is checked: every name in the ``__all__`` of the public modules below (``sklhep``'s
lazy names included) that is a function or a class. Exempt are

* exceptions and warnings (subclasses of :class:`BaseException`): their docstrings say
  when they are raised, and raising them is shown in the functions' examples;
* result types (a :class:`typing.NamedTuple` or a :mod:`dataclasses` dataclass, e.g.
  ``RocCurve`` or ``GeneratorTruth``): they are shown in the examples of the functions
  that return them;
* constants (anything that is not callable).

Everything else needs a section headed ``Examples`` / ``--------`` with at least one
``>>>`` line that is not marked ``# doctest: +SKIP`` (an example that never runs proves
nothing).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from typing import Any

import pytest

#: The public modules whose ``__all__`` is the public API.
PUBLIC_MODULES = (
    "sklhep",
    "sklhep.weights",
    "sklhep.io",
    "sklhep.metrics",
    "sklhep.plotting",
    "sklhep.datasets",
    "sklhep.model_selection",
    "sklhep.neural_network",
    "sklhep.ensemble",
    "sklhep.routing",
    "sklhep.exceptions",
)

#: Public modules that are checked when they import (they need optional extras or are new).
OPTIONAL_MODULES = ("sklhep.reweight", "sklhep.export", "sklhep.tracking")

#: Public names (``module.name`` as listed in ``__all__``) whose Examples section is being
#: written in another change; the lead empties this set once those changes are in.
PENDING: set[str] = set()

_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]*)\n-{3,}[ \t]*$", re.MULTILINE)


def examples_section(doc: str) -> str | None:
    """The text of the numpydoc ``Examples`` section of ``doc`` (dedented), or None."""
    headers = list(_SECTION.finditer(doc))
    for k, header in enumerate(headers):
        if header.group("title").strip() == "Examples":
            end = headers[k + 1].start() if k + 1 < len(headers) else len(doc)
            return doc[header.end() : end]
    return None


def has_runnable_example(doc: str | None) -> bool:
    """Whether ``doc`` has an Examples section with a ``>>>`` line that is not skipped."""
    section = examples_section(doc or "")
    if section is None:
        return False
    prompts = [line.strip() for line in section.splitlines() if line.strip().startswith(">>>")]
    return any("+SKIP" not in line for line in prompts)


def needs_example(obj: Any) -> bool:
    """The rule of the module docstring: functions and classes, less exceptions, warnings
    and result types."""
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return False
        is_named_tuple = issubclass(obj, tuple) and hasattr(obj, "_fields")
        return not (is_named_tuple or dataclasses.is_dataclass(obj))
    return callable(obj)


def _public_api() -> dict[str, Any]:
    """``{"module.name": object}`` over the public modules; an object exported by several
    modules is listed once, under the first."""
    api: dict[str, Any] = {}
    seen: set[int] = set()
    modules = list(PUBLIC_MODULES)
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        modules.append(name)
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__"):
                continue
            obj = getattr(module, name)  # also loads lazy names
            if id(obj) in seen or not needs_example(obj):
                continue
            seen.add(id(obj))
            api[f"{module_name}.{name}"] = obj
    return api


@pytest.fixture(scope="module")
def public_api() -> dict[str, Any]:
    return _public_api()


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def test_every_public_name_has_an_example(public_api: dict[str, Any]) -> None:
    missing = sorted(
        name
        for name, obj in public_api.items()
        if name not in PENDING and not has_runnable_example(inspect.getdoc(obj))
    )
    listing = "\n".join(f"  {name}  (defined in {_where(public_api[name])})" for name in missing)
    assert not missing, (
        f"{len(missing)} public name(s) lack a numpydoc 'Examples' section with a runnable "
        f"'>>>' doctest:\n{listing}\nAdd one (it runs in CI: pytest --doctest-modules sklhep)."
    )


def test_pending_names_are_still_pending(public_api: dict[str, Any]) -> None:
    """PENDING lists only public names that still lack an example: done ones leave it."""
    done = sorted(
        name
        for name in PENDING
        if name in public_api and has_runnable_example(inspect.getdoc(public_api[name]))
    )
    unknown = sorted(
        name
        for name in PENDING
        if name not in public_api and name.rsplit(".", 1)[0] not in OPTIONAL_MODULES
    )
    assert not done, f"These names have an example now; remove them from PENDING: {done}"
    assert not unknown, f"These PENDING names are not public (any more): {unknown}"


def test_the_api_walk_finds_the_known_names(public_api: dict[str, Any]) -> None:
    # a sanity check of the walk and the rule, so that an empty walk cannot pass
    assert {"sklhep.MLPClassifier", "sklhep.weights.effective_sample_size"} <= set(public_api)
    assert "sklhep.metrics.roc_curve" in public_api
    assert "sklhep.metrics.RocCurve" not in public_api  # a NamedTuple result
    assert "sklhep.datasets.GeneratorTruth" not in public_api  # a dataclass result
    assert "sklhep.exceptions.SklhepWarning" not in public_api  # a warning
    assert "sklhep.weights.NEGATIVE_WEIGHT_POLICIES" not in public_api  # a constant


def test_examples_section_parser() -> None:
    doc = "Summary.\n\nExamples\n--------\n>>> 1 + 1\n2\n\nNotes\n-----\n>>> not an example\n"
    assert (examples_section(doc) or "").strip() == ">>> 1 + 1\n2"
    assert has_runnable_example(doc)
    assert not has_runnable_example("Summary.\n\nNotes\n-----\n>>> 1\n")
    assert not has_runnable_example("Examples\n--------\n>>> f()  # doctest: +SKIP\n")
    assert not has_runnable_example("Examples\n--------\nSee the docs.\n")
    assert not has_runnable_example(None)
