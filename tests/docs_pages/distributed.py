"""Setup of docs/distributed.md: small NanoAOD-like ROOT files, an in-process cluster."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np


def _io_setup() -> Any:
    """``tests/docs_pages/io.py``, which writes the same ROOT files for docs/io.md."""
    spec = importlib.util.spec_from_file_location(
        "docs_pages_io_for_distributed", Path(__file__).with_name("io.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPLACEMENTS = [
    # two in-process workers: no worker processes to start, no ports, no dashboard
    (
        "LocalCluster(n_workers=4, threads_per_worker=2)",
        "LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)",
    ),
    ("n_estimators=300", "n_estimators=20"),
    ("BDTClassifier(n_jobs=1)", "BDTClassifier(n_jobs=1, n_estimators=10)"),
    ("cv=EventNumberKFold(5)", "cv=EventNumberKFold(2)"),
    ("for epoch in range(20):", "for epoch in range(2):"),
    # the global state the page sets, undone at the end of its last block
    (
        'dask.config.set({"sklhep.dask.start-timeout": "5 minutes"})',
        '_config = dask.config.set({"sklhep.dask.start-timeout": "5 minutes"})',
    ),
    (
        'sample_weight=chunk["weight"])\n',
        'sample_weight=chunk["weight"])\n'
        "_config.__exit__(None, None, None)\n"
        "client.close()\n"
        "client.cluster.close()\n",
    ),
]


def setup(tmp_path: Path) -> dict[str, Any]:
    _io_setup().write_nanoaod_like(tmp_path)
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 5)) + 0.8 * y[:, None]
    w = np.where(rng.random(n) < 0.15, -1.0, 1.0)
    return {
        "samples": {"ttH": "ttH_*.root", "ttbar": "tt_*.root"},
        "labels": {"ttH": 1, "ttbar": 0},
        "X_small_numpy": X[:10],
        "X": X,
        "y": y,
        "w": w,
        "event_number": np.arange(n),
    }
