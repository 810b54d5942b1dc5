"""The MLP's performance options against its defaults: ``precision`` and ``compile``.

Same data and network as the ``mlp`` part (16 features, (64, 32, 32), batch 1024, 10 %
negative weights). Contenders, interleaved, each a ``fit`` with ``max_epochs=E`` and no
early stopping:

* ``float32``: the defaults;
* ``bf16`` (or ``fp16`` on CUDA): ``precision=...`` -- autocast forward pass;
* ``compile``: ``compile=True`` -- training through ``torch.compile``.

Rows (throughput ratios against ``float32``, same run): the whole ``fit`` and the
steady-state epoch (the last epoch's duration, after compilation). ``compile (first fit)``
is the first compiled fit of the process, which pays the compilation (measured once,
against the median default fit).

Sizes: 300k events, E = 3, 3 repetitions; ``--quick``: 30k events, E = 2, 2 repetitions.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks._suite import SuiteConfig, interleave, make_classification, ratio_row, timed

PART = "mlp-options"


def run(cfg: SuiteConfig) -> list[dict[str, Any]]:
    from sklhep import MLPClassifier

    n = cfg.events(300_000, 30_000)
    epochs = 2 if cfg.quick else 3
    repeats = cfg.reps(3, 2)
    X, y, w = make_classification(n, 16, neg_fraction=0.10, seed=8)
    mixed = "fp16" if cfg.device.startswith("cuda") else "bf16"
    last_epoch: dict[str, list[float]] = {}

    def contender(name: str, **params: Any) -> Any:
        def fit() -> float:
            clf = MLPClassifier(
                (64, 32, 32),
                batch_size=1024,
                max_epochs=epochs,
                early_stopping=False,
                device=cfg.device,
                random_state=0,
                **params,
            )
            t = timed(lambda: clf.fit(X, y, sample_weight=w), cfg.device)
            last_epoch.setdefault(name, []).append(float(clf.history_[-1]["duration"]))
            return t

        return fit

    fits = {
        "float32": contender("float32"),
        mixed: contender(mixed, precision=mixed),
        "compile": contender("compile", compile=True),
    }
    first_compile = fits["compile"]()  # the first compiled fit of this process
    times = interleave(fits, repeats)
    for name, durations in last_epoch.items():
        times[f"{name} (epoch)"] = durations[-repeats:]
    times["compile (first fit)"] = [first_compile] * repeats
    times["float32 (median)"] = [statistics.median(times["float32"])] * repeats
    common = {"events": n, "epochs": epochs, "device": cfg.device}
    return [
        ratio_row(PART, "fit", mixed, "float32", times, kind="throughput", **common),
        ratio_row(
            PART,
            "epoch",
            f"{mixed} (epoch)",
            "float32 (epoch)",
            times,
            kind="throughput",
            **common,
        ),
        ratio_row(PART, "fit", "compile", "float32", times, kind="throughput", **common),
        ratio_row(
            PART, "epoch", "compile (epoch)", "float32 (epoch)", times, kind="throughput", **common
        ),
        ratio_row(
            PART,
            "fit",
            "compile (first fit)",
            "float32 (median)",
            times,
            kind="throughput",
            **common,
        ),
    ]
