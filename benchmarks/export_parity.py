"""ONNX export parity and speed: onnxruntime against sklhep's own ``predict``.

For every estimator (MLP, BDT) x task (binary, 3-class, regression) x with/without a
``StandardScaler``, a model is trained with signed weights (20 % negative), exported with
:func:`sklhep.export.to_onnx` and run by onnxruntime on held-out events. Recorded per case:

* ``max_abs_diff``: the largest absolute difference of the probabilities (classifiers) or
  values (regressors) between onnxruntime and ``predict_proba``/``predict``;
* ``label_agreement``: the fraction of identical labels (classifiers);
* ``time_ratio``: onnxruntime's time / sklhep's, on ``--events`` events (median of the
  interleaved repetitions; both with ``--threads`` threads, onnxruntime without spinning
  threads).

Also: the export time of a 1M-parameter MLP, and onnxruntime / sklhep on 1M events
(``--big-events``) with 1 and 2 threads (``--big-threads``; the same count for both
engines) for the default-size MLP and 100-tree BDTs (binary, 3-class, regression, and the
binary BDT as one ``TreeEnsembleRegressor`` node, as in earlier sklhep versions), in wall
time and in process CPU time (steadier on a shared machine).

Usage::

    python benchmarks/export_parity.py --out export_parity.json
    python benchmarks/export_parity.py --quick --out /tmp/ep.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from typing import Any

import numpy as np

N_FEATURES = 16


def _data(task: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES)) * np.linspace(0.5, 20.0, N_FEATURES)
    z = X[:, 0] + 0.1 * X[:, 1] + 0.05 * X[:, 2] + rng.normal(size=n)
    w = np.where(rng.random(n) < 0.2, -0.5, 1.0)
    if task == "binary":
        y: np.ndarray = (z > 0).astype(int)
    elif task == "multiclass":
        y = np.digitize(z, [-0.7, 0.7])
    else:
        y = 10.0 * z + 50.0
    return X, y, w


def _session(proto: Any, threads: int) -> Any:
    from sklhep import extras

    ort = extras.onnxruntime()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # no busy-waiting of idle threads: on a shared machine spinning costs up to 2x
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        proto.SerializeToString(), opts, providers=["CPUExecutionProvider"]
    )


def _median_ratio(fast: Any, slow: Any, repeats: int) -> tuple[float, float, float]:
    """Median of per-repetition time ratios fast/slow (interleaved), min, max."""
    ratios = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fast()
        t1 = time.perf_counter()
        slow()
        t2 = time.perf_counter()
        ratios.append((t1 - t0) / (t2 - t1))
    return float(np.median(ratios)), float(min(ratios)), float(max(ratios))


def _estimator(family: str, task: str, args: argparse.Namespace) -> Any:
    from sklhep import BDTClassifier, BDTRegressor, MLPClassifier, MLPRegressor

    if family == "mlp":
        kw = {
            "max_epochs": args.epochs,
            "device": "cpu",
            "random_state": 0,
            "n_jobs": args.threads,
        }
        return MLPRegressor(**kw) if task == "regression" else MLPClassifier(**kw)
    kw = {"n_estimators": args.trees, "device": "cpu", "random_state": 0, "n_jobs": args.threads}
    return BDTRegressor(**kw) if task == "regression" else BDTClassifier(**kw)


def parity(args: argparse.Namespace) -> list[dict[str, Any]]:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklhep.export import to_onnx

    rows = []
    for family in ("mlp", "bdt"):
        for task in ("binary", "multiclass", "regression"):
            for scaler in (False, True):
                X, y, w = _data(task, args.train + args.events)
                est = _estimator(family, task, args)
                name = type(est).__name__.lower()
                if not scaler and family == "mlp":
                    X = (X - X.mean(axis=0)) / X.std(axis=0)
                model = make_pipeline(StandardScaler(), est) if scaler else est
                key = f"{name}__sample_weight" if scaler else "sample_weight"
                model.fit(X[: args.train], y[: args.train], **{key: w[: args.train]})
                X_test = X[args.train :]
                if not scaler:
                    X_test = X_test.astype(np.float32)
                sess = _session(to_onnx(model, X_test[:1]), args.threads)
                out = sess.run(None, {"X": X_test})
                if task == "regression":
                    ref = model.predict(X_test)
                    diff = float(np.abs(out[0].ravel() - ref).max())

                    def py(model: Any = model, X_test: Any = X_test) -> Any:
                        return model.predict(X_test)

                    agree = None
                else:
                    ref = model.predict_proba(X_test)
                    diff = float(np.abs(out[1] - ref).max())
                    agree = float(np.mean(out[0] == model.predict(X_test)))

                    def py(model: Any = model, X_test: Any = X_test) -> Any:
                        return model.predict_proba(X_test)

                def onnx_run(sess: Any = sess, X_test: Any = X_test) -> Any:
                    return sess.run(None, {"X": X_test})

                ratio, lo, hi = _median_ratio(onnx_run, py, args.repeats)
                row = {
                    "estimator": type(est).__name__,
                    "task": task,
                    "scaler": scaler,
                    "input": str(X_test.dtype),
                    "max_abs_diff": diff,
                    "label_agreement": agree,
                    "time_ratio": ratio,
                    "time_ratio_range": [lo, hi],
                    "events": int(X_test.shape[0]),
                }
                print(json.dumps(row))
                rows.append(row)
    return rows


def _ratios(fast: Any, slow: Any, repeats: int) -> dict[str, Any]:
    """Interleaved fast/slow ratios in wall time and in process CPU time (median, range)."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fast()
        w1, c1 = time.perf_counter(), time.process_time()
        slow()
        w2, c2 = time.perf_counter(), time.process_time()
        wall.append((w1 - w0) / (w2 - w1))
        cpu.append((c1 - c0) / (c2 - c1))
    return {
        "time_ratio": float(np.median(wall)),
        "range": [float(min(wall)), float(max(wall))],
        "cpu_time_ratio": float(np.median(cpu)),
        "cpu_range": [float(min(cpu)), float(max(cpu))],
    }


def big(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from sklhep import BDTClassifier, BDTRegressor, MLPClassifier
    from sklhep.export import _bdt, to_onnx

    X, y, w = _data("binary", 20_000)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    huge = MLPClassifier((1000, 980), max_epochs=1, device="cpu", random_state=0)
    huge.fit(X[:2000], y[:2000], sample_weight=w[:2000])
    n_params = int(sum(p.numel() for p in huge.module_.parameters()))
    to_onnx(huge, X[:1])  # imports skl2onnx
    t0 = time.perf_counter()
    to_onnx(huge, X[:1])
    export_s = time.perf_counter() - t0

    rng = np.random.default_rng(1)
    X_big = rng.normal(size=(args.big_events, N_FEATURES)).astype(np.float32)
    out: dict[str, Any] = {"mlp_1m_params": {"n_params": n_params, "export_seconds": export_s}}
    _, y3, _ = _data("multiclass", 20_000)
    _, yr, _ = _data("regression", 20_000)
    for threads in args.big_threads:
        torch.set_num_threads(threads)
        kw = {"device": "cpu", "random_state": 0, "n_jobs": threads}
        models: list[tuple[str, Any, Any, Any]] = [
            ("mlp_default", MLPClassifier(max_epochs=2, **kw), y, None),
            ("bdt_100_trees", BDTClassifier(n_estimators=100, **kw), y, None),
            ("bdt_100_trees_3_class", BDTClassifier(n_estimators=100, **kw), y3, None),
            ("bdt_100_trees_regression", BDTRegressor(n_estimators=100, **kw), yr, None),
            # all trees in one TreeEnsembleRegressor node (as sklhep's graph before
            # 2026-12-02, which had one TreeEnsembleClassifier), for reference
            ("bdt_100_trees_one_node", BDTClassifier(n_estimators=100, **kw), y, 10**9),
        ]
        for name, est, target, per_node in models:
            est.fit(X, target, sample_weight=w)
            default = _bdt.ensemble_margin.__defaults__
            if per_node is not None:
                _bdt.ensemble_margin.__defaults__ = (per_node,)
            try:
                sess = _session(to_onnx(est, X[:1]), threads)
            finally:
                _bdt.ensemble_margin.__defaults__ = default
            output = "variable" if name.endswith("regression") else "probabilities"

            def onnx_run(sess: Any = sess, output: str = output) -> Any:
                return sess.run([output], {"X": X_big})

            def py(est: Any = est, output: str = output) -> Any:
                return est.predict(X_big) if output == "variable" else est.predict_proba(X_big)

            row = {"events": args.big_events, "threads": threads}
            row.update(_ratios(onnx_run, py, args.repeats))
            out[f"{name}__{threads}_threads"] = row
            print(name, row)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="export_parity.json")
    parser.add_argument("--events", type=int, default=100_000, help="held-out events")
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--big-events", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--big-threads", type=int, nargs="+", default=[1, 2], help="thread counts of --big-events"
    )
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.train, args.big_events = 5_000, 2_000, 50_000
        args.epochs, args.trees, args.repeats = 2, 20, 1
        args.big_threads = [1]
    import torch

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # short fits stop at max_epochs
    import xgboost

    from sklhep import extras

    onnxruntime = extras.onnxruntime()

    result = {
        "machine": {
            "cpus": args.threads,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "xgboost": xgboost.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "parity": parity(args),
        "large": big(args),
    }
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
