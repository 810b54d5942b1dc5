"""What ``sklhep bench`` runs: its configuration, from the command line or a TOML file."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["TASKS", "BenchConfig"]

TASKS = ("binary", "multiclass", "regression")
MODELS = ("mlp", "bdt")


@dataclasses.dataclass
class BenchConfig:
    """Settings of one benchmark run. Every field has a command-line flag of the same name.

    With no ``samples`` the built-in generator of ``task`` makes the data; with ``samples``
    the data come from ROOT files through :func:`sklhep.io.read_root`.
    """

    out: Path
    task: str | None = None  # None: binary, or from the number of classes in ROOT input
    quick: bool = False
    n_events: int | None = None  # generator only; default depends on task and --quick
    negative_fraction: float = 0.15  # generator only
    n_features: int | None = None  # generator only
    folds: int | None = None  # default 3, or 2 with --quick
    models: tuple[str, ...] = MODELS
    random_state: int = 0
    device: str = "auto"
    max_epochs: int | None = None
    n_estimators: int | None = None
    # luminosity normalisation for the significance (signal and background yields)
    signal_yield: float = 100.0
    background_yield: float = 10_000.0
    # ROOT input
    samples: dict[str, list[str]] | None = None
    tree: str | None = None
    branches: list[str] | None = None
    weight: str | None = None
    labels: dict[str, Any] | None = None
    cut: str | None = None
    event: str | None = None
    target: str | None = None  # regression target branch
    sample_scale: dict[str, float] | None = None
    max_entries: int | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if self.task is None and not self.from_root:
            self.task = "binary"
        if self.task is not None and self.task not in TASKS:
            raise ValueError(f"--task must be one of {', '.join(TASKS)}, got {self.task!r}")
        unknown = set(self.models) - set(MODELS)
        if unknown or not self.models:
            raise ValueError(f"--models must be a subset of {','.join(MODELS)}, got {self.models}")
        if not 0 <= self.negative_fraction < 0.5:
            raise ValueError(
                f"--negative-fraction must lie in [0, 0.5), got {self.negative_fraction}"
            )
        if self.samples is not None:
            if not self.tree:
                raise ValueError("--tree is required with --samples")
            if not self.branches:
                raise ValueError("--branches is required with --samples")
            if self.task == "regression" and not self.target:
                raise ValueError("--target (the regression target branch) is required")
        self.folds = self.n_folds
        if self.folds < 2:
            raise ValueError(f"--folds must be at least 2, got {self.folds}")

    @property
    def from_root(self) -> bool:
        return self.samples is not None

    @property
    def n_folds(self) -> int:
        """``folds``, or its default when it is None: 3, or 2 with ``quick``."""
        if self.folds is None:
            return 2 if self.quick else 3
        return self.folds

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> BenchConfig:
        """Read a TOML file whose keys are the field names; ``overrides`` win."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"config file {str(path)!r} does not exist")
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        data = dict(data.get("bench", data))
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(f"config file {str(path)!r} has unknown keys: {', '.join(unknown)}")
        if isinstance(data.get("samples"), Mapping):
            data["samples"] = {
                k: [v] if isinstance(v, str) else list(v) for k, v in data["samples"].items()
            }
        if "models" in data:
            data["models"] = tuple(data["models"])
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)
