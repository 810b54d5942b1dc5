"""Throughput of sklhep's MLP against a plain PyTorch loop (and skorch's default net).

One training epoch on ``n`` events x 16 features, hidden layers (64, 32, 32), batch 1024,
Adam, on the CPU. The reference is a plain loop over pre-built float32 tensors with
``torch.randperm`` slicing. The three contenders run interleaved (plain, sklhep, skorch,
plain, ...) and each ratio is the median of the per-repetition ratios, so that machine
load cancels. Writes JSON to ``benchmarks/results/bench_mlp.json``.

Usage::

    python benchmarks/bench_mlp.py            # 300k events, 5 repetitions
    python benchmarks/bench_mlp.py --quick    # 30k events, 3 repetitions
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetBinaryClassifier
from torch import nn

from sklhep import MLPClassifier
from sklhep.weights import normalize_weights

HIDDEN = (64, 32, 32)
BATCH = 1024


def make_module(n_features: int) -> nn.Module:
    layers: list[nn.Module] = []
    width = n_features
    for h in HIDDEN:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class _Squeeze(nn.Module):
    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.net = make_module(n_features)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X).squeeze(-1)


def plain_epoch(X: np.ndarray, y: np.ndarray, w: np.ndarray, device: str) -> float:
    """A plain weighted PyTorch epoch over tensors built once (building is not timed)."""
    torch.manual_seed(0)
    Xt = torch.as_tensor(X, device=device)
    yt = torch.as_tensor(y, device=device)
    wt = torch.as_tensor(normalize_weights(w, 1.0).astype(np.float32), device=device)
    model = make_module(X.shape[1]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.BCEWithLogitsLoss(reduction="none")
    n = Xt.shape[0]
    scale = n / BATCH
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    perm = torch.randperm(n, device=device)
    for start in range(0, n, BATCH):
        idx = perm[start : start + BATCH]
        opt.zero_grad(set_to_none=True)
        out = model(Xt[idx]).squeeze(1)
        loss = scale * torch.dot(crit(out, yt[idx]), wt[idx])
        loss.backward()
        opt.step()
    float(loss.detach())
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def sklhep_epoch(X: np.ndarray, y: np.ndarray, w: np.ndarray, device: str) -> tuple[float, float]:
    """(fit wall time, epoch duration from history_) of a one-epoch fit."""
    clf = MLPClassifier(
        HIDDEN,
        batch_size=BATCH,
        max_epochs=1,
        early_stopping=False,
        learning_rate=1e-3,
        device=device,
        random_state=0,
    )
    t0 = time.perf_counter()
    clf.fit(X, y, sample_weight=w)
    return time.perf_counter() - t0, float(clf.history_[-1]["duration"])


def skorch_epoch(X: np.ndarray, y: np.ndarray, device: str) -> float:
    """skorch's default NeuralNetBinaryClassifier (DataLoader over a Dataset), unweighted."""
    torch.manual_seed(0)
    net = NeuralNetBinaryClassifier(
        _Squeeze,
        module__n_features=X.shape[1],
        max_epochs=1,
        batch_size=BATCH,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        train_split=None,
        iterator_train__shuffle=True,
        device=device,
        verbose=0,
    )
    t0 = time.perf_counter()
    net.fit(X, y)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30k events, 3 repetitions")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (both sides)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-skorch", action="store_true")
    args = parser.parse_args()
    n = args.events or (30_000 if args.quick else 300_000)
    repeats = args.repeats or (3 if args.quick else 5)
    if args.threads:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 16)).astype(np.float32)
    y = (X[:, :4].sum(axis=1) + rng.normal(size=n) > 0).astype(np.float32)
    w = np.where(rng.random(n) < 0.1, -1.0, 1.0)

    # Warm-up (imports, allocator, thread pools).
    plain_epoch(X[:5000], y[:5000], w[:5000], args.device)
    sklhep_epoch(X[:5000], y[:5000], w[:5000], args.device)

    rows = []
    for _ in range(repeats):
        row = {"plain_s": plain_epoch(X, y, w, args.device)}
        row["sklhep_fit_s"], row["sklhep_epoch_s"] = sklhep_epoch(X, y, w, args.device)
        if not args.skip_skorch:
            row["skorch_s"] = skorch_epoch(X, y, args.device)
        rows.append(row)

    def ratio(key: str) -> float:
        return statistics.median(r["plain_s"] / r[key] for r in rows)

    result = {
        "benchmark": "mlp_epoch_throughput",
        "events": n,
        "features": 16,
        "hidden": HIDDEN,
        "batch_size": BATCH,
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "repeats": rows,
        "plain_events_per_s": n / statistics.median(r["plain_s"] for r in rows),
        "ratio_sklhep_fit": ratio("sklhep_fit_s"),
        "ratio_sklhep_epoch": ratio("sklhep_epoch_s"),
    }
    if not args.skip_skorch:
        result["ratio_skorch_default"] = ratio("skorch_s")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_mlp.json").write_text(json.dumps(result, indent=2))

    print(
        f"{n} events x 16, hidden {HIDDEN}, batch {BATCH}, {args.device}, "
        f"{torch.get_num_threads()} torch threads, {repeats} interleaved repetitions"
    )
    print(f"{'contender':<36}{'throughput / plain loop':>24}")
    print(f"{'plain PyTorch loop':<36}{1.0:>24.2f}")
    print(f"{'sklhep MLPClassifier (whole fit)':<36}{result['ratio_sklhep_fit']:>24.2f}")
    print(f"{'sklhep MLPClassifier (epoch only)':<36}{result['ratio_sklhep_epoch']:>24.2f}")
    if not args.skip_skorch:
        print(f"{'skorch NeuralNetBinaryClassifier':<36}{result['ratio_skorch_default']:>24.2f}")


if __name__ == "__main__":
    main()
