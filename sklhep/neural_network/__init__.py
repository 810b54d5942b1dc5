"""Multilayer perceptrons (PyTorch through skorch) trained with signed sample weights."""

from sklhep.neural_network._mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
