"""Scaling: fit time at 1e4, 1e5 and 1e6 events, and the fitted exponent.

For each estimator and its raw engine, the fit time is measured at each size (interleaved
sklhep / raw, the median over repetitions), and the exponent ``k`` of ``time ~ n**k`` is the
least-squares slope in log-log. Training should be linear in the number of events
(``k`` close to 1); a constant start-up cost pulls ``k`` below 1 at small sizes, which is
why the raw engine's exponent is reported beside sklhep's.

* MLP: ``MLPClassifier(max_epochs=1, early_stopping=False)`` (16 features, (64, 32, 32),
  batch 1024, 10 % negative weights) against one epoch of the plain PyTorch loop.
* BDT: ``BDTClassifier(n_estimators=50, max_depth=6)`` on the same data against
  ``xgboost.train`` on ``|w|``.

Sizes: 1e4, 1e5, 1e6 events, 3 repetitions; ``--quick``: 1e4, 3e4, 1e5 events, 2
repetitions.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks import bench_peers_bdt, bench_peers_mlp
from benchmarks._suite import SuiteConfig, interleave, log_log_slope, make_classification

PART = "scaling"
N_TREES = 50


def _contenders(family: str, n: int, device: str) -> dict[str, Any]:
    X, y, w = make_classification(n, 16, neg_fraction=0.10, seed=7)
    assert w is not None
    if family == "MLP":
        log: list[float] = []
        c = bench_peers_mlp.contenders(X, y, w, device, log)
        return {"sklhep": c["sklhep"], "raw": c["plain"]}
    c = bench_peers_bdt.contenders(X, y, w, device, n_trees=N_TREES)
    return {"sklhep": c["sklhep"], "raw": c["raw"]}


def run(cfg: SuiteConfig) -> list[dict[str, Any]]:
    base = (10_000, 30_000, 100_000) if cfg.quick else (10_000, 100_000, 1_000_000)
    sizes = sorted({max(200, int(s * cfg.scale)) for s in base})
    repeats = cfg.reps(3, 2)
    rows: list[dict[str, Any]] = []
    for family in ("MLP", "BDT"):
        med: dict[str, list[float]] = {"sklhep": [], "raw": []}
        for n in sizes:
            times = interleave(_contenders(family, n, cfg.device), repeats)
            for name in med:
                med[name].append(statistics.median(times[name]))
        for name in ("sklhep", "raw"):
            rows.append(
                {
                    "part": PART,
                    "case": f"{family} fit, n = {', '.join(f'{s:.0e}' for s in sizes)}",
                    "candidate": name if name == "sklhep" else f"raw {family} engine",
                    "reference": "time ~ n**k",
                    "kind": "exponent",
                    "ratio": log_log_slope(sizes, med[name]),
                    "sizes": sizes,
                    "median_s": med[name],
                    "target": None,
                    "ok": None,
                    "device": cfg.device,
                }
            )
    return rows
