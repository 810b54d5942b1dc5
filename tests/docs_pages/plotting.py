"""Setup of docs/plotting.md: the page builds its own samples and models; make them small."""

from __future__ import annotations

REPLACEMENTS = [
    ("make_signal_background(100_000,", "make_signal_background(4_000,"),
    ("make_momentum_regression(100_000,", "make_momentum_regression(4_000,"),
    ("MLPClassifier(random_state=0)", "MLPClassifier(max_epochs=10, random_state=0)"),
    ("MLPRegressor(random_state=0)", "MLPRegressor(max_epochs=10, random_state=0)"),
]
