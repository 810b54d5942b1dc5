"""Errors raised by :mod:`sklhep.io`.

They derive from the built-in exception a user would catch anyway (``KeyError`` for a
missing tree or branch, ``ValueError`` for data that cannot become a column), and their
messages name the problem and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BranchNotFoundError",
    "ExpressionError",
    "JaggedBranchError",
    "TreeNotFoundError",
]


class _ReadableKeyError(KeyError):
    """A KeyError whose ``str`` is its message (KeyError's own ``str`` is a quoted repr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TreeNotFoundError(_ReadableKeyError):
    """The requested tree is not in a ROOT file; the message lists the trees it holds."""


class BranchNotFoundError(_ReadableKeyError):
    """A requested branch is not in a tree; the message suggests close matches."""


class JaggedBranchError(ValueError):
    """A request gives a list per event (a jagged collection neither indexed nor reduced).

    The message says how to reduce it: ``(...)[0]``, ``sum(...)``, ``max(...)``, ``len(...)``.
    """


class ExpressionError(ValueError):
    """An expression that is not valid (syntax, a forbidden construct, a type error)."""


def describe_choices(name: str, available: Iterable[str], *, what: str, limit: int = 30) -> str:
    """``"Did you mean ...? The <what> are: ..."``, truncated to ``limit`` names."""
    available = list(available)
    close = difflib.get_close_matches(name, available, n=5, cutoff=0.6)
    lowered = [a for a in available if a.lower() == name.lower() and a not in close]
    close = lowered + close
    parts = []
    if close:
        parts.append("Did you mean " + " or ".join(repr(c) for c in close) + "?")
    shown = ", ".join(repr(a) for a in available[:limit])
    if len(available) > limit:
        shown += f", ... ({len(available) - limit} more)"
    parts.append(f"The {what} are: {shown}." if available else f"There are no {what}.")
    return " ".join(parts)
