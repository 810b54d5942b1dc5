"""Base classes shared by sklhep's estimators."""

from __future__ import annotations

__all__ = ["SampleWeightRequestMixin"]


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
