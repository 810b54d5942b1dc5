"""The PyTorch module behind :class:`~sklhep.MLPClassifier` and :class:`~sklhep.MLPRegressor`."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "WEIGHT_INITS", "MLPModule"]

#: The accepted values of ``activation``, mapped to their torch module.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}

#: The accepted values of ``weight_init``.
WEIGHT_INITS: tuple[str, ...] = ("default", "kaiming", "xavier")

#: The gain ``kaiming`` initialisation uses for each activation (ReLU's for the others).
_KAIMING_NONLINEARITY: dict[str, Literal["relu", "leaky_relu", "tanh"]] = {
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "tanh": "tanh",
}


class MLPModule(nn.Module):
    """Fully connected: ``[Linear -> (BatchNorm) -> activation -> (Dropout)]* -> Linear``.

    Parameters
    ----------
    n_features : int
        Number of input features.
    hidden_layer_sizes : tuple of int
        Width of each hidden layer (may be empty: a linear model).
    n_outputs : int
        Number of outputs (1 logit for binary classification, one per class for
        multi-class, one per target for regression).
    activation : str
        A key of :data:`ACTIVATIONS`.
    dropout : float
        Dropout probability after each hidden activation (0 disables dropout).
    batch_norm : bool
        Insert ``BatchNorm1d`` after each hidden ``Linear``.
    weight_init : {"default", "kaiming", "xavier"}
        ``"default"`` keeps PyTorch's initialisation; the others re-initialise the weights of
        every ``Linear`` (biases set to zero).
    """

    def __init__(
        self,
        n_features: int,
        hidden_layer_sizes: tuple[int, ...],
        n_outputs: int,
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        weight_init: str = "default",
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)
        if weight_init != "default":
            self._init_weights(weight_init, activation)

    def _init_weights(self, weight_init: str, activation: str) -> None:
        nonlinearity = _KAIMING_NONLINEARITY.get(activation, "relu")
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                if weight_init == "kaiming":
                    nn.init.kaiming_uniform_(layer.weight, nonlinearity=nonlinearity)
                else:
                    nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, X: torch.Tensor, sample_weight: torch.Tensor | None = None) -> torch.Tensor:
        """Return the raw outputs (logits or standardised targets).

        ``sample_weight`` is accepted and ignored: skorch passes every entry of the batch's
        input dict to ``forward``, and the weights travel in that dict to ``get_loss``.
        """
        return self.layers(X)

    def weight_matrices(self) -> list[torch.Tensor]:
        """The ``Linear`` weight matrices (the parameters ``alpha`` and ``l1`` penalise)."""
        return [m.weight for m in self.layers if isinstance(m, nn.Linear)]
