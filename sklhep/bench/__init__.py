"""``sklhep bench``: does a neural net beat a BDT on my problem, with my weights?

:func:`run_bench` trains :class:`sklhep.MLPClassifier` and :class:`sklhep.BDTClassifier`
(or the regressors) with event-number cross-evaluation on the built-in dataset or on ROOT
files, and writes ``report.json``, ``report.md`` and PNG plots. The command line is
``sklhep bench``; see ``docs/bench.md`` for the report's keys.
"""

from __future__ import annotations

from typing import Any

from sklhep.bench._config import (
    OVERTRAINING_P,
    TASKS,
    BenchConfig,
    BenchError,
    minimum_events,
)

__all__ = ["OVERTRAINING_P", "TASKS", "BenchConfig", "BenchError", "minimum_events", "run_bench"]


def run_bench(config: BenchConfig) -> dict[str, Any]:
    """Run the benchmark described by ``config``; write and return the report.

    Raises :class:`BenchError` (a ``ValueError``) for a bad option, a missing device, an
    ``out`` folder that is not empty (without ``overwrite``) or not writable, or unusable
    input, before any model is trained.
    """
    from sklhep.bench._runner import run_bench as _run

    return _run(config)
