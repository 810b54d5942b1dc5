"""Shared fixtures: seeded RNGs and the real-data folder."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    """Seed Python, numpy and (when imported) torch before every test."""
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - legacy global seed for code that uses it
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` from the project root; skips the test when it is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real HEP datasets not found at {DATA_DIR} (only on the dev machines)")
    return DATA_DIR


@pytest.fixture(scope="session")
def data_path(data_dir: Path):
    """``data_path("offshell_tutorial", "sig_Events.root")``: a path in the data folder;
    skips the test when that file or folder is absent (a partial copy of the data)."""

    def get(*parts: str) -> Path:
        path = data_dir.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"{path} not found (the real datasets are only on the dev machines)")
        return path

    return get


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return torch.cuda.is_available()


def _xgboost_cuda() -> bool:
    from sklhep._device import cuda_device_count

    return cuda_device_count("xgboost") > 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``gpu`` tests without a device: xgboost-only tests (the BDT) need a CUDA device
    that xgboost sees, the others one that torch sees (a CPU-only torch must not hide a GPU
    from the BDT tests, nor a CUDA xgboost run the MLP's)."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    torch_cuda, xgboost_cuda = _torch_cuda(), _xgboost_cuda()
    for item in gpu_items:
        xgboost_only = "tests/ensemble/" in item.nodeid or "tests/dask/" in item.nodeid
        if torch_cuda or (xgboost_only and xgboost_cuda):
            continue
        item.add_marker(pytest.mark.skip(reason="needs a CUDA device"))
