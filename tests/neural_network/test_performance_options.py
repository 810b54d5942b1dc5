"""The MLP's performance options: ``precision`` (mixed precision), ``compile``, device data."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklhep import MLPClassifier, MLPRegressor
from sklhep._sklearn_compat import InvalidParameterError
from sklhep.neural_network._data import TensorBatchIterator, TensorData

FAST = {
    "hidden_layer_sizes": (8,),
    "batch_size": 128,
    "max_epochs": 2,
    "learning_rate": 1e-2,
    "early_stopping": False,
    "device": "cpu",
    "random_state": 0,
}


@pytest.fixture
def binary(rng):
    X = rng.normal(size=(500, 3)).astype(np.float32)
    y = (X[:, 0] + 0.3 * rng.normal(size=500) > 0).astype(int)
    w = np.where(rng.random(500) < 0.15, -0.5, 1.0)
    return X, y, w


def _record_linear_dtypes(est):
    """Patch MLPModule so that the dtype of the first Linear's output is recorded."""
    seen: list[torch.dtype] = []

    def hook(module, args, output):
        seen.append(output.dtype)

    original = est._build_net

    def build(*args, **kwargs):
        original(*args, **kwargs)
        est.module_.layers[0].register_forward_hook(hook)

    est._build_net = build
    return seen


def test_default_precision_is_float32_without_autocast(binary):
    X, y, w = binary
    clf = MLPClassifier(**FAST)
    assert clf.precision == "float32"
    assert clf.compile is False
    seen = _record_linear_dtypes(clf)
    clf.fit(X, y, sample_weight=w)
    assert set(seen) == {torch.float32}
    assert all(p.dtype == torch.float32 for p in clf.module_.parameters())


def test_bf16_on_cpu_autocasts_and_keeps_float32_parameters(binary):
    X, y, w = binary
    ref = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    clf = MLPClassifier(**FAST, precision="bf16")
    seen = _record_linear_dtypes(clf)
    clf.fit(X, y, sample_weight=w)
    assert torch.bfloat16 in seen  # the forward pass ran under autocast
    assert all(p.dtype == torch.float32 for p in clf.module_.parameters())
    assert all(np.isfinite(row["train_loss"]) for row in clf.history_)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # bfloat16 has 8 bits of mantissa: close to, not equal to, the float32 fit.
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=0.05)


def test_bf16_regressor_and_partial_fit(rng):
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = 50.0 * X[:, 0] + 100.0
    reg = MLPRegressor(**{**FAST, "max_epochs": 5}, precision="bf16").fit(X, y)
    assert reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.5
    reg.partial_fit(X, y)
    assert len(reg.history_) >= 1


def test_fp16_on_cpu_is_a_clear_error(binary):
    X, y, w = binary
    with pytest.raises(ValueError, match=r"fp16.*CUDA.*bf16"):
        MLPClassifier(**FAST, precision="fp16").fit(X, y, sample_weight=w)


@pytest.mark.parametrize("bad", ["fp8", "half", 16])
def test_precision_is_validated(binary, bad):
    X, y, _ = binary
    with pytest.raises(InvalidParameterError, match="precision"):
        MLPClassifier(**FAST, precision=bad).fit(X, y)


def test_compile_is_validated(binary):
    X, y, _ = binary
    with pytest.raises(InvalidParameterError, match="compile"):
        MLPClassifier(**FAST, compile="yes").fit(X, y)


def test_new_parameters_clone():
    clf = MLPClassifier(precision="bf16", compile=True)
    params = clone(clf).get_params()
    assert params["precision"] == "bf16"
    assert params["compile"] is True


@pytest.fixture
def eager_compile(monkeypatch):
    """torch.compile with the 'eager' backend (real tracing, no code generation), spied."""
    calls = []
    original = torch.compile

    def spy(module, **kwargs):
        calls.append(module)
        return original(module, backend="eager")

    monkeypatch.setattr(torch, "compile", spy)
    yield calls
    torch._dynamo.reset()


def test_compile_trains_through_a_compiled_view(binary, eager_compile):
    X, y, w = binary
    ref = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    assert eager_compile == []  # off by default
    clf = MLPClassifier(**FAST, compile=True).fit(X, y, sample_weight=w)
    assert len(eager_compile) == 1
    assert eager_compile[0] is clf.module_
    # The compiled view is transient: the fitted net keeps the plain module only.
    assert clf.net_._compiled_module is None
    assert type(clf.module_).__name__ == "MLPModule"
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    assert hasattr(clf, "module_")  # pickling does not strip the original


def test_batch_callbacks_still_see_every_batch_with_mixed_precision(binary):
    X, y, w = binary

    class Counter(Callback):
        def initialize(self):
            self.batches = 0
            self.grads = 0
            return self

        def on_batch_end(self, net, **kwargs):
            self.batches += 1

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.grads += int(all(p.grad is not None for _, p in named_parameters))

    clf = MLPClassifier(**FAST, precision="bf16", callbacks=[("count", Counter())])
    clf.fit(X, y, sample_weight=w)
    counter = dict(clf.net_.callbacks_)["count"]
    n_batches = 2 * int(np.ceil(500 / 128))
    assert counter.batches == n_batches
    assert counter.grads == n_batches


def test_batches_of_resident_data_are_not_copied():
    X = torch.arange(40, dtype=torch.float32).reshape(20, 2)
    data = TensorData(X=X, y=torch.zeros(20), weight=torch.ones(20))
    it = TensorBatchIterator(data, 8, shuffle=False, device=X.device)
    batches = list(it)
    # In order: every batch is a view of the resident tensor (no copy, no transfer).
    assert all(
        b[0]["X"].untyped_storage().data_ptr() == X.untyped_storage().data_ptr() for b in batches
    )
    shuffled = TensorBatchIterator(data, 8, shuffle=True, device=X.device)
    moved = [shuffled._move(b[0]["X"]) for b in shuffled]
    assert all(m.device == X.device for m in moved)


# -- GPU ---------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["bf16", "fp16", "float32"])
def test_cuda_mixed_precision_fits_and_predicts_on_cpu(binary, precision):
    X, y, w = binary
    clf = MLPClassifier(**{**FAST, "device": "cuda"}, precision=precision)
    seen = _record_linear_dtypes(clf)
    clf.fit(X, y, sample_weight=w)
    expected = {"bf16": torch.bfloat16, "fp16": torch.float16, "float32": torch.float32}
    assert expected[precision] in seen
    assert all(np.isfinite(row["train_loss"]) for row in clf.history_)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.gpu
def test_cuda_training_data_stay_on_the_device(binary, monkeypatch):
    """Data are moved to the GPU once; batches are sliced there (no host-to-device copy)."""
    X, y, w = binary
    seen = []
    original_iter = TensorBatchIterator.__iter__

    def spy(self):
        for batch in original_iter(self):
            seen.append((self.data.X.device.type, batch[0]["X"].device.type))
            yield batch

    monkeypatch.setattr(TensorBatchIterator, "__iter__", spy)
    MLPClassifier(**{**FAST, "device": "cuda"}).fit(X, y, sample_weight=w)
    assert seen
    assert set(seen) == {("cuda", "cuda")}


@pytest.mark.gpu
def test_cuda_compile_fits(binary, eager_compile):
    X, y, w = binary
    clf = MLPClassifier(**{**FAST, "device": "cuda"}, compile=True).fit(X, y, sample_weight=w)
    assert len(eager_compile) == 1
    assert clf.predict(X).shape == (500,)
