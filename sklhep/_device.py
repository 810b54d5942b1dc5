"""One device helper for both model families.

``device`` takes the same values for the MLP (PyTorch) and the BDT (xgboost): ``"auto"``
(CUDA when there is a usable device, else the CPU), ``"cpu"``, ``"cuda"`` and
``"cuda:N"``. :func:`resolve_device` turns it into the concrete device string both
libraries accept, with one set of error messages.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import re
from collections.abc import Iterator
from typing import Literal

__all__ = [
    "check_device",
    "cuda_device_count",
    "effective_n_threads",
    "resolve_device",
    "torch_threads",
]

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")

Library = Literal["torch", "xgboost"]


def check_device(device: object) -> str:
    """Return ``device`` if it is one of the accepted values, else raise ValueError."""
    if not isinstance(device, str) or not _DEVICE_RE.match(device):
        raise ValueError(f"device={device!r} is not one of 'auto', 'cpu', 'cuda' or 'cuda:N'.")
    return device


@functools.lru_cache(maxsize=2)
def cuda_device_count(library: Library = "torch") -> int:
    """CUDA devices ``library`` can use in this process (0 without a driver or a CUDA build).

    PyTorch counts its own devices. For xgboost the count is 0 unless xgboost was built
    with CUDA; the devices are then counted by the CUDA driver itself, so that a BDT fit
    does not import PyTorch.
    """
    if library == "xgboost":
        import xgboost

        if not xgboost.build_info().get("USE_CUDA", False):
            return 0
        try:
            lib = ctypes.CDLL("libcuda.so.1")
        except OSError:
            return 0
        count = ctypes.c_int(0)
        if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return int(count.value)
    import torch

    try:
        return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
    except RuntimeError:  # pragma: no cover - a broken driver
        return 0


def resolve_device(device: str, library: Library = "torch") -> str:
    """The concrete device (``"cpu"``, ``"cuda"`` or ``"cuda:N"``) for ``library``.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"}
    library : {"torch", "xgboost"}, default="torch"
        Which library will use the device (xgboost needs a CUDA build too).

    Raises
    ------
    ValueError
        For an unknown value, or a CUDA device that this process cannot use.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    check_device(device)
    n_cuda = cuda_device_count(library)
    if device == "auto":
        return "cuda" if n_cuda > 0 else "cpu"
    if device.startswith("cuda"):
        if n_cuda == 0:
            what = "PyTorch" if library == "torch" else "xgboost (it may lack a CUDA build)"
            raise ValueError(
                f"device={device!r} was requested, but {what} sees no CUDA device. Use "
                "device='cpu', or device='auto' to pick CUDA only when it is present."
            )
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= n_cuda:
            raise ValueError(f"device={device!r} but only {n_cuda} CUDA device(s) exist.")
    return device


def effective_n_threads(n_jobs: int | None) -> int:
    """The threads a fit may use: ``n_jobs``, or for ``None``/-1 the CPUs this process may
    use (its CPU affinity and cgroup quota, as a batch system sets them, not the machine's
    core count), the same rule for both families."""
    from sklhep._sklearn_compat import _openmp_effective_n_threads

    return int(_openmp_effective_n_threads(n_jobs))


@contextlib.contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Set PyTorch's intra-op threads for a block and restore the global setting after."""
    import torch

    before = torch.get_num_threads()
    if n_threads == before:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
