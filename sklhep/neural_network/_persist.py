"""The MLP's fitted state for :func:`sklhep.save` and :func:`sklhep.load`, without pickle.

:class:`MLPPersistMixin` splits a fitted MLP into plain attributes (arrays, numbers,
lists), tensors (the network's ``state_dict`` and the optimizer's state, written as
safetensors) and JSON metadata, and rebuilds the skorch net from them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MLPPersistMixin"]

#: Attributes that are rebuilt rather than stored.
_REBUILT = ("net_", "module_")


class MLPPersistMixin:
    """Get and set the fitted state of :class:`~sklhep.MLPClassifier` and
    :class:`~sklhep.MLPRegressor` as attributes, tensors and JSON metadata.

    Used by :func:`sklhep.save` and :func:`sklhep.load`; the methods work on any fitted
    sklhep MLP.
    """

    def _persist_state(self) -> dict[str, Any]:
        """The fitted state.

        Returns
        -------
        dict
            ``"attributes"``: the fitted attributes other than the net (arrays, numbers,
            lists of dicts); ``"tensors"``: name -> CPU tensor (``module.*``, the network's
            ``state_dict``, and ``optimizer.<i>.<key>``); ``"optimizer"``: the optimizer's
            parameter groups and non-tensor state; ``"net_history"``: skorch's history;
            ``"device"``: where the net was.

        Raises
        ------
        TypeError
            When user ``callbacks`` are set (arbitrary objects cannot be stored safely).
        """
        est: Any = self
        if est.callbacks:
            raise TypeError(
                f"{type(est).__name__} has callbacks={est.callbacks!r}: arbitrary callback "
                "objects cannot be stored in sklhep's safe format. Call "
                "model.set_params(callbacks=None) before sklhep.save (the fitted network is "
                "kept), and set them again to continue training."
            )
        params = set(est.get_params(deep=False))
        attributes = {k: v for k, v in vars(est).items() if k not in params and k not in _REBUILT}
        tensors: dict[str, Any] = {
            f"module.{k}": v.detach().cpu().contiguous().clone()
            for k, v in est.net_.module_.state_dict().items()
        }
        opt = est.net_.optimizer_.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for idx, entry in opt["state"].items():
            for key, value in entry.items():
                if hasattr(value, "detach"):
                    tensors[f"optimizer.{idx}.{key}"] = value.detach().cpu().contiguous().clone()
                else:
                    scalars.setdefault(str(idx), {})[key] = value
        history = [dict(row) for row in est.net_.history]
        return {
            "attributes": attributes,
            "tensors": tensors,
            "optimizer": {"param_groups": opt["param_groups"], "state": scalars},
            "net_history": history,
            "device": str(est.net_.device),
        }

    def _set_persist_state(self, state: dict[str, Any]) -> None:
        """Rebuild the fitted MLP from :meth:`_persist_state`'s output.

        The net goes to ``state["device"]`` when this machine has it, else to the CPU (a
        model trained on a GPU loads on a CPU-only machine).

        Parameters
        ----------
        state : dict
            As returned by :meth:`_persist_state` (tensors may be on the CPU).
        """
        import torch
        from skorch.history import History

        from sklhep._device import cuda_device_count

        est: Any = self
        for key, value in state["attributes"].items():
            setattr(est, key, value)
        device = torch.device(state.get("device", "cpu"))
        gpu_missing = device.type == "cuda" and (device.index or 0) >= cuda_device_count("torch")
        if gpu_missing or device.type not in ("cpu", "cuda"):
            device = torch.device("cpu")  # a GPU-trained model on a CPU-only machine
        callbacks = est._training_callbacks(
            early_stopping=False, n_iter_no_change=int(est.n_iter_no_change)
        )
        est._build_net(device, 0, callbacks)
        tensors = state["tensors"]
        module_state = {
            k[len("module.") :]: v for k, v in tensors.items() if k.startswith("module.")
        }
        est.net_.module_.load_state_dict(module_state, strict=True)
        opt_state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, idx, name = key.split(".", 2)
                opt_state.setdefault(int(idx), {})[name] = value
        for idx, entries in state["optimizer"].get("state", {}).items():
            opt_state.setdefault(int(idx), {}).update(entries)
        est.net_.optimizer_.load_state_dict(
            {"state": opt_state, "param_groups": state["optimizer"]["param_groups"]}
        )
        est.net_.history = History(state.get("net_history", []))
        est.module_ = est.net_.module_
        est.module_.eval()
