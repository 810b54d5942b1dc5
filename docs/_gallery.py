"""Hooks for sphinx-gallery, named by their qualified names in ``conf.py``."""

from __future__ import annotations

from typing import Any


def reset_sklearn(gallery_conf: dict[str, Any], fname: str, when: str | None = None) -> None:
    """Give every example scikit-learn's default configuration.

    An example that turns metadata routing on (to route ``sample_weight``) must not leave
    it on for the next one, which would then fail on an unrequested weight.
    """
    import sklearn

    sklearn.set_config(enable_metadata_routing=False)
