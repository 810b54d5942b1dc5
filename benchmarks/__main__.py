"""``python -m benchmarks``: sklhep against every peer, same-run ratios, one JSON file.

Usage::

    python -m benchmarks --quick                 # every part, small sizes (minutes)
    python -m benchmarks                         # full sizes
    python -m benchmarks --only mlp,bdt          # some parts
    python -m benchmarks --skip memory,scaling
    python -m benchmarks --device cuda           # MLP and BDT on the GPU
    python -m benchmarks --list                  # the parts

Writes ``benchmarks/results/<date>-<host>.json`` and prints a markdown table of ratios.
See ``docs/performance_suite.md`` for what each row means.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._suite import (
    SuiteConfig,
    environment,
    markdown_table,
    result_path,
    write_results,
)

#: Part name -> (module, one-line description). Run in this order.
PARTS: dict[str, tuple[str, str]] = {
    "mlp": ("benchmarks.bench_peers_mlp", "MLP training vs plain PyTorch, skorch, sklearn"),
    "bdt": ("benchmarks.bench_peers_bdt", "BDT training vs xgboost.train, sklearn HGBC"),
    "inference": ("benchmarks.bench_inference", "predict_proba vs the raw engines"),
    "io": ("benchmarks.bench_io", "read_root vs plain uproot"),
    "metrics": ("benchmarks.bench_metrics", "signed AUC vs sklearn roc_auc_score"),
    "memory": ("benchmarks.bench_memory", "peak RSS of fit, fresh subprocess per fit"),
    "scaling": ("benchmarks.bench_scaling", "fit time vs events, fitted exponent"),
    "mlp-options": ("benchmarks.bench_mlp_options", "MLP precision / compile options"),
}


def _part_runner(name: str) -> Callable[[SuiteConfig], list[dict[str, Any]]]:
    module = importlib.import_module(PARTS[name][0])
    return module.suite if hasattr(module, "suite") else module.run


def _names(text: str | None) -> list[str]:
    if not text:
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repetitions")
    parser.add_argument("--only", help="comma-separated parts to run (default: all)")
    parser.add_argument("--skip", help="comma-separated parts to leave out")
    parser.add_argument("--repeats", type=int, help="interleaved repetitions of every part")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--threads", type=int, help="torch threads (all contenders)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every event count (smoke tests)"
    )
    parser.add_argument("--output", type=Path, help="JSON path (default: results/<date>-<host>)")
    parser.add_argument("--list", action="store_true", help="list the parts and exit")
    args = parser.parse_args(argv)
    # Idle OpenMP threads sleep instead of spinning. xgboost, scikit-learn and torch each
    # bring an OpenMP runtime; on a small, shared machine the spinning threads starve the
    # next contender (a 500-event HistGradientBoosting fit took 50 s instead of 1 s). This
    # applies to every contender alike; it takes effect when the libraries load, i.e. under
    # ``python -m benchmarks`` (and in the memory subprocesses), not in a process that has
    # already imported them.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    if args.list:
        for name, (_, text) in PARTS.items():
            print(f"{name:<12} {text}")
        return 0
    selected = _names(args.only) or list(PARTS)
    skipped = set(_names(args.skip))
    selected = [p for p in selected if p not in skipped]

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    cfg = SuiteConfig(
        quick=args.quick,
        repeats=args.repeats,
        device=args.device,
        scale=args.scale,
        threads=args.threads,
    )
    payload: dict[str, Any] = {"environment": environment(cfg), "parts": {}, "rows": []}
    failed: list[str] = []
    t_start = time.perf_counter()
    for name in selected:
        print(f"[benchmarks] {name}: {PARTS[name][1]} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            rows = _part_runner(name)(cfg)
        except Exception as exc:  # keep the other parts' results
            traceback.print_exc()
            failed.append(name)
            payload["parts"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        elapsed = time.perf_counter() - t0
        payload["parts"][name] = {"seconds": elapsed, "rows": len(rows)}
        payload["rows"] += rows
        print(f"[benchmarks] {name}: {elapsed:.0f} s", file=sys.stderr, flush=True)
    payload["seconds"] = time.perf_counter() - t_start

    path = write_results(payload, args.output or result_path())
    print(markdown_table(payload["rows"]))
    print(f"\nwritten to {path}")
    if failed:
        print(f"FAILED parts: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
