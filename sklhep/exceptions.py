"""Warnings and errors raised by sklhep.

Every warning sklhep emits derives from :class:`SklhepWarning`, so that a user (or the
test suite, which turns them into errors) can filter all of them at once::

    import warnings
    from sklhep.exceptions import SklhepWarning

    warnings.simplefilter("ignore", SklhepWarning)
"""

from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning

__all__ = [
    "ConvergenceWarning",
    "DivergenceError",
    "InconsistentVersionWarning",
    "LowEffectiveSampleSizeWarning",
    "SklhepWarning",
]


class SklhepWarning(UserWarning):
    """Base class of every warning emitted by sklhep."""


class LowEffectiveSampleSizeWarning(SklhepWarning):
    """The Kish effective sample size of the weights is a small fraction of the events.

    Large cancellations between positive and negative weights, or very uneven weights,
    leave few effective events: fits and metrics will have large statistical
    uncertainties.
    """


class ConvergenceWarning(SklhepWarning, _SklearnConvergenceWarning):
    """A fit stopped at its iteration limit before it converged.

    Derives from scikit-learn's ``ConvergenceWarning`` too, so that filters written for
    scikit-learn's estimators (``warnings.simplefilter("ignore", ConvergenceWarning)``)
    apply to sklhep's.
    """


class InconsistentVersionWarning(SklhepWarning):
    """A pickled sklhep model is loaded by another sklhep version than the one that saved
    it (the version is stored in every pickle)."""


class DivergenceError(ValueError):
    """Training produced a non-finite loss (NaN or inf).

    Derives from :class:`ValueError` so that generic ``except ValueError`` handlers and
    scikit-learn's ``error_score`` machinery treat it as a bad-input error.
    """
