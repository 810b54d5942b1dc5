"""Peak memory (RSS) of fitting each estimator, as a multiple of the input size.

Every fit runs in a **fresh Python subprocess** (``python -m benchmarks.bench_memory
--child NAME ...``) that

1. imports the same modules (torch, xgboost, skorch, scikit-learn, sklhep);
2. runs the same fit once on 2,000 events (a warm-up: thread pools, lazily loaded kernels
   and other one-time library initialisation);
3. builds the data -- ``X`` of ``n`` x 20 float32 drawn directly in float32, labels
   (int64) and weights (float64) -- and reads its peak RSS so far, ``rss_data``;
4. fits once, and reads its peak RSS again, ``peak``.

"Peak RSS" is ``VmHWM`` of ``/proc/self/status``: the high-water mark of the resident set
of the process's own address space, which starts afresh at ``exec``. (``ru_maxrss`` from
``getrusage`` or ``os.wait4`` is *not* used: Linux carries a parent's maximum into its
forked children, so a child of a large suite process would report the parent's peak.
Where ``/proc`` is absent -- macOS -- ``ru_maxrss`` is the fallback.)

With ``input = X.nbytes = n * 20 * 4`` bytes, the suite reports:

* ``fit / input`` (the table's ratio): ``(peak - rss_data) / input`` -- the memory the fit
  needs on top of a process that already holds the data and has initialised the
  libraries. **The target, <= 3x for the MLP and the BDT, is on this figure.**
* ``cold_x`` (JSON): ``(peak - peak(baseline)) / input``, where the baseline is a separate
  subprocess that does steps 1 and 3 only (``--child data``): it adds the one-time library
  initialisation of a first fit (about 80 MB for torch, which dominates at small ``n``).

The fits: ``sklhep-mlp`` (``MLPClassifier``, defaults -- with its 10 % validation split --
except ``max_epochs=1``), ``plain-torch`` (one epoch of the plain loop of
``bench_peers_mlp``, tensors built from the arrays), ``skorch`` (default
``NeuralNetBinaryClassifier``, one epoch, unweighted), ``sklearn-mlp`` (one iteration),
``sklhep-bdt`` / ``sklhep-bdt-signed`` (``BDTClassifier(n_estimators=20)``, w >= 0 and 10 %
negative weights), ``raw-xgboost`` (``DMatrix`` + ``xgboost.train``, 20 rounds),
``raw-xgboost-qdm`` (the same with ``xgboost.QuantileDMatrix``, which bins the features
without a full copy),
``sklearn-hgbc`` (20 iterations). Tree counts are small because the peak does not grow
with the number of trees.

Sizes: 1M events, every fit; ``--quick``: 200k events, the sklhep estimators and their raw
engines only. One measurement per fit (RSS is not noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from benchmarks._suite import SuiteConfig

PART = "memory"
N_FEATURES = 20
N_TREES = 20
BASELINES = ("data",)
QUICK_FITS = (
    "sklhep-mlp",
    "plain-torch",
    "sklhep-bdt",
    "sklhep-bdt-signed",
    "raw-xgboost",
    "raw-xgboost-qdm",
)
FITS = (
    "sklhep-mlp",
    "plain-torch",
    "skorch",
    "sklearn-mlp",
    "sklhep-bdt",
    "sklhep-bdt-signed",
    "raw-xgboost",
    "raw-xgboost-qdm",
    "sklearn-hgbc",
)
TARGETS = {"sklhep-mlp": 3.0, "sklhep-bdt": 3.0, "sklhep-bdt-signed": 3.0}
ROOT = Path(__file__).resolve().parents[1]


def peak_rss() -> int:
    """This process's peak resident set size in bytes (``VmHWM``; see the module doc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    ru_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024  # pragma: no cover


def _fit(name: str, X: Any, y: Any, w: Any, device: str) -> None:
    import numpy as np

    if name == "sklhep-mlp":
        from sklhep import MLPClassifier

        MLPClassifier(max_epochs=1, device=device, random_state=0).fit(X, y, sample_weight=w)
    elif name == "plain-torch":
        from benchmarks.bench_peers_mlp import PlainLoop

        PlainLoop(X, y, w, device).epoch()
    elif name == "skorch":
        import torch

        from benchmarks.bench_peers_mlp import _skorch_net

        torch.manual_seed(0)
        _skorch_net(X.shape[1], False, device).fit(X, y.astype(np.float32))
    elif name == "sklearn-mlp":
        from sklearn.neural_network import MLPClassifier as SkMLP

        SkMLP((64, 32, 32), max_iter=1, batch_size=1024, random_state=0).fit(X, y, sample_weight=w)
    elif name.startswith("sklhep-bdt"):
        from sklhep import BDTClassifier

        BDTClassifier(
            n_estimators=N_TREES, early_stopping=False, device=device, random_state=0
        ).fit(X, y, sample_weight=w)
    elif name == "raw-xgboost":
        import xgboost

        from benchmarks.bench_peers_bdt import xgb_params

        dtrain = xgboost.DMatrix(X, label=y, weight=w, nthread=os.cpu_count())
        xgboost.train(xgb_params(device, os.cpu_count() or 1), dtrain, num_boost_round=N_TREES)
    elif name == "raw-xgboost-qdm":
        import xgboost

        from benchmarks.bench_peers_bdt import xgb_params

        params = xgb_params(device, os.cpu_count() or 1)
        dtrain = xgboost.QuantileDMatrix(
            X, label=y, weight=w, max_bin=params["max_bin"], nthread=os.cpu_count()
        )
        xgboost.train(params, dtrain, num_boost_round=N_TREES)
    elif name == "sklearn-hgbc":
        from sklearn.ensemble import HistGradientBoostingClassifier

        HistGradientBoostingClassifier(max_iter=N_TREES, early_stopping=False).fit(
            X, y, sample_weight=w
        )
    else:  # pragma: no cover - guarded by argparse
        raise ValueError(name)


def child(name: str, n: int, device: str) -> dict[str, Any]:
    """The body of one measurement subprocess."""
    # The same imports in every child, so that they cancel in the differences.
    import numpy as np  # noqa: F401
    import sklearn.ensemble
    import sklearn.neural_network  # noqa: F401
    import skorch  # noqa: F401
    import torch  # noqa: F401
    import xgboost  # noqa: F401

    import sklhep.ensemble
    import sklhep.neural_network  # noqa: F401
    from benchmarks._suite import make_classification

    out: dict[str, Any] = {"name": name, "events": n}
    neg = 0.10 if name == "sklhep-bdt-signed" else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name != "data":
            Xs, ys, ws = make_classification(2000, N_FEATURES, neg_fraction=neg, seed=6)
            _fit(name, Xs, ys, ws, device)
            del Xs, ys, ws
        X, y, w = make_classification(n, N_FEATURES, neg_fraction=neg, seed=5)
        out["input_bytes"] = int(X.nbytes)
        out["data_rss"] = peak_rss()
        if name != "data":
            _fit(name, X, y, w, device)
    out["peak_rss"] = peak_rss()
    return out


def measure(name: str, n: int, device: str) -> dict[str, Any]:
    """Run one child subprocess and return its report."""
    cmd = [sys.executable, "-m", "benchmarks.bench_memory", "--child", name]
    cmd += ["--events", str(n), "--device", device]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {name!r} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(cfg: SuiteConfig) -> list[dict[str, Any]]:
    n = cfg.events(1_000_000, 200_000)
    base = measure("data", n, cfg.device)
    rows: list[dict[str, Any]] = []
    for name in QUICK_FITS if cfg.quick else FITS:
        rep = measure(name, n, cfg.device)
        input_bytes = rep["input_bytes"]
        fit_x = (rep["peak_rss"] - rep["data_rss"]) / input_bytes
        cold_x = (rep["peak_rss"] - base["peak_rss"]) / input_bytes
        target = TARGETS.get(name)
        rows.append(
            {
                "part": PART,
                "case": f"fit {n} x {N_FEATURES} float32",
                "candidate": name,
                "reference": "data in memory",
                "kind": "memory",
                "ratio": fit_x,
                "cold_x": cold_x,
                "target": None if target is None else f"<= {target:g}",
                "ok": None if target is None else fit_x <= target,
                "events": n,
                "input_bytes": input_bytes,
                "peak_rss": rep["peak_rss"],
                "data_rss": rep["data_rss"],
                "baseline_peak_rss": base["peak_rss"],
                "device": cfg.device,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--child", choices=BASELINES + FITS, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    print(json.dumps(child(args.child, args.events, args.device)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
