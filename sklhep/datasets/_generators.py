"""Built-in, physics-motivated event generators with NLO-like signed weights."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sklhep._sklearn_compat import Interval, validate_params
from sklhep.datasets import _kinematics as kin
from sklhep.datasets._distributions import log_mix
from sklhep.datasets._signed import event_numbers, signed_counts, to_generator

__all__ = [
    "GeneratorTruth",
    "class_posterior",
    "make_momentum_regression",
    "make_multiclass",
    "make_signal_background",
    "signal_posterior",
]

Component = Literal["net", "hard", "abs", "positive"]
_COMPONENTS = ("net", "hard", "abs", "positive")


@dataclasses.dataclass(frozen=True)
class GeneratorTruth:
    """The exact distributions behind a generated sample (``df.attrs["truth"]``).

    Attributes
    ----------
    generator : str
        Name of the generator that made the sample.
    features : tuple of str
        The feature columns, in order; :attr:`columns` is the same as a list, to index a
        DataFrame with.
    class_names : tuple of str or None
        ``sample`` name of each label ``0..K-1``; ``None`` for regression.
    class_fractions : tuple of float
        Net weight fraction of each class (the priors of the Bayes posterior); ``(1.0,)``
        for regression.
    negative_fraction : float
        The requested fraction of negative-weight events.
    hard_fractions : tuple of float
        Per class, the fraction :math:`2N_-/N` of events drawn from the hard-emission
        density :math:`r` (half of them carry negative weights).
    specs : tuple
        Per class, the parameters of the net density (internal).

    Notes
    -----
    Per class, the net (signed-weight) density is :math:`p`, the density of the
    positive-weight events alone is :math:`(p\\,(1 - h) + r\\,h/2) / (1 - h/2)` and the
    :math:`|w|`-weighted density is :math:`(1 - h)\\,p + h\\,r`, where :math:`h` is the
    class's ``hard_fraction`` and :math:`r` its hard-emission density.
    """

    generator: str
    features: tuple[str, ...]
    class_names: tuple[str, ...] | None
    class_fractions: tuple[float, ...]
    negative_fraction: float
    hard_fractions: tuple[float, ...]
    specs: tuple[Any, ...]

    @property
    def columns(self) -> list[str]:
        """The feature columns as a list, for indexing a DataFrame: ``df[truth.columns]``
        (``df[truth.features]`` would look up one column named by the whole tuple)."""
        return list(self.features)

    # -- helpers -------------------------------------------------------------------------
    @property
    def is_classification(self) -> bool:
        return self.class_names is not None

    def _class_index(self, sample: str | int | None) -> int:
        if self.class_names is None:
            return 0
        if sample is None:
            raise ValueError(f"pass sample= one of {list(self.class_names)} (or its label)")
        if isinstance(sample, (int, np.integer)) and 0 <= sample < len(self.class_names):
            return int(sample)
        if sample in self.class_names:
            return self.class_names.index(str(sample))
        raise ValueError(
            f"unknown sample {sample!r}; this sample's classes are {list(self.class_names)} "
            f"(labels 0..{len(self.class_names) - 1})"
        )

    def _mix(
        self,
        index: int,
        log_net: NDArray[np.float64],
        log_hard: NDArray[np.float64],
        component: str,
    ) -> NDArray[np.float64]:
        if component not in _COMPONENTS:
            raise ValueError(f"component must be one of {_COMPONENTS}, got {component!r}")
        h = self.hard_fractions[index]
        if component == "net":
            return log_net
        if component == "hard":
            return log_hard
        if component == "abs":
            return log_mix(log_hard, log_net, h)
        # positive-weight events: N_net draws from p and N_hard from r
        return log_mix(log_hard, log_net, (h / 2.0) / (1.0 - h / 2.0))

    # -- densities -----------------------------------------------------------------------
    def log_density(
        self,
        X: pd.DataFrame | Mapping[str, ArrayLike],
        *,
        sample: str | int | None = None,
        component: Component = "net",
    ) -> NDArray[np.float64]:
        """Exact joint log-density of the feature columns of ``X`` for one class.

        Parameters
        ----------
        X : DataFrame or mapping of column name to array
            The generator's feature columns (extra columns are ignored). A prefix of the
            features (as made with a smaller ``n_features``) is allowed.
        sample : str or int
            Class name (``"signal"``) or label.
        component : {"net", "hard", "abs", "positive"}, default="net"
            ``"net"``: the signed-weight density :math:`p`; ``"hard"``: the hard-emission
            density :math:`r`; ``"abs"``: the :math:`|w|`-weighted density; ``"positive"``:
            the density of the positive-weight events alone.

        Returns
        -------
        log_density : ndarray of shape (n_events,)
        """
        if not self.is_classification:
            raise ValueError(
                "the joint density of the regression sample is not provided (the charge is "
                "latent); use marginal_density('target', ...)"
            )
        i = self._class_index(sample)
        spec = self.specs[i]
        log_net = kin.classification_logpdf(spec, X)
        if component == "net":
            return log_net
        return self._mix(i, log_net, kin.classification_logpdf(spec.hard(), X), component)

    def marginal_density(
        self,
        feature: str,
        x: ArrayLike,
        *,
        sample: str | int | None = None,
        component: Component = "net",
    ) -> NDArray[np.float64]:
        """Exact 1-D density of one feature (or of the regression ``target``).

        Available for the features without parents: ``m_jj``, ``lep_pt``, ``lep_eta``
        (classification); ``target``, ``mu_eta``, ``mu_phi`` (regression). ``component`` as
        in :meth:`log_density`.
        """
        values = np.asarray(x, dtype=np.float64)
        i = self._class_index(sample)
        spec = self.specs[i]
        marginal = (
            kin.classification_marginal_logpdf
            if self.is_classification
            else kin.regression_marginal_logpdf
        )
        log_net = marginal(spec, feature, values)
        log_hard = marginal(spec.hard(), feature, values)
        return np.exp(self._mix(i, log_net, log_hard, component))

    def posterior(self, X: pd.DataFrame | Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """Bayes posterior :math:`P(k \\mid x)` of every class under the net distributions.

        Returns
        -------
        proba : ndarray of shape (n_events, n_classes)
            The best achievable ``predict_proba`` (with the net class fractions as priors).
        """
        if not self.is_classification:
            raise ValueError("posterior is defined for the classification generators only")
        logs = np.column_stack(
            [
                np.log(frac) + kin.classification_logpdf(spec, X)
                for frac, spec in zip(self.class_fractions, self.specs, strict=True)
            ]
        )
        logs -= logs.max(axis=1, keepdims=True)
        proba = np.exp(logs)
        return proba / proba.sum(axis=1, keepdims=True)

    def signal_posterior(self, X: pd.DataFrame | Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """Bayes :math:`P(\\text{signal} \\mid x)` of a binary sample (label 1)."""
        if self.class_names is None or len(self.class_names) != 2:
            raise ValueError(
                "signal_posterior needs a binary sample (make_signal_background); "
                "use posterior() for make_multiclass"
            )
        return self.posterior(X)[:, 1]


def _truth_of(X: Any, truth: GeneratorTruth | None) -> GeneratorTruth:
    if truth is not None:
        return truth
    attrs = getattr(X, "attrs", {})
    if isinstance(attrs.get("truth"), GeneratorTruth):
        return attrs["truth"]
    raise ValueError(
        "no generator truth found: X.attrs['truth'] is missing (pandas drops attrs in some "
        "operations, e.g. concat). Keep truth = df.attrs['truth'] from the generated "
        "DataFrame and pass truth=truth."
    )


def signal_posterior(
    X: pd.DataFrame | Mapping[str, ArrayLike], *, truth: GeneratorTruth | None = None
) -> NDArray[np.float64]:
    """Exact Bayes :math:`P(\\text{signal} \\mid x)` for a :func:`make_signal_background` sample.

    Parameters
    ----------
    X : DataFrame
        Events with the generator's feature columns (any subset of rows).
    truth : GeneratorTruth, default=None
        The sample's truth; by default ``X.attrs["truth"]``.

    Returns
    -------
    proba : ndarray of shape (n_events,)
        The posterior under the net (signed-weight) distributions: the best possible
        classifier output. Its weighted ROC AUC is the best achievable AUC.

    Examples
    --------
    >>> from sklhep.datasets import make_signal_background, signal_posterior
    >>> from sklhep.metrics import roc_auc_score
    >>> df = make_signal_background(2000, n_features=4, random_state=0)
    >>> best = signal_posterior(df)  # P(signal | x) from the exact net densities
    >>> best.shape
    (2000,)
    >>> round(roc_auc_score(df["label"], best, sample_weight=df["weight"]), 4)  # the best AUC
    0.8876
    """
    return _truth_of(X, truth).signal_posterior(X)


def class_posterior(
    X: pd.DataFrame | Mapping[str, ArrayLike], *, truth: GeneratorTruth | None = None
) -> NDArray[np.float64]:
    """Exact Bayes posterior of every class, shape ``(n_events, n_classes)``.

    Works for :func:`make_signal_background` and :func:`make_multiclass` samples; ``truth``
    defaults to ``X.attrs["truth"]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.datasets import class_posterior, make_multiclass
    >>> df = make_multiclass(3000, n_classes=3, n_features=4, random_state=0)
    >>> proba = class_posterior(df)
    >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
    ((3000, 3), True)
    >>> df.attrs["truth"].class_names  # the columns of proba
    ('background', 'signal_m125', 'signal_m200')
    """
    return _truth_of(X, truth).posterior(X)


# ------------------------------------------------------------------------------------------
# generators

_COMMON_CONSTRAINTS = {
    "n_events": [Interval(Integral, 1, None, closed="left")],
    "negative_fraction": [Interval(Real, 0.0, 0.5, closed="left")],
    "random_state": ["random_state", np.random.Generator],
}


def _assemble(
    blocks: Sequence[tuple[dict[str, NDArray[np.float64]], NDArray[np.float64], dict[str, Any]]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Concatenate per-class blocks, shuffle the events and number them."""
    columns = list(blocks[0][0])
    sizes = [len(b[1]) for b in blocks]
    n_total = sum(sizes)
    # one (n_events, n_features) block, filled per class then shuffled by rows: a single
    # cache-friendly gather instead of one per column
    X = np.empty((n_total, len(columns)))
    start = 0
    for (features, _, _), size in zip(blocks, sizes, strict=True):
        for j, c in enumerate(columns):
            X[start : start + size, j] = features[c]
        start += size
    order = rng.permutation(n_total)
    df = pd.DataFrame(X[order], columns=columns, copy=False)
    df["weight"] = np.concatenate([b[1] for b in blocks])[order]
    for key in blocks[0][2]:
        df[key] = np.concatenate([b[2][key] for b in blocks])[order]
    df["event"] = event_numbers(n_total, rng)
    return df


def _signed_block(
    draw: Any, n_class: int, negative_fraction: float
) -> tuple[Any, NDArray[np.float64], float]:
    """Draw one class: returns (draws, weights, hard_fraction)."""
    counts = signed_counts(n_class, negative_fraction)
    net = draw(counts.n_net, "net")
    hard = draw(2 * counts.n_hard, "hard")
    w = np.full(counts.n_events, counts.weight)
    w[counts.n_net + counts.n_hard :] *= -1.0  # the second half of the hard draws
    return (net, hard), w, 2 * counts.n_hard / n_class


def _split_counts(n_events: int, fractions: Sequence[float], name: str) -> list[int]:
    counts = np.floor(np.asarray(fractions) * n_events).astype(int)
    counts[np.argsort(-np.asarray(fractions))[: n_events - counts.sum()]] += 1
    if (counts < 1).any():
        raise ValueError(
            f"n_events={n_events} is too small for {name}: every class needs at least one "
            f"event (got per-class counts {counts.tolist()}); increase n_events."
        )
    return counts.tolist()


def _classification_frame(
    generator: str,
    processes: list[tuple[str, kin.ProcessSpec]],
    counts: list[int],
    n_features: int,
    negative_fraction: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    blocks = []
    hard_fractions = []
    for label, ((_, spec), n_class) in enumerate(zip(processes, counts, strict=True)):

        def draw(n: int, component: str, spec: kin.ProcessSpec = spec) -> Any:
            s = spec if component == "net" else spec.hard()
            return kin.sample_classification(s, n, n_features, rng)

        (net, hard), w, h = _signed_block(draw, n_class, negative_fraction)
        features = {c: np.concatenate([net[c], hard[c]]) for c in net}
        meta = {
            "label": np.full(n_class, label, dtype=np.int64),
        }
        blocks.append((features, w, meta))
        hard_fractions.append(h)
    df = _assemble(blocks, rng)
    names = [p[0] for p in processes]
    df["sample"] = pd.Categorical.from_codes(df["label"].to_numpy(), categories=names)
    df = df[[*blocks[0][0], "weight", "label", "sample", "event"]]
    df.attrs["truth"] = GeneratorTruth(
        generator=generator,
        features=tuple(blocks[0][0]),
        class_names=tuple(p[0] for p in processes),
        class_fractions=tuple(c / sum(counts) for c in counts),
        negative_fraction=float(negative_fraction),
        hard_fractions=tuple(hard_fractions),
        specs=tuple(p[1] for p in processes),
    )
    return df


@validate_params(
    {
        **_COMMON_CONSTRAINTS,
        "n_features": [Interval(Integral, 1, 200, closed="both")],
        "signal_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def make_signal_background(
    n_events: int = 100_000,
    *,
    n_features: int = 10,
    negative_fraction: float = 0.1,
    signal_fraction: float = 0.5,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Signal (a 125 GeV dijet resonance) and background events with NLO-like signed weights.

    The features are kinematic-like: the dijet mass ``m_jj`` (a Gaussian resonance peak over
    a falling continuum for signal, the continuum alone for background), falling
    :math:`p_T` spectra (``lep_pt``, ``jet1_pt``, ``jet2_pt``), the lepton
    pseudorapidity ``lep_eta``, and correlated variables (``met`` with ``lep_pt``,
    ``delta_r_jj`` with ``m_jj`` and the jet :math:`p_T`, ``ht``, the scalar sum). With
    ``n_features > 8`` weakly informative correlated ``aux_XX`` columns are appended; with
    fewer, the first ``n_features`` of that list are kept.

    The weights are built as cancelling contributions (see ``docs/datasets.md``): per
    class, a fraction ``negative_fraction`` of the events carry weight :math:`-c` and are
    drawn from a "hard-emission" density :math:`r`; as many positive-weight events are drawn
    from :math:`r`, and the rest from the net density :math:`p`. The signed-weight
    distribution of each class is exactly :math:`p`; the :math:`|w|` or positive-only
    distributions are not. :math:`c` is chosen so that each class's net weight sum equals
    its number of events.

    Parameters
    ----------
    n_events : int, default=100_000
        Total number of events (both classes, both signs).
    n_features : int, default=10
        Number of feature columns, 1 to 200.
    negative_fraction : float, default=0.1
        Fraction of negative-weight events in each class, in ``[0, 0.5)``. At 0.5 the
        positive and negative weights would cancel completely.
    signal_fraction : float, default=0.5
        Fraction of the events (and of the net weight) that are signal, in ``(0, 1)``.
    random_state : int, RandomState, Generator or None, default=None
        Seed: the same int gives the same DataFrame.

    Returns
    -------
    df : pandas.DataFrame
        The layout of :func:`sklhep.io.read_root`: the feature columns (float64), then
        ``weight`` (float64), ``label`` (int64: 1 signal, 0 background), ``sample``
        (categorical ``"background"``/``"signal"``) and ``event`` (unique uint64 event
        numbers, increasing down the rows; the classes are shuffled together).
        ``df.attrs["truth"]`` is a :class:`GeneratorTruth` with the exact densities and
        the Bayes posterior (see :func:`signal_posterior`).

    Examples
    --------
    >>> from sklhep.datasets import make_signal_background, signal_posterior
    >>> df = make_signal_background(10_000, negative_fraction=0.2, random_state=0)
    >>> round(float((df["weight"] < 0).mean()), 2)
    0.2
    >>> best = signal_posterior(df)  # the Bayes-optimal classifier output
    """
    rng = to_generator(random_state)
    processes = [("background", kin.BACKGROUND), ("signal", kin.SIGNAL)]
    counts = _split_counts(
        n_events, [1.0 - signal_fraction, signal_fraction], "make_signal_background"
    )
    return _classification_frame(
        "make_signal_background", processes, counts, n_features, negative_fraction, rng
    )


@validate_params(
    {
        **_COMMON_CONSTRAINTS,
        "n_classes": [Interval(Integral, 2, 10, closed="both")],
        "n_features": [Interval(Integral, 1, 200, closed="both")],
        "class_fractions": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def make_multiclass(
    n_events: int = 100_000,
    *,
    n_classes: int = 3,
    n_features: int = 10,
    negative_fraction: float = 0.1,
    class_fractions: ArrayLike | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Background and ``n_classes - 1`` resonances, with NLO-like signed weights.

    Class 0 is the background of :func:`make_signal_background`, class 1 its 125 GeV
    signal (``"signal_m125"``), classes 2, 3, ... heavier resonances at 200, 275, ... GeV
    (``"signal_m200"``, ...), with wider peaks and harder spectra. Features, weights and
    truth are built exactly as in :func:`make_signal_background`.

    Parameters
    ----------
    n_events : int, default=100_000
        Total number of events.
    n_classes : int, default=3
        Number of classes, 2 to 10.
    n_features : int, default=10
        Number of feature columns, 1 to 200.
    negative_fraction : float, default=0.1
        Fraction of negative-weight events in each class, in ``[0, 0.5)``.
    class_fractions : array-like of shape (n_classes,), default=None
        Fraction of the events (and of the net weight) in each class; equal by default.
        Must be positive; it is normalised to sum to 1.
    random_state : int, RandomState, Generator or None, default=None
        Seed: the same int gives the same DataFrame.

    Returns
    -------
    df : pandas.DataFrame
        Feature columns, ``weight``, ``label`` (0..n_classes-1), ``sample`` (the class
        names), ``event``; ``df.attrs["truth"]`` holds the exact densities and
        :func:`class_posterior`.

    Examples
    --------
    >>> from sklhep.datasets import make_multiclass
    >>> df = make_multiclass(3000, n_classes=3, n_features=4, random_state=0)
    >>> list(df.columns)
    ['m_jj', 'lep_pt', 'lep_eta', 'met', 'weight', 'label', 'sample', 'event']
    >>> df["sample"].cat.categories.tolist()
    ['background', 'signal_m125', 'signal_m200']
    >>> df.groupby("label")["weight"].sum().round(4).tolist()  # net weight = events per class
    [1000.0, 1000.0, 1000.0]
    >>> round(float((df["weight"] < 0).mean()), 3)  # negative_fraction=0.1 by default
    0.1
    """
    if class_fractions is None:
        fractions = np.full(n_classes, 1.0 / n_classes)
    else:
        fractions = np.asarray(class_fractions, dtype=np.float64)
        if (
            fractions.shape != (n_classes,)
            or not np.all(np.isfinite(fractions))
            or (fractions <= 0).any()
        ):
            raise ValueError(
                f"class_fractions must be {n_classes} positive finite numbers (one per class), "
                f"got {np.asarray(class_fractions).tolist()}"
            )
        fractions = fractions / fractions.sum()
    rng = to_generator(random_state)
    counts = _split_counts(n_events, fractions.tolist(), "make_multiclass")
    return _classification_frame(
        "make_multiclass",
        kin.multiclass_processes(n_classes),
        counts,
        n_features,
        negative_fraction,
        rng,
    )


@validate_params(
    {**_COMMON_CONSTRAINTS, "n_features": [Interval(Integral, 1, 200, closed="both")]},
    prefer_skip_nested_validation=True,
)
def make_momentum_regression(
    n_events: int = 100_000,
    *,
    n_features: int = 8,
    negative_fraction: float = 0.1,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Muon transverse-momentum regression with NLO-like signed weights.

    The target is the true muon :math:`p_T` (GeV), falling as :math:`p_T^{-2}` on
    [10, 1000] GeV. The features: ``mu_pt_meas``, the :math:`p_T` measured from the track
    curvature, whose relative resolution
    :math:`\\sqrt{0.015^2 + (1.5\\times10^{-4}\\,p_T/\\mathrm{GeV})^2}` worsens at high
    :math:`p_T`, in the endcaps and with fewer hits; ``mu_eta``; ``mu_phi``; ``n_hits``;
    the bending angles ``bend_1..3`` (mrad, :math:`\\propto q/p_T` plus multiple scattering
    and position smearing); then weakly informative ``aux_XX`` columns. The hard-emission
    density :math:`r` has a harder spectrum (:math:`p_T^{-1.4}`) and worse resolution; the
    signed weights cancel it exactly as in :func:`make_signal_background`.

    Parameters
    ----------
    n_events : int, default=100_000
        Number of events.
    n_features : int, default=8
        Number of feature columns, 1 to 200 (the first ``n_features`` of the list above).
    negative_fraction : float, default=0.1
        Fraction of negative-weight events, in ``[0, 0.5)``.
    random_state : int, RandomState, Generator or None, default=None
        Seed: the same int gives the same DataFrame.

    Returns
    -------
    df : pandas.DataFrame
        Feature columns, ``target`` (true :math:`p_T` in GeV), ``weight``, ``event``.
        ``df.attrs["truth"].marginal_density("target", x)`` is the exact net density of the
        target.

    Examples
    --------
    >>> from sklhep.datasets import make_momentum_regression
    >>> df = make_momentum_regression(1000, n_features=4, random_state=0)
    >>> list(df.columns)
    ['mu_pt_meas', 'mu_eta', 'mu_phi', 'n_hits', 'target', 'weight', 'event']
    >>> round(float(df["weight"].sum()), 4), round(float((df["weight"] < 0).mean()), 3)
    (1000.0, 0.1)
    >>> bool(df["target"].between(10.0, 1000.0).all())  # true muon pT in GeV
    True
    """
    rng = to_generator(random_state)

    def draw(n: int, component: str) -> Any:
        spec = kin.MUON if component == "net" else kin.MUON.hard()
        return kin.sample_regression(spec, n, n_features, rng)

    (net, hard), w, h = _signed_block(draw, n_events, negative_fraction)
    features = {c: np.concatenate([net[0][c], hard[0][c]]) for c in net[0]}
    block = (features, w, {"target": np.concatenate([net[1], hard[1]])})
    df = _assemble([block], rng)
    df = df[[*features, "target", "weight", "event"]]
    df.attrs["truth"] = GeneratorTruth(
        generator="make_momentum_regression",
        features=tuple(features),
        class_names=None,
        class_fractions=(1.0,),
        negative_fraction=float(negative_fraction),
        hard_fractions=(h,),
        specs=(kin.MUON,),
    )
    return df
