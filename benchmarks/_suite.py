"""Shared machinery of ``python -m benchmarks``: configuration, interleaving, rows, output.

Every comparison is a **same-run ratio**: the contenders of one comparison run interleaved
(the order rotates at every repetition: A,B,C / B,C,A / C,A,B ...) and the reported figure is
the median over repetitions of the per-repetition ratio, so that the load of a shared
machine affects both sides of a ratio alike. Bare times are kept in the JSON for
diagnosis, never compared across runs.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "RESULTS",
    "SuiteConfig",
    "environment",
    "interleave",
    "log_log_slope",
    "make_classification",
    "markdown_table",
    "ratio_row",
    "result_path",
    "sync",
    "timed",
]

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class SuiteConfig:
    """What one suite run measures, and at which sizes.

    ``quick`` selects small sizes (the whole suite in a few minutes on 2 cores);
    ``repeats`` overrides every part's number of interleaved repetitions; ``device`` is
    where the MLP and the BDT train ("cpu" or "cuda"); ``scale`` multiplies every event
    count (used by the smoke test with a tiny value).
    """

    quick: bool = False
    repeats: int | None = None
    device: str = "cpu"
    scale: float = 1.0
    threads: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def reps(self, full: int, quick: int) -> int:
        if self.repeats is not None:
            return max(1, self.repeats)
        return quick if self.quick else full

    def events(self, full: int, quick: int, minimum: int = 200) -> int:
        return max(minimum, int((quick if self.quick else full) * self.scale))


def sync(device: str) -> None:
    """Wait for the accelerator, so that a timer measures finished work."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: str = "cpu") -> float:
    """Wall time of ``fn()`` in seconds (the device synchronised before and after)."""
    sync(device)
    t0 = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t0


def interleave(
    contenders: dict[str, Callable[[], float]], repeats: int, *, warmup: bool = True
) -> dict[str, list[float]]:
    """Run each contender ``repeats`` times, rotating the order; each returns its seconds.

    A contender that returns ``float("nan")`` did not run (e.g. refused the input); the
    ratios that involve it are then NaN.
    """
    names = list(contenders)
    if warmup:
        for name in names:
            contenders[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(repeats):
        k = rep % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(float(contenders[name]()))
    return times


def ratio_row(
    part: str,
    case: str,
    candidate: str,
    reference: str,
    times: dict[str, list[float]],
    *,
    kind: str,
    target: tuple[str, float] | None = None,
    events: int | None = None,
    **details: Any,
) -> dict[str, Any]:
    """One table row: the median of the per-repetition ratios of two contenders.

    ``kind="throughput"``: ``t_reference / t_candidate`` (above 1 = the candidate is faster);
    ``kind="time"``: ``t_candidate / t_reference`` (below 1 = the candidate is faster).
    ``target`` is ``(">=", 0.8)`` or ``("<=", 1.1)``.
    """
    a, b = times[candidate], times[reference]
    if kind == "throughput":
        ratios = [r / c for c, r in zip(a, b, strict=True)]
    elif kind == "time":
        ratios = [c / r for c, r in zip(a, b, strict=True)]
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    finite = [r for r in ratios if np.isfinite(r)]
    median = statistics.median(finite) if finite else float("nan")
    ok = None
    if target is not None and np.isfinite(median):
        op, bound = target
        ok = median >= bound if op == ">=" else median <= bound
    row: dict[str, Any] = {
        "part": part,
        "case": case,
        "candidate": candidate,
        "reference": reference,
        "kind": kind,
        "ratio": median,
        "ratio_min": min(finite) if finite else float("nan"),
        "ratio_max": max(finite) if finite else float("nan"),
        "ratios": ratios,
        "target": None if target is None else f"{target[0]} {target[1]:g}",
        "ok": ok,
        "candidate_s": a,
        "reference_s": b,
    }
    if events is not None:
        row["events"] = events
        row["candidate_events_per_s"] = events / statistics.median(a) if finite else None
        row["reference_events_per_s"] = events / statistics.median(b) if finite else None
    row.update(details)
    return row


def log_log_slope(sizes: Sequence[float], times: Sequence[float]) -> float:
    """The fitted exponent ``k`` of ``time ~ size**k`` (least squares in log-log)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def make_classification(
    n: int,
    n_features: int = 16,
    *,
    neg_fraction: float = 0.0,
    weighted: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A float32 binary problem; weights uniform in [0.5, 1.5], a fraction of them negated.

    ``weighted=False`` returns ``None`` as the weights. The features are drawn directly in
    float32 (no float64 intermediate), which keeps the memory baseline exact.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features), dtype=np.float32)
    logit = X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] ** 2 + 0.3 * X[:, 4:8].sum(axis=1)
    y = (logit + rng.logistic(size=n) > 0).astype(np.int64)
    if not weighted:
        return X, y, None
    w = rng.uniform(0.5, 1.5, size=n)
    w[rng.random(n) < neg_fraction] *= -1.0
    return X, y, w


def environment(cfg: SuiteConfig) -> dict[str, Any]:
    """The versions and the machine, recorded with every result file."""
    import sklearn
    import torch
    import xgboost

    return {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "xgboost": xgboost.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "config": asdict(cfg),
    }


def result_path(directory: Path = RESULTS) -> Path:
    """``benchmarks/results/<date>-<host>.json`` (a counter is appended when it exists)."""
    stem = f"{_dt.date.today().isoformat()}-{socket.gethostname()}"
    path = directory / f"{stem}.json"
    i = 2
    while path.exists():
        path = directory / f"{stem}-{i}.json"
        i += 1
    return path


def write_results(payload: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=_json_default))
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"
    return str(x)


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """Same-run ratios as a markdown table (no bare times)."""
    lines = [
        "| part | case | candidate | reference | ratio (median) | range | target | ok |",
        "|---|---|---|---|---:|---:|---:|:---:|",
    ]
    for r in rows:
        label = {
            "throughput": "× throughput",
            "time": "× time",
            "exponent": "exponent",
            "memory": "× input",
        }.get(r["kind"], r["kind"])
        rng = ""
        if r.get("ratio_min") is not None and np.isfinite(r.get("ratio_min", np.nan)):
            rng = f"{r['ratio_min']:.2f}–{r['ratio_max']:.2f}"
        ok = {None: "", True: "yes", False: "**NO**"}[r.get("ok")]
        lines.append(
            f"| {r['part']} | {r['case']} | {r['candidate']} | {r['reference']} | "
            f"{_fmt(r['ratio'])} {label} | {rng} | {r.get('target') or ''} | {ok} |"
        )
    return "\n".join(lines)
