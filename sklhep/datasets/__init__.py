"""Built-in, physics-motivated event generators with NLO-like signed weights.

No downloads: every sample is generated on the fly, deterministically for a given
``random_state``. The signed weights are built as cancelling contributions, so the net
(signed-weight) distributions are known exactly; ``df.attrs["truth"]`` (a
:class:`GeneratorTruth`) gives the analytic densities and the Bayes posterior. See
``docs/datasets.md``.
"""

from sklhep.datasets._generators import (
    GeneratorTruth,
    class_posterior,
    make_momentum_regression,
    make_multiclass,
    make_signal_background,
    signal_posterior,
)
from sklhep.datasets._sculpting import SCULPTING_FEATURES, make_mass_sculpting

__all__ = [
    "SCULPTING_FEATURES",
    "GeneratorTruth",
    "class_posterior",
    "make_mass_sculpting",
    "make_momentum_regression",
    "make_multiclass",
    "make_signal_background",
    "signal_posterior",
]
