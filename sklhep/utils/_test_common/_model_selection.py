"""Instances and expected check failures for this estimator family (see the package docstring)."""

from __future__ import annotations

from typing import Any

TESTED_ESTIMATORS: list[Any] = []
XFAIL_CHECKS: dict[type, dict[str, str]] = {}
