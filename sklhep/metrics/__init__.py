"""HEP figures of merit, exact with signed (negative) event weights.

Every function accepts per-event ``sample_weight`` with negative entries and defines, in its
docstring, what a weighted and a negatively weighted input means. See ``docs/metrics.md``.
"""

from sklhep.metrics._classification import log_loss
from sklhep.metrics._ks import KSResult, ks_test
from sklhep.metrics._regression import bias, resolution
from sklhep.metrics._roc import (
    RocCurve,
    background_rejection,
    roc_auc_score,
    roc_curve,
    signal_efficiency_at,
)
from sklhep.metrics._scorer import get_scorer, get_scorer_names
from sklhep.metrics._sculpting import sculpting_jsd
from sklhep.metrics._significance import (
    SignificanceScan,
    ams,
    asimov_significance,
    max_significance,
)
from sklhep.metrics._two_sample import Chi2Result, two_sample_chi2

__all__ = [
    "Chi2Result",
    "KSResult",
    "RocCurve",
    "SignificanceScan",
    "ams",
    "asimov_significance",
    "background_rejection",
    "bias",
    "get_scorer",
    "get_scorer_names",
    "ks_test",
    "log_loss",
    "max_significance",
    "resolution",
    "roc_auc_score",
    "roc_curve",
    "sculpting_jsd",
    "signal_efficiency_at",
    "two_sample_chi2",
]
