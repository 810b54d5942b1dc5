"""Boosted decision trees (xgboost) that are correct with signed sample weights."""

from sklhep.ensemble._bdt import BDTClassifier, BDTRegressor

__all__ = ["BDTClassifier", "BDTRegressor"]
