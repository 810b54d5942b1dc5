"""``sklhep bench``: NN vs BDT on the built-in dataset or on your ROOT files."""

from __future__ import annotations

import argparse
from typing import Any

from sklhep.bench._config import CLASS_WEIGHTS, MODELS, TASKS, BenchConfig, BenchError

__all__ = ["USER_ERRORS", "add_arguments", "run"]

#: What ``sklhep.cli`` prints as a one-line error with exit status 2: the validation errors
#: of the options and inputs, and the file system's (a missing --config file, a full disk).
#: Anything else is a bug and keeps its traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (BenchError, OSError)

EXAMPLES = """\
examples:
  sklhep bench --out bench-report
  sklhep bench --task regression --quick --out reg-report
  sklhep bench --out offshell --tree tree --branches pt mass eta \\
      --samples sig=sig_Events.root bkg1=bkg1_Events.root bkg2=bkg2_Events.root
  sklhep bench --config analysis.toml --out report
  sklhep bench --task reweight --quick --out rw-report
  sklhep bench --task reweight --out rw --tree Events --branches ptll mll --weight w \\
      --samples lo=lo.root nlo=nlo.root
  sklhep bench --decorrelate mass --lambdas 0,1,3,10 --quick --out decor-report
"""


def _mapping(items: list[str] | None, what: str) -> dict[str, list[str]] | None:
    if not items:
        return None
    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise BenchError(f"{what} must look like NAME=VALUE, got {item!r}")
        out.setdefault(name, []).extend(v for v in value.split(",") if v)
    return out


def _labels(items: list[str] | None) -> dict[str, Any] | None:
    mapping = _mapping(items, "--labels")
    if mapping is None:
        return None
    return {k: int(v[0]) if v[0].lstrip("-").isdigit() else v[0] for k, v in mapping.items()}


def _scales(items: list[str] | None) -> dict[str, float] | None:
    mapping = _mapping(items, "--sample-scale")
    if mapping is None:
        return None
    out = {}
    for name, values in mapping.items():
        try:
            out[name] = float(values[0])
        except ValueError:
            raise BenchError(
                f"--sample-scale {name}={values[0]}: the factor must be a number"
            ) from None
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    parser.add_argument("--out", required=True, help="output folder for report.json/.md and PNGs")
    parser.add_argument(
        "--task",
        choices=TASKS,
        help="binary (default), multiclass, regression, or reweight (the first of two "
        "--samples, the original, to the second, the target)",
    )
    parser.add_argument("--quick", action="store_true", help="a small run, well under a minute")
    parser.add_argument("--config", help="a TOML file with any of these options as keys")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="write into --out even if it is not empty (replacing an earlier report)",
    )
    gen = parser.add_argument_group("built-in dataset (used when no --samples are given)")
    gen.add_argument("--n-events", type=int, help="events to generate")
    gen.add_argument("--negative-fraction", type=float, help="fraction of negative weights")
    gen.add_argument("--n-features", type=int, help="number of features")
    root = parser.add_argument_group("ROOT input (sklhep.io.read_root)")
    root.add_argument("--samples", nargs="+", metavar="NAME=PATH[,PATH]", help="sample files")
    root.add_argument("--tree", help="tree name")
    root.add_argument("--branches", nargs="+", help="feature branches or expressions")
    root.add_argument("--weight", help="weight branch or expression, e.g. 'genWeight*puWeight'")
    root.add_argument("--labels", nargs="+", metavar="NAME=LABEL", help="sample -> class label")
    root.add_argument("--cut", help="selection, e.g. 'pt > 20'")
    root.add_argument("--event", help="event-number branch for the folds (default: row index)")
    root.add_argument("--target", help="regression target branch")
    root.add_argument("--sample-scale", nargs="+", metavar="NAME=FACTOR", help="σ·L/Σw per sample")
    root.add_argument("--max-entries", type=int, help="read at most this many entries per sample")
    run_group = parser.add_argument_group("training")
    run_group.add_argument("--folds", type=int, help="cross-evaluation folds (default 3)")
    run_group.add_argument("--models", help=f"comma-separated subset of {','.join(MODELS)}")
    run_group.add_argument("--seed", type=int, help="random_state of data and models")
    run_group.add_argument("--device", help="auto (default), cpu or cuda")
    run_group.add_argument(
        "--threads",
        type=int,
        help="CPU threads of each model (default: the CPUs this process may use)",
    )
    run_group.add_argument(
        "--max-epochs",
        type=int,
        help="MLP epoch cap (default: scaled with the training events, 30-300)",
    )
    run_group.add_argument("--n-estimators", type=int, help="BDT trees (default 400)")
    run_group.add_argument(
        "--batch-size",
        type=int,
        help="MLP batch size (default: training events per fold / 50, within 32-1024)",
    )
    run_group.add_argument(
        "--class-weight",
        metavar="|".join(CLASS_WEIGHTS),
        help="'balanced': weight every class to the same net weight in training (MLP and "
        "BDT; classification only); default none",
    )
    run_group.add_argument(
        "--validation-fraction",
        type=float,
        help="fraction of each fold's training events held out for early stopping (default 0.1)",
    )
    run_group.add_argument(
        "--no-early-stopping",
        action="store_true",
        help="train the MLP for --max-epochs and the BDT for --n-estimators, no validation set",
    )
    run_group.add_argument(
        "--signal-yield", type=float, help="signal events for the significance (default 100)"
    )
    run_group.add_argument(
        "--background-yield",
        type=float,
        help="background events for the significance (default 10000)",
    )
    run_group.add_argument("--no-progress", action="store_true", help="no progress bars")
    decor = parser.add_argument_group("mass decorrelation trade-off (binary classification)")
    decor.add_argument(
        "--decorrelate",
        metavar="COLUMN",
        help="train each model for each --lambdas strength with COLUMN as the protected "
        "variable (not a feature) and report rejection against 1/JSD; the built-in data "
        "are then sklhep.datasets.make_mass_sculpting, COLUMN mass",
    )
    decor.add_argument(
        "--lambdas",
        metavar="L1,L2,...",
        help="decorrelation strengths (default 0,1,3,10; 0 is always added)",
    )


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    options: dict[str, Any] = {
        "out": args.out,
        "task": args.task,
        "quick": args.quick or None,
        "n_events": args.n_events,
        "negative_fraction": args.negative_fraction,
        "n_features": args.n_features,
        "folds": args.folds,
        "models": tuple(m.strip() for m in args.models.split(",")) if args.models else None,
        "random_state": args.seed,
        "device": args.device,
        "threads": args.threads,
        "max_epochs": args.max_epochs,
        "n_estimators": args.n_estimators,
        "batch_size": args.batch_size,
        "class_weight": args.class_weight,
        "validation_fraction": args.validation_fraction,
        "early_stopping": False if args.no_early_stopping else None,
        "samples": _mapping(args.samples, "--samples"),
        "tree": args.tree,
        "branches": args.branches,
        "weight": args.weight,
        "labels": _labels(args.labels),
        "cut": args.cut,
        "event": args.event,
        "target": args.target,
        "sample_scale": _scales(args.sample_scale),
        "max_entries": args.max_entries,
        "signal_yield": args.signal_yield,
        "background_yield": args.background_yield,
        "decorrelate": args.decorrelate,
        "lambdas": args.lambdas,
        "progress": False if args.no_progress else None,
        "overwrite": args.overwrite or None,
    }
    if args.config:
        return BenchConfig.from_toml(args.config, **options)
    return BenchConfig(**{k: v for k, v in options.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)  # validates every option (BenchError)
    from sklhep.bench._runner import run_bench  # checks --device and --out first

    run_bench(config)
    return 0
