"""The NLO-like signed-weight construction shared by every generator.

For one class with net density :math:`p(x)`, aMC@NLO-like events are drawn as

* positive-weight events from :math:`q_+ = (p + a\\,r) / (1 + a)`,
* negative-weight events from :math:`r`, the "hard-emission" distortion,

all with the same :math:`|w|`. With :math:`N_-/N_+ = a/(1+a)` the :math:`r` parts cancel
and the net density is exactly :math:`p`; the negative fraction is
:math:`f = N_-/(N_+ + N_-) = a/(1+2a)`, i.e. :math:`a = f/(1-2f)`.

The counts are fixed rather than random: of :math:`N` events, :math:`N_- = \\mathrm{round}(fN)`
are negative, :math:`N_-` positive ones are drawn from :math:`r` and the remaining
:math:`N - 2N_-` from :math:`p`, so the cancellation is exact in expectation with no
fluctuation of the mixture fractions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["SignedCounts", "event_numbers", "signed_counts", "to_generator"]


class SignedCounts(NamedTuple):
    """How the :math:`N` events of one class are split."""

    n_net: int  # positive events drawn from the net density p
    n_hard: int  # positive events drawn from r, and as many negative ones
    weight: float  # |w|, chosen so that the class's net weight sum equals N

    @property
    def n_events(self) -> int:
        return self.n_net + 2 * self.n_hard


def signed_counts(n_events: int, negative_fraction: float) -> SignedCounts:
    """Split ``n_events`` into net draws, hard draws and the weight magnitude."""
    n_neg = round(negative_fraction * n_events)
    n_neg = min(n_neg, (n_events - 1) // 2)  # keep at least one net draw
    n_net = n_events - 2 * n_neg
    return SignedCounts(n_net, n_neg, n_events / n_net)


def to_generator(
    random_state: int | np.random.RandomState | np.random.Generator | None,
) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``None``, an int, a RandomState or a Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def event_numbers(n_events: int, rng: np.random.Generator) -> np.ndarray:
    """Unique, increasing uint64 event numbers with random gaps (like a real run)."""
    gaps = rng.integers(1, 8, size=n_events, dtype=np.uint64)
    return np.uint64(100_000) + np.cumsum(gaps, dtype=np.uint64)
