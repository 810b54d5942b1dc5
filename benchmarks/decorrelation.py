"""Mass decorrelation trade-off: background rejection vs 1/JSD for several strengths λ.

On :func:`sklhep.datasets.make_mass_sculpting` (signed weights, 15 % negative), for

* the MLP: ``MLPClassifier(decorrelation=λ)`` (the DisCo penalty), fitted with
  ``protected=mass``;
* the BDT: ``BDTClassifier(decorrelation=λ)`` (the flatness penalty of
  ``sklhep/ensemble/_flatness.py`` added to the signed-weight objective), fitted with
  ``protected=mass``;
* optionally (``--peers``) hep_ml's ``UGradientBoostingClassifier`` with
  ``BinFlatnessLossFunction`` on the same signed weights,

it records, on an independent test sample, the background rejection at 50 % signal
efficiency and 1/JSD (:func:`sklhep.metrics.sculpting_jsd`, 30 bins) -- both also relative
to the λ = 0 model -- and the process CPU time of the fit (per epoch / per round).

Usage::

    python benchmarks/decorrelation.py                # the default grid (~15 min, 2 cores)
    python benchmarks/decorrelation.py --quick        # smaller samples and grid
    python benchmarks/decorrelation.py --peers        # also hep_ml's flatness loss
    python benchmarks/decorrelation.py --skip mlp --seeds 1,3,5   # BDT, three samples

Writes ``benchmarks/results/decorrelation.json`` (``--out``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import StandardScaler

from sklhep import BDTClassifier, MLPClassifier
from sklhep.datasets import SCULPTING_FEATURES, make_mass_sculpting
from sklhep.metrics import background_rejection, sculpting_jsd

RESULTS = Path(__file__).resolve().parent / "results"
JSD_BINS = 30


def _score(y: np.ndarray, score: np.ndarray, mass: np.ndarray, w: np.ndarray) -> dict[str, float]:
    rejection = background_rejection(y, score, sample_weight=w, signal_efficiency=0.5)
    jsd = sculpting_jsd(y, score, mass, sample_weight=w, signal_efficiency=0.5, bins=JSD_BINS)
    return {"rejection": float(rejection), "inv_jsd": float(1.0 / max(jsd, 1e-12))}


def _relative(rows: list[dict[str, Any]]) -> None:
    base = next(r for r in rows if r["lambda"] == 0)
    for r in rows:
        r["rejection_rel"] = r["rejection"] / base["rejection"]
        r["inv_jsd_rel"] = r["inv_jsd"] / base["inv_jsd"]


def run_mlp(data: dict[str, Any], lambdas: list[float], epochs: int) -> list[dict[str, Any]]:
    X, y, w, m = data["train"]
    Xt, yt, wt, mt = data["test"]
    rows = []
    for lam in lambdas:
        clf = MLPClassifier(
            decorrelation=lam, max_epochs=epochs, batch_size=1024, random_state=0, n_jobs=1
        )
        kwargs = {"protected": m} if lam > 0 else {}
        start = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at max_epochs
            clf.fit(X, y, w, **kwargs)
        cpu = time.process_time() - start
        row = {"lambda": lam, **_score(yt, clf.predict_proba(Xt)[:, 1], mt, wt)}
        row.update(cpu_s=cpu, epochs=clf.n_epochs_, cpu_per_epoch_s=cpu / clf.n_epochs_)
        rows.append(row)
        print(f"MLP λ={lam:g}: {row}", flush=True)
    _relative(rows)
    return rows


def run_bdt(
    data: dict[str, Any],
    lambdas: list[float],
    rounds: int,
    eta: float = 0.2,
    seed: int = 0,
) -> list[dict[str, Any]]:
    X, y, w, m = data["train_raw"]
    Xt, yt, wt, mt = data["test_raw"]
    rows = []
    for lam in lambdas:
        clf = BDTClassifier(
            decorrelation=lam,
            n_estimators=rounds,
            max_depth=4,
            learning_rate=eta,
            min_child_weight=20,
            early_stopping=False,
            device="cpu",
            n_jobs=1,
            random_state=seed,
        )
        kwargs = {"protected": m} if lam > 0 else {}
        start = time.process_time()
        clf.fit(X, y, w, **kwargs)
        cpu = time.process_time() - start
        row = {"lambda": lam, **_score(yt, clf.decision_function(Xt), mt, wt)}
        row.update(cpu_s=cpu, cpu_per_round_s=cpu / clf.n_estimators_)
        rows.append(row)
        print(f"BDT λ={lam:g}: {row}", flush=True)
    _relative(rows)
    return rows


def run_hep_ml(data: dict[str, Any], coefficients: list[float], rounds: int) -> list[dict]:
    import pandas as pd
    from hep_ml.gradientboosting import (  # type: ignore[import-untyped]
        UGradientBoostingClassifier,
    )
    from hep_ml.losses import BinFlatnessLossFunction  # type: ignore[import-untyped]

    X, y, w, m = data["train_raw"]
    Xt, yt, wt, mt = data["test_raw"]
    frame = pd.DataFrame(X, columns=list(SCULPTING_FEATURES)).assign(m=m)
    test = pd.DataFrame(Xt, columns=list(SCULPTING_FEATURES)).assign(m=mt)
    rows = []
    for c in coefficients:
        loss = BinFlatnessLossFunction(["m"], uniform_label=0, fl_coefficient=c)
        model = UGradientBoostingClassifier(
            loss=loss, n_estimators=rounds, max_depth=4, learning_rate=0.2,
            train_features=list(SCULPTING_FEATURES), random_state=0,
        )  # fmt: skip
        start = time.process_time()
        model.fit(frame, y, sample_weight=w)
        cpu = time.process_time() - start
        row = {"lambda": c, **_score(yt, model.decision_function(test), mt, wt), "cpu_s": cpu}
        rows.append(row)
        print(f"hep_ml c={c:g}: {row}", flush=True)
    if any(r["lambda"] == 0 for r in rows):
        _relative(rows)
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n-train", type=int, default=40_000)
    parser.add_argument("--n-test", type=int, default=400_000)
    parser.add_argument("--mlp-lambdas", default="0,3,5,7,10")
    parser.add_argument("--bdt-lambdas", default="0,0.5,1,1.2,1.5,2")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--bdt-eta", type=float, default=0.2, help="the BDT's learning rate")
    parser.add_argument(
        "--seeds", default="1", help="comma-separated random_state of the training samples"
    )
    parser.add_argument("--peers", action="store_true", help="also hep_ml's flatness loss")
    parser.add_argument("--skip", default="", help="comma-separated: mlp, bdt")
    parser.add_argument("--out", type=Path, default=RESULTS / "decorrelation.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs, args.rounds = 15_000, 60_000, 10, 60
        args.mlp_lambdas, args.bdt_lambdas = "0,3,10", "0,0.5,1.2"
    test = make_mass_sculpting(args.n_test, negative_fraction=0.15, random_state=2)
    features = list(SCULPTING_FEATURES)
    skip = set(filter(None, args.skip.split(",")))
    result: dict[str, Any] = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": platform.platform(),
        "jsd_bins": JSD_BINS,
        "runs": [],
    }

    def grid(text: str) -> list[float]:
        return [float(v) for v in text.split(",")]

    for seed in (int(v) for v in args.seeds.split(",")):
        train = make_mass_sculpting(args.n_train, negative_fraction=0.15, random_state=seed)
        scaler = StandardScaler().fit(train[features])

        def arrays(df: Any, scaled: bool, scaler: Any = scaler) -> tuple[np.ndarray, ...]:
            X = scaler.transform(df[features]) if scaled else df[features].to_numpy()
            return (
                X.astype(np.float32),
                df["label"].to_numpy(),
                df["weight"].to_numpy(),
                df["mass"].to_numpy(),
            )

        data = {
            "train": arrays(train, True),
            "test": arrays(test, True),
            "train_raw": arrays(train, False),
            "test_raw": arrays(test, False),
        }
        run: dict[str, Any] = {"train_seed": seed}
        if "mlp" not in skip:
            run["mlp"] = run_mlp(data, grid(args.mlp_lambdas), args.epochs)
        if "bdt" not in skip:
            run["bdt"] = run_bdt(data, grid(args.bdt_lambdas), args.rounds, args.bdt_eta, seed)
        if args.peers:
            run["hep_ml"] = run_hep_ml(data, [0.0, 10.0, 30.0, 100.0], args.rounds)
        result["runs"].append(run)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print("| seed | model | λ | rejection @ 50 % | 1/JSD | rejection rel. | 1/JSD rel. | CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for run in result["runs"]:
        for name in ("mlp", "bdt", "hep_ml"):
            for r in run.get(name, []):
                cpu = r.get("cpu_per_epoch_s", r.get("cpu_per_round_s", float("nan")))
                print(
                    f"| {run['train_seed']} | {name} | {r['lambda']:g} | {r['rejection']:.1f} | "
                    f"{r['inv_jsd']:.1f} | {r.get('rejection_rel', float('nan')):.2f}× | "
                    f"{r.get('inv_jsd_rel', float('nan')):.1f}× | {cpu * 1000:.1f} ms |"
                )
    return result


if __name__ == "__main__":
    main()
