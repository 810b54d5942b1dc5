"""Threads on a shared machine: the MLP's default ``n_jobs`` against PyTorch's own default.

A batch system (or ``taskset``) often lets a job use fewer CPUs than the machine has.
sklhep's default ``n_jobs=None`` trains with as many threads as this process may use (its
CPU affinity and cgroup quota, ``sklhep._device.effective_n_threads``); PyTorch's own
default is the machine's core count (``os.cpu_count()``), which oversubscribes the allowed
CPUs. Contenders, a small MLP fit each:

* ``sklhep default``: ``MLPRegressor(n_jobs=None)``;
* ``sklhep, 1 thread``: ``n_jobs=1``;
* ``sklhep, torch default``: ``n_jobs=os.cpu_count()``, the threads
  ``torch.set_num_threads(os.cpu_count())`` (PyTorch's default) would train with;
* ``plain torch, 1 thread`` / ``plain torch, torch default``: a plain PyTorch loop
  (pre-built tensors, ``randperm`` batches, Adam) for reference.

Scenarios: pinned to **one CPU** (``taskset -c 0``, or ``os.sched_setaffinity`` where
taskset is missing), where ``sklhep default`` is 1 thread; the same with a competing
CPU-bound process (a busy loop: another job) pinned to that CPU; and all CPUs allowed, the
shared machine as it is. All contenders of a scenario run in one process, interleaved in a
rotating order, ``--repeats`` times (PyTorch's thread count is set for every fit); each
ratio is the median of the per-repetition ratios to ``sklhep default``, so that the other
jobs on a shared machine cancel as far as they can. Wall time and the process's CPU time
are both recorded (threads waiting for a CPU burn CPU time without doing work).

Sizes: 2,000 events x 8 features, hidden (64, 32, 32), batch 32, 3 epochs without early
stopping (189 optimiser steps), after a 1-epoch warm-up fit of each contender: the
small-batch regime of a small analysis sample. Under 3 minutes: each scenario stops
repeating after a third of ``--budget`` (150 s) -- an oversubscribed fit on a busy
machine can take 30 s.

Usage::

    python benchmarks/threads.py                # 3 repetitions, at most ~150 s
    python benchmarks/threads.py --repeats 5 --budget 1000

Writes ``benchmarks/results/threads.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

N_EVENTS, N_FEATURES, HIDDEN, BATCH, EPOCHS = 2_000, 8, (64, 32, 32), 32, 3
#: contender -> (implementation, threads: "default" = sklhep's n_jobs=None, "machine" =
#: os.cpu_count() as torch.set_num_threads(os.cpu_count()) would, or a number)
CONTENDERS: dict[str, tuple[str, str]] = {
    "sklhep default": ("sklhep", "default"),
    "sklhep, 1 thread": ("sklhep", "1"),
    "sklhep, torch default": ("sklhep", "machine"),
    "plain torch, 1 thread": ("plain", "1"),
    "plain torch, torch default": ("plain", "machine"),
}
BASELINE = "sklhep default"
#: scenario -> (pinned to CPU 0, a competing busy loop on CPU 0)
SCENARIOS: dict[str, tuple[bool, bool]] = {
    "1 CPU allowed (taskset -c 0)": (True, False),
    "1 CPU allowed + a busy loop on it": (True, True),
    "all CPUs allowed (the shared machine as it is)": (False, False),
}


def _data() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_EVENTS, N_FEATURES)).astype(np.float32)
    y = (X @ rng.normal(size=N_FEATURES) + 0.1 * rng.normal(size=N_EVENTS)).astype(np.float32)
    return X, y


def _fit_sklhep(n_jobs: int | None, epochs: int) -> tuple[float, float, int]:
    from sklhep import MLPRegressor

    X, y = _data()
    model = MLPRegressor(
        HIDDEN,
        batch_size=BATCH,
        max_epochs=epochs,
        early_stopping=False,
        n_jobs=n_jobs,
        random_state=0,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(X, y)
    # the threads the fit used: sklhep sets them for the fit and restores them after
    from sklhep._device import effective_n_threads

    return time.perf_counter() - wall, time.process_time() - cpu, effective_n_threads(n_jobs)


def _fit_plain(threads: int, epochs: int) -> tuple[float, float, int]:
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    X_np, y_np = _data()
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)
    layers: list[nn.Module] = []
    width = N_FEATURES
    for h in HIDDEN:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    module = nn.Sequential(*layers, nn.Linear(width, 1))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        order = torch.randperm(N_EVENTS)
        for start in range(0, N_EVENTS, BATCH):
            idx = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = ((module(X[idx]).squeeze(1) - y[idx]) ** 2).mean()
            loss.backward()
            optimizer.step()
    return time.perf_counter() - wall, time.process_time() - cpu, torch.get_num_threads()


def _threads(spec: str) -> int | None:
    """``None`` (sklhep's default) or a thread count."""
    if spec == "default":
        return None
    return (os.cpu_count() or 1) if spec == "machine" else int(spec)


def _fit(name: str, epochs: int) -> tuple[float, float, int]:
    kind, spec = CONTENDERS[name]
    threads = _threads(spec)
    if kind == "sklhep":
        return _fit_sklhep(threads, epochs)
    from sklhep._device import effective_n_threads

    return _fit_plain(effective_n_threads(threads), epochs)


def worker(repeats: int, budget_s: float) -> list[dict[str, Any]]:
    """Every contender in this process, interleaved: a warm-up fit each, then ``repeats``
    timed fits each in a rotating order (PyTorch's thread count is set for every fit);
    fewer repetitions (at least one) once ``budget_s`` seconds have passed."""
    start = time.perf_counter()
    names = list(CONTENDERS)
    for name in names:
        _fit(name, 1)
    results = []
    for rep in range(repeats):
        if rep and time.perf_counter() - start > budget_s:
            break
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            wall, cpu, used = _fit(name, EPOCHS)
            results.append(
                {
                    "name": name,
                    "repeat": rep,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "threads": used,
                    "allowed_cpus": len(os.sched_getaffinity(0)),
                }
            )
    return results


def _pinned(argv: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", "0", *argv] if taskset else argv


def _run_worker(pinned: bool, repeats: int, budget_s: float) -> list[dict[str, Any]]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", str(repeats)]
    argv += ["--budget", str(budget_s)]
    if pinned:
        argv = _pinned(argv) if shutil.which("taskset") else [*argv, "--pin"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=900)
    result: list[dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _busy_loop() -> subprocess.Popen[bytes]:
    """A CPU-bound process pinned to CPU 0: another job on the same core."""
    argv = [sys.executable, "-c", "while True: pass"]
    if shutil.which("taskset"):
        return subprocess.Popen(_pinned(argv))
    return subprocess.Popen(argv, preexec_fn=lambda: os.sched_setaffinity(0, {0}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=150.0,
        help="seconds for all scenarios: fewer repetitions (at least one) when exceeded",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--pin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        if args.pin:
            os.sched_setaffinity(0, {0})
        print(json.dumps(worker(int(args.worker), args.budget)))
        return 0
    start = time.perf_counter()
    rows = []
    for scenario, (pinned, loaded) in SCENARIOS.items():
        busy = _busy_loop() if loaded else None
        try:
            runs = _run_worker(pinned, args.repeats, args.budget / len(SCENARIOS))
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        base = {r["repeat"]: r["wall_s"] for r in runs if r["name"] == BASELINE}
        for name in CONTENDERS:
            results = [r for r in runs if r["name"] == name]
            ratios = [r["wall_s"] / base[r["repeat"]] for r in results]
            cpu_ratios = [
                r["cpu_s"] / b["cpu_s"]
                for r in results
                for b in runs
                if b["name"] == BASELINE and b["repeat"] == r["repeat"]
            ]
            rows.append(
                {
                    "scenario": scenario,
                    "contender": name,
                    "threads": results[0]["threads"],
                    "allowed_cpus": results[0]["allowed_cpus"],
                    "wall_s_median": statistics.median(r["wall_s"] for r in results),
                    "cpu_s_median": statistics.median(r["cpu_s"] for r in results),
                    "time_ratio_to_sklhep_default": statistics.median(ratios),
                    "time_ratio_range": [min(ratios), max(ratios)],
                    "cpu_ratio_to_sklhep_default": statistics.median(cpu_ratios),
                    "repeats": len(results),
                }
            )
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "pinned_with": "taskset -c 0" if shutil.which("taskset") else "os.sched_setaffinity",
        "load_average_at_end": os.getloadavg(),
        "events": N_EVENTS,
        "features": N_FEATURES,
        "hidden": HIDDEN,
        "batch_size": BATCH,
        "epochs": EPOCHS,
        "repeats": args.repeats,
        "budget_s": args.budget,
        "total_s": time.perf_counter() - start,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "threads.json"
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    print(
        f"| CPUs | contender | threads | wall [s] | CPU [s] | time / {BASELINE} (range) "
        "| CPU time / its |"
    )
    print("|---|---|---:|---:|---:|---|---:|")
    for r in rows:
        lo, hi = r["time_ratio_range"]
        print(
            f"| {r['scenario']} | {r['contender']} | {r['threads']} | {r['wall_s_median']:.2f} | "
            f"{r['cpu_s_median']:.2f} | {r['time_ratio_to_sklhep_default']:.2f} "
            f"({lo:.2f}–{hi:.2f}) | {r['cpu_ratio_to_sklhep_default']:.2f} |"
        )
    print(f"wrote {out} in {meta['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
