"""iterate_root: chunks that mix every sample, same rows as read_root."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklhep.io import BranchNotFoundError, iterate_root, read_root


@pytest.fixture
def samples(root_dir: Path) -> dict[str, object]:
    return {
        "sig": root_dir / "sig.root",
        "bkg": root_dir / "bkg.root",
        "bkg2": str(root_dir / "bkg2_*.root"),
    }


def _by_sample(df: pd.DataFrame) -> pd.DataFrame:
    order = df["sample"].cat.codes.to_numpy()
    return df.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def test_chunks_mix_all_samples_and_add_up_to_read_root(samples: dict) -> None:
    kwargs = {"tree": "events", "branches": ["x", "y"], "weight": "w", "event": "evt"}
    chunks = list(iterate_root(samples, step_size=100, **kwargs))
    assert len(chunks) == 7  # 700 entries / 100
    for chunk in chunks:
        assert list(chunk.columns) == ["x", "y", "weight", "label", "sample", "event"]
        assert list(chunk["sample"].cat.categories) == ["sig", "bkg", "bkg2"]
        assert set(chunk["sample"]) == {"sig", "bkg", "bkg2"}  # every class in every chunk
        assert 90 <= len(chunk) <= 110
        assert chunk["x"].dtype == np.float32
    whole = read_root(samples, **kwargs)
    together = _by_sample(pd.concat(chunks, ignore_index=True))
    pd.testing.assert_frame_equal(together, whole)


def test_cut_max_entries_labels_and_scale(samples: dict) -> None:
    kwargs = {
        "tree": "events",
        "branches": ["y"],
        "weight": "w",
        "cut": "ok",
        "labels": {"sig": 1, "bkg": 0, "bkg2": 0},
        "sample_scale": {"bkg2": 3.0},
        "max_entries": 150,
    }
    chunks = list(iterate_root(samples, step_size=64, **kwargs))
    together = _by_sample(pd.concat(chunks, ignore_index=True))
    pd.testing.assert_frame_equal(together, read_root(samples, **kwargs))


def test_errors_are_raised_at_the_call(samples: dict) -> None:
    with pytest.raises(BranchNotFoundError, match="Did you mean 'x'"):
        iterate_root(samples, tree="events", branches=["xx"])  # no next() needed
    with pytest.raises(ValueError, match="step_size"):
        iterate_root(samples, tree="events", branches=["x"], step_size=None)


def test_cut_that_empties_a_sample_raises_after_the_chunks(root_dir: Path) -> None:
    samples = {"sig": root_dir / "sig.root", "bkg": root_dir / "bkg.root"}
    it = iterate_root(samples, tree="events", branches=["x"], cut="evt < 1010", step_size=100)
    with pytest.raises(ValueError, match="leaves no events of sample 'bkg'"):
        list(it)


def test_partial_fit_with_signed_weights(samples: dict) -> None:
    """The documented pattern: out-of-core training with partial_fit, chunk by chunk."""
    from sklearn.linear_model import SGDClassifier

    clf = SGDClassifier(loss="log_loss", random_state=0)
    n_seen = 0
    for chunk in iterate_root(
        samples, tree="events", branches=["x", "y"], weight="w", step_size=200
    ):
        clf.partial_fit(
            chunk[["x", "y"]].to_numpy(),
            chunk["label"].to_numpy(),
            classes=[0, 1, 2],
            sample_weight=chunk["weight"].to_numpy(),
        )
        n_seen += len(chunk)
    assert n_seen == 700
    assert clf.coef_.shape == (3, 2)
