"""Base classes shared by sklhep's estimators."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, cast

__all__ = ["SampleWeightRequestMixin", "VersionedStateMixin"]


class SampleWeightRequestMixin:
    """Request ``sample_weight`` in ``fit``, ``partial_fit`` and ``score`` by default.

    With ``sklearn.set_config(enable_metadata_routing=True)``, scikit-learn routes
    ``sample_weight`` only to the estimators that request it. HEP weights are never
    optional, so sklhep estimators request them by default: no ``set_fit_request`` call is
    needed. ``est.set_fit_request(sample_weight=False)`` still turns it off.
    """

    __metadata_request__fit = {"sample_weight": True}  # noqa: RUF012
    __metadata_request__partial_fit = {"sample_weight": True}  # noqa: RUF012
    __metadata_request__score = {"sample_weight": True}  # noqa: RUF012


class VersionedStateMixin:
    """Store the sklhep version in a pickle and warn when it is loaded by another version.

    As scikit-learn does for its own version (``InconsistentVersionWarning``): a model
    pickled by one sklhep release may predict differently, or not at all, under another.
    Put it before ``BaseEstimator`` in the bases.
    """

    def __getstate__(self) -> dict[str, Any]:
        from sklhep import __version__

        # BaseEstimator's state (a dict), which follows this mixin in the MRO
        state: dict[str, Any] = dict(cast(Mapping[str, Any], super().__getstate__()))
        state["_sklhep_version"] = __version__
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from sklhep import __version__
        from sklhep.exceptions import InconsistentVersionWarning

        state = dict(state)
        pickled = state.pop("_sklhep_version", None)
        if pickled != __version__:
            by = f"sklhep {pickled}" if pickled else "an sklhep version that stored none"
            warnings.warn(
                f"{type(self).__name__} was pickled by {by} and is loaded by sklhep "
                f"{__version__}: it may predict differently or fail. Refit it with this "
                "version, or load it with the version that saved it.",
                InconsistentVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)  # type: ignore[misc]
