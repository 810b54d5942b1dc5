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
    "ConstantModelWarning",
    "ConvergenceWarning",
    "DecorrelationWarning",
    "DivergenceError",
    "InconsistentVersionWarning",
    "LowEffectiveSampleSizeWarning",
    "ModelFormatError",
    "SklhepWarning",
    "UnweightedScoreWarning",
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
    """A saved model is loaded by other library versions than the ones that saved it.

    Pickles store the sklhep version; files of :func:`sklhep.save` store the sklhep,
    scikit-learn, torch and xgboost versions.
    """


class DivergenceError(ValueError):
    """Training produced a non-finite loss (NaN or inf).

    Derives from :class:`ValueError` so that generic ``except ValueError`` handlers and
    scikit-learn's ``error_score`` machinery treat it as a bad-input error.
    """


class ModelFormatError(ValueError):
    """A file given to :func:`sklhep.load` is not an sklhep model file.

    Raised for pickles (which :func:`sklhep.load` never unpickles, as that runs code),
    other zip archives, truncated or corrupt files, and files naming a class outside the
    allow-list of :func:`sklhep.save`.
    """


class DecorrelationWarning(SklhepWarning):
    """The decorrelation penalty is computed on too few events per batch to be reliable."""


class UnweightedScoreWarning(SklhepWarning):
    """A score is computed without the event weights that the fit used.

    Emitted by sklhep's scorers (:func:`sklhep.metrics.get_scorer`) when they are called
    without ``sample_weight`` on a model fitted with weights, by
    :class:`~sklhep.model_selection.OptunaSearchCV` when routing is disabled and a scorer
    would not receive the weights, and by :func:`check_weight_routing`. The fix is
    ``sklearn.set_config(enable_metadata_routing=True)`` plus
    :func:`request_sample_weight` on the tool (see ``docs/tuning.md``).
    """


class ConstantModelWarning(SklhepWarning):
    """A fitted BDT never split: it predicts one constant for every event.

    The usual cause with event weights is scale: when one class carries a tiny share of
    the net weight (an NLO sample in pb against an LO sample in events, say), the hessian
    of every leaf stays below ``min_child_weight`` and no split is allowed. Balance the
    classes (``class_weight="balanced"``), give the samples weights of comparable scale,
    or lower ``min_child_weight``.
    """
