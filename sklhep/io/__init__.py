"""ROOT input and output: samples in, scores out.

:func:`read_root` reads the trees of one or more samples into a DataFrame of features,
weights, labels and sample names; :func:`iterate_root` does the same in chunks;
:func:`write_root` writes scores back as a tree aligned entry by entry with the input (a
friend tree); :func:`read_root_dask` gives read_root's DataFrame lazily, as a Dask
DataFrame (``docs/distributed.md``). Columns, weights and cuts are branch names or safe
expressions (arithmetic, numpy functions, objects, masks and reductions of jagged
collections); see ``docs/io.md``, "Expressions".
"""

from __future__ import annotations

from sklhep.io._dask import read_root_dask
from sklhep.io._errors import (
    BranchNotFoundError,
    ExpressionError,
    JaggedBranchError,
    TreeNotFoundError,
)
from sklhep.io._read import iterate_root, read_root
from sklhep.io._write import write_root

__all__ = [
    "BranchNotFoundError",
    "ExpressionError",
    "JaggedBranchError",
    "TreeNotFoundError",
    "iterate_root",
    "read_root",
    "read_root_dask",
    "write_root",
]
