"""Benchmark: signed-weight AUC on 2M events vs scikit-learn's roc_auc_score (w >= 0).

Interleaves sklhep and scikit-learn repetitions (A, B, A, B, ...) and reports the median of
the per-pair time ratios, so that machine noise affects both alike. Writes
``benchmarks/results/bench_metrics.json``.

    python benchmarks/bench_metrics.py [--n 2000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score as sk_roc_auc_score

from sklhep.metrics import background_rejection, roc_auc_score


def _time(fn, *args, **kwargs) -> tuple[float, float]:
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t0, value


def suite(cfg: Any) -> list[dict[str, Any]]:
    """The ``metrics`` part of ``python -m benchmarks``: signed AUC vs scikit-learn's.

    Both sides get the same non-negative weights (scikit-learn's only case), interleaved;
    the row is the median of the per-pair time ratios (sklhep / sklearn).
    """
    n = max(1000, int((200_000 if cfg.quick else 2_000_000) * cfg.scale))
    repeats = cfg.repeats or (3 if cfg.quick else 5)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    score = rng.normal(y * 0.8, 1.0).astype(np.float32).astype(np.float64)
    w = rng.uniform(0.1, 2.0, n)
    t_ours, t_sk = [], []
    for i in range(repeats + 1):  # the first pair is a warm-up
        pair = [
            _time(roc_auc_score, y, score, sample_weight=w)[0],
            _time(sk_roc_auc_score, y, score, sample_weight=w)[0],
        ]
        if i:
            t_ours.append(pair[0])
            t_sk.append(pair[1])
    ratios = [a / b for a, b in zip(t_ours, t_sk, strict=True)]
    median = float(np.median(ratios))
    return [
        {
            "part": "metrics",
            "case": f"ROC AUC, {n} events, w >= 0",
            "candidate": "sklhep roc_auc_score",
            "reference": "sklearn roc_auc_score",
            "kind": "time",
            "ratio": median,
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "ratios": ratios,
            "target": None,
            "ok": None,
            "events": n,
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.n
    y = rng.integers(0, 2, n)
    score = rng.normal(y * 0.8, 1.0).astype(np.float32).astype(np.float64)  # ties, like NN outputs
    w_pos = rng.uniform(0.1, 2.0, n)
    w_signed = w_pos * np.where(rng.random(n) < 0.2, -1.0, 1.0)

    signed, sk, ours_pos, ratios = [], [], [], []
    for _ in range(args.repeats):
        t_ours, auc_signed = _time(roc_auc_score, y, score, sample_weight=w_signed)
        t_sk, auc_sk = _time(sk_roc_auc_score, y, score, sample_weight=w_pos)
        t_pos, auc_pos = _time(roc_auc_score, y, score, sample_weight=w_pos)
        signed.append(t_ours)
        sk.append(t_sk)
        ours_pos.append(t_pos)
        ratios.append(t_pos / t_sk)
    t_rej, _ = _time(background_rejection, y, score, signal_efficiency=0.5, sample_weight=w_signed)
    result = {
        "n_events": n,
        "repeats": args.repeats,
        "sklhep_signed_auc_s_median": float(np.median(signed)),
        "sklhep_positive_auc_s_median": float(np.median(ours_pos)),
        "sklearn_positive_auc_s_median": float(np.median(sk)),
        "ratio_sklhep_over_sklearn_median": float(np.median(ratios)),
        "background_rejection_signed_s": t_rej,
        "auc_signed": auc_signed,
        "auc_positive_sklhep": auc_pos,
        "auc_positive_sklearn": auc_sk,
        "abs_diff_vs_sklearn": abs(auc_pos - auc_sk),
    }
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_metrics.json").write_text(json.dumps(result, indent=2))
    print(f"{'quantity':<42}{'value':>14}")
    for key, value in result.items():
        print(f"{key:<42}{value:>14.6g}")


if __name__ == "__main__":
    main()
