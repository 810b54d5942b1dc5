"""Tensor data and a batch iterator that slices tensors instead of calling ``__getitem__``.

A ``torch.utils.data.DataLoader`` over a ``Dataset`` calls ``__getitem__`` once per event
and collates the results: on tabular data that costs more than the network itself. Here
the data are float32 tensors built once (on the training device when they fit there), and
a batch is one ``index_select`` (shuffled) or one slice (in order).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

__all__ = ["TensorBatchIterator", "TensorData"]

Batch = tuple[dict[str, torch.Tensor], torch.Tensor]


@dataclass
class TensorData:
    """Features, targets and *normalised* weights of one set (training or validation).

    ``weight`` is the event weight divided by the normalisation of the weighted loss (see
    :class:`~sklhep.neural_network._net.WeightedNet`), so that a batch loss is simply
    ``sum(weight_i * loss_i)``. The weights come normalised to a net sum of 1 from
    :func:`sklhep.weights.prepare_training_weights` (``normalize="unit"``); nothing here
    rescales them.

    With mass decorrelation, ``protected`` holds the variable to decorrelate from and
    ``decorrelate`` (bool) marks the events the penalty is computed on (see ``_disco.py``);
    both travel in the batch dict under the same keys.
    """

    X: torch.Tensor
    y: torch.Tensor
    weight: torch.Tensor
    protected: torch.Tensor | None = None
    decorrelate: torch.Tensor | None = None

    def extras(self) -> dict[str, torch.Tensor]:
        """The optional per-event tensors that travel in the batch dict."""
        out = {}
        if self.protected is not None:
            out["protected"] = self.protected
        if self.decorrelate is not None:
            out["decorrelate"] = self.decorrelate
        return out

    def __len__(self) -> int:
        return int(self.X.shape[0])


class TensorBatchIterator:
    """Iterate over ``(dict(X=..., sample_weight=...), y)`` batches of a :class:`TensorData`
    (with ``protected`` and ``decorrelate`` in the dict when the data have them).

    Parameters
    ----------
    data : TensorData
    batch_size : int
    shuffle : bool
        Draw a new ``torch.randperm`` permutation at every pass. Training always shuffles
        (HEP samples often arrive sorted by class or by run); a single full batch is not
        permuted, since the loss of a full batch does not depend on the order.
    generator : torch.Generator or None
        The random generator of the permutations (on the data's device).
    device : torch.device or None
        Move each batch there (used when the data stay on the CPU while training on a GPU).
    """

    def __init__(
        self,
        data: TensorData,
        batch_size: int,
        *,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ) -> None:
        self.data = data
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.device = device

    def __len__(self) -> int:
        n = len(self.data)
        return (n + self.batch_size - 1) // self.batch_size

    def _move(self, t: torch.Tensor) -> torch.Tensor:
        if self.device is None or t.device == self.device:
            return t
        return t.to(self.device, non_blocking=True)

    def __iter__(self) -> Iterator[Batch]:
        X, y, w = self.data.X, self.data.y, self.data.weight
        extras = self.data.extras()
        n = X.shape[0]
        bs = self.batch_size
        if self.shuffle and n > bs:
            perm = torch.randperm(n, generator=self.generator, device=X.device)
            for start in range(0, n, bs):
                idx = perm[start : start + bs]
                batch = {"X": self._move(X.index_select(0, idx))}
                batch["sample_weight"] = self._move(w.index_select(0, idx))
                for key, t in extras.items():
                    batch[key] = self._move(t.index_select(0, idx))
                yield batch, self._move(y.index_select(0, idx))
        else:
            for start in range(0, n, bs):
                stop = start + bs
                batch = {
                    "X": self._move(X[start:stop]),
                    "sample_weight": self._move(w[start:stop]),
                }
                for key, t in extras.items():
                    batch[key] = self._move(t[start:stop])
                yield batch, self._move(y[start:stop])
