"""One weight plan: every fit path trains on the weights of ``sklhep.weights``' plan, and
gives the same error for the same impossible request."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sklhep
from sklhep import BDTClassifier, MLPClassifier
from sklhep.weights import prepare_training_weights

PACKAGE = Path(sklhep.__file__).parent

#: What "drop" says when it removes every event of a class.
DROP_MESSAGE = r"class 2 has net sample weight 0 <= 0.*'drop' removed the class's"


def _three_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.repeat([0, 1, 2], 100)
    w = np.where(y == 2, -1.0, 1.0)  # class 2: all negative
    return X, y, w


@pytest.mark.parametrize(
    "fit",
    [
        pytest.param(
            lambda X, y, w: prepare_training_weights(
                w, X, y, negative_weights="drop", classifier=True
            ),
            id="weights",
        ),
        pytest.param(
            lambda X, y, w: BDTClassifier(negative_weights="drop", device="cpu").fit(X, y, w),
            id="BDT",
        ),
        pytest.param(
            lambda X, y, w: MLPClassifier(negative_weights="drop", max_epochs=1, device="cpu").fit(
                X, y, w
            ),
            id="MLP",
        ),
    ],
)
def test_drop_with_an_all_negative_class_is_the_same_error_everywhere(fit):
    X, y, w = _three_classes()
    with pytest.raises(ValueError, match=DROP_MESSAGE):
        fit(X, y, w)


#: Weight arithmetic that belongs in sklhep/weights.py: rescaling by a net sum, a
#: hand-written net-weight check, a per-class factor.
_FORBIDDEN = [
    re.compile(r"\b(w|sw|wt|weights?|sample_weight|w_\w+)\s*/\s*[\w.\[\]]*\.sum\(\)"),
    re.compile(r"\*\s*\(?\s*[\w.\[\]]*shape\[0\]\s*/\s*[\w.\[\]]*\.sum\(\)"),
    re.compile(r"[*/]=?\s*\w+\s*/\s*(w|sw|wt|weights?|sample_weight|w_\w+)(\[[^\]]*\])?\.sum\(\)"),
    re.compile(
        r"\b(w|sw|wt|weights?|sample_weight|w_\w+)(\[[^\]]*\])?\.sum\(\)\s*(<=|>=|<|>)\s*0"
    ),
    re.compile(r"\bnot\s+(w|sw|wt|weights?|sample_weight|w_\w+)(\[[^\]]*\])?\.sum\(\)"),
]


def test_no_weight_arithmetic_outside_weights_module():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "weights.py" and path.parent == PACKAGE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in _FORBIDDEN):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not offenders, "weight arithmetic outside sklhep/weights.py:\n" + "\n".join(offenders)
