"""``verbose``: an epoch table for the MLP, a per-round log for the BDT; silence by default."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep import BDTClassifier, MLPClassifier


@pytest.fixture
def xy(rng):
    X = rng.normal(size=(400, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_mlp_verbose_prints_epoch_table(xy, capsys):
    MLPClassifier(max_epochs=2, random_state=0).fit(*xy)
    assert capsys.readouterr().out == ""
    MLPClassifier(max_epochs=2, verbose=1, random_state=0, early_stopping=True).fit(*xy)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert "valid_loss" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 2


def test_bdt_verbose_prints_rounds(xy, capsys):
    BDTClassifier(n_estimators=3, random_state=0).fit(*xy)
    assert capsys.readouterr().out == ""
    BDTClassifier(
        n_estimators=3, verbose=1, random_state=0, early_stopping=True, n_iter_no_change=2
    ).fit(*xy)
    out = capsys.readouterr().out
    assert "validation-logloss" in out
    assert np.sum(["train-logloss" in line for line in out.splitlines()]) == 3
