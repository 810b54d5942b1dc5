"""Throughput of :func:`sklhep.io.read_root` against plain uproot on flat branches.

The reference is ``uproot.open(f)[tree].arrays(branches, library="np")`` on the same file.
Reference and sklhep runs alternate (A,B,B,A,...) after a warm-up, and the figure reported
is the median over pairs of ``t_uproot / t_read_root`` (1.0 = same throughput; the
acceptance bar is >= 0.8).

Cases:

* ``synthetic``: a file this script writes with ``uproot.recreate`` into a temporary
  directory: 2,000,000 entries x 8 branches (4 float32, 4 float64), 100k-entry baskets
  (``--quick``: 500,000 entries).
* ``offshell``: the three Offshell tutorial files (100k entries each, branches pt, mass,
  eta), when ``../shared/data`` exists: plain uproot loops over the files; read_root reads
  them as three labelled samples.

Usage::

    python benchmarks/bench_io.py [--quick] [--repeats N]

Writes ``benchmarks/results/bench_io.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import uproot

from sklhep.io import read_root

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"


def write_synthetic(path: Path, n_entries: int) -> list[str]:
    rng = np.random.default_rng(0)
    types = {f"f{i}": (np.float32 if i < 4 else np.float64) for i in range(8)}
    with uproot.recreate(path) as f:
        tree = f.mktree("events", types)
        for start in range(0, n_entries, 100_000):
            n = min(100_000, n_entries - start)
            tree.extend({k: rng.normal(size=n).astype(t) for k, t in types.items()})
    return list(types)


def _time(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def compare(
    name: str, reference: Callable[[], Any], candidate: Callable[[], Any], repeats: int, n: int
) -> dict[str, Any]:
    reference(), candidate()  # warm-up: page cache, imports
    t_ref: list[float] = []
    t_sk: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            t_ref.append(_time(reference))
            t_sk.append(_time(candidate))
        else:
            t_sk.append(_time(candidate))
            t_ref.append(_time(reference))
    ratios = [r / s for r, s in zip(t_ref, t_sk, strict=True)]
    return {
        "case": name,
        "entries": n,
        "repeats": repeats,
        "uproot_median_s": statistics.median(t_ref),
        "read_root_median_s": statistics.median(t_sk),
        "uproot_Mentries_per_s": n / statistics.median(t_ref) / 1e6,
        "read_root_Mentries_per_s": n / statistics.median(t_sk) / 1e6,
        "throughput_ratio_median": statistics.median(ratios),
        "throughput_ratio_min": min(ratios),
        "throughput_ratio_max": max(ratios),
    }


def suite(cfg: Any) -> list[dict[str, Any]]:
    """The ``io`` part of ``python -m benchmarks`` (rows of same-run throughput ratios)."""
    n_entries = max(1000, int((500_000 if cfg.quick else 2_000_000) * cfg.scale))
    repeats = cfg.repeats or (5 if cfg.quick else 9)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flat.root"
        branches = write_synthetic(path, n_entries)
        file = str(path)
        rows.append(
            compare(
                "synthetic 8 flat branches",
                lambda: uproot.open(file)["events"].arrays(branches, library="np"),
                lambda: read_root(file, tree="events", branches=branches),
                repeats,
                n_entries,
            )
        )
    return [
        {
            "part": "io",
            "case": f"{r['case']}, {r['entries']} entries",
            "candidate": "read_root",
            "reference": "uproot",
            "kind": "throughput",
            "ratio": r["throughput_ratio_median"],
            "ratio_min": r["throughput_ratio_min"],
            "ratio_max": r["throughput_ratio_max"],
            "target": ">= 0.8",
            "ok": r["throughput_ratio_median"] >= 0.8,
            **r,
        }
        for r in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500k entries, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    n_entries = 500_000 if args.quick else 2_000_000
    repeats = args.repeats or (5 if args.quick else 9)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flat.root"
        branches = write_synthetic(path, n_entries)
        file = str(path)
        rows.append(
            compare(
                "synthetic 8 flat branches",
                lambda: uproot.open(file)["events"].arrays(branches, library="np"),
                lambda: read_root(file, tree="events", branches=branches),
                repeats,
                n_entries,
            )
        )

    offshell = DATA / "offshell_tutorial"
    if offshell.is_dir():
        samples = {k: str(offshell / f"{k}_Events.root") for k in ("sig", "bkg1", "bkg2")}
        cols = ["pt", "mass", "eta"]

        def plain() -> list[dict[str, Any]]:
            return [uproot.open(p)["tree"].arrays(cols, library="np") for p in samples.values()]

        rows.append(
            compare(
                "offshell 3 files x pt,mass,eta",
                plain,
                lambda: read_root(samples, tree="tree", branches=cols),
                max(repeats, 9),
                300_000,
            )
        )

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_io.json"
    meta = {
        "python": sys.version.split()[0],
        "uproot": uproot.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "quick": args.quick,
    }
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    print(f"{'case':34s} {'entries':>9s} {'uproot Me/s':>12s} {'sklhep Me/s':>12s} {'ratio':>6s}")
    for r in rows:
        print(
            f"{r['case']:34s} {r['entries']:9d} {r['uproot_Mentries_per_s']:12.2f} "
            f"{r['read_root_Mentries_per_s']:12.2f} {r['throughput_ratio_median']:6.2f}"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
