"""Event-number folding and k-fold training with out-of-fold application.

See ``docs/model_selection.md``.
"""

from sklhep.model_selection._cross_evaluator import CrossEvaluator
from sklhep.model_selection._split import EventNumberKFold

__all__ = ["CrossEvaluator", "EventNumberKFold"]
