"""Collect the estimator instances and expected failures of every family."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sklhep.utils._test_common import _bdt, _mlp, _model_selection

_FAMILIES = (_mlp, _bdt, _model_selection)

__all__ = ["_get_expected_failed_checks", "_tested_estimators"]


def _tested_estimators() -> Iterator[Any]:
    """Yield one fast instance of every public sklhep estimator."""
    for family in _FAMILIES:
        yield from family.TESTED_ESTIMATORS


def _get_expected_failed_checks(estimator: Any) -> dict[str, str]:
    """The checks expected to fail for ``estimator``, with the reason for each."""
    for family in _FAMILIES:
        if hasattr(family, "expected_failed_checks"):
            found = family.expected_failed_checks(estimator)
            if found:
                return dict(found)
        elif type(estimator) in family.XFAIL_CHECKS:
            return dict(family.XFAIL_CHECKS[type(estimator)])
    return {}
