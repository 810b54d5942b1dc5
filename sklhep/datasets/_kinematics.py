"""The physics models: a directed chain of conditional densities per process.

Classification (:func:`make_signal_background`, :func:`make_multiclass`): a dijet resonance
with a lepton and missing transverse momentum, over a QCD-like continuum. Every feature is
drawn from an analytic density conditional on earlier features, so the joint log-density
is a sum of exact terms and the Bayes posterior is exact.

Regression (:func:`make_momentum_regression`): a muon with a falling true-:math:`p_T`
spectrum measured through its curvature, with a relative resolution that worsens linearly
with :math:`p_T` (and in the endcaps), and three bending angles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from sklhep.datasets._distributions import (
    Array,
    beta_logpdf,
    gamma_logpdf,
    log_mix,
    normal_logpdf,
    powerlaw_logpdf,
    powerlaw_sample,
    truncnorm_logpdf,
    truncnorm_sample,
)

# ----------------------------------------------------------------------------------------
# classification

CLASSIFICATION_FEATURES = (
    "m_jj",  # dijet mass [GeV]: resonance peak (signal) over a falling continuum
    "lep_pt",  # lepton pT [GeV]: falling spectrum above 20 GeV
    "lep_eta",  # lepton pseudorapidity, |eta| < 2.5
    "met",  # missing transverse momentum [GeV], correlated with lep_pt
    "jet1_pt",  # leading-jet pT [GeV], correlated with m_jj
    "jet2_pt",  # subleading-jet pT [GeV], below jet1_pt
    "delta_r_jj",  # angular distance of the two jets, ~ m_jj / sqrt(pT1 pT2)
    "ht",  # scalar sum of pT [GeV]: lepton + jets + soft activity
)
LEP_PT_MIN = 20.0
JET_PT_MIN = 25.0
ETA_MAX = 2.5
AUX_RHO = 0.6
# per-feature standardisation of the parent of an auxiliary feature: (log or linear, centre, scale)
_AUX_PARENT = {
    "m_jj": (True, 4.4, 0.6),
    "lep_pt": (True, 3.8, 0.4),
    "lep_eta": (False, 0.0, 1.2),
    "met": (True, 3.3, 0.7),
    "jet1_pt": (True, 4.0, 0.35),
    "jet2_pt": (True, 3.6, 0.3),
    "delta_r_jj": (True, 0.5, 0.5),
    "ht": (True, 5.0, 0.35),
}


@dataclasses.dataclass(frozen=True)
class ProcessSpec:
    """Parameters of one process's density (its net ``p`` or its hard-emission ``r``)."""

    peak_mass: float = 125.0  # Gaussian resonance peak in m_jj [GeV]
    peak_width: float = 12.0
    peak_fraction: float = 0.0  # fraction of events in the peak; the rest is continuum
    mass_scale: float = 45.0  # continuum m_jj ~ Gamma(2, mass_scale)
    lep_shape: float = 1.0  # lep_pt - 20 ~ Gamma(lep_shape, lep_scale)
    lep_scale: float = 30.0
    eta_width: float = 1.4  # lep_eta ~ Normal(0, eta_width) on |eta| < 2.5
    met_slope: float = 0.2  # met ~ Gamma(2, (met_slope * lep_pt + met_offset) / 2)
    met_offset: float = 20.0
    jet_slope: float = 0.3  # jet1_pt - 25 ~ Gamma(3, (jet_slope * m_jj + jet_offset) / 3)
    jet_offset: float = 15.0
    balance_a: float = 1.5  # (jet2_pt - 25) / (jet1_pt - 25) ~ Beta(balance_a, balance_b)
    balance_b: float = 2.5
    dr_width: float = 0.35  # log delta_r_jj ~ Normal(log(m_jj / sqrt(pT1 pT2)), dr_width)
    ht_scale: float = 20.0  # ht - (lep_pt + jet1_pt + jet2_pt) ~ Gamma(2, ht_scale)
    aux_shift: float = 0.0  # aux_k ~ 0.6 u_parent + Normal(aux_shift / (1 + k/2), aux_width)
    aux_width: float = 1.0

    def hard(self) -> ProcessSpec:
        """The "hard-emission" distortion r: harder spectra, smeared peak, more radiation."""
        return dataclasses.replace(
            self,
            peak_width=self.peak_width * 1.6,
            peak_fraction=self.peak_fraction * 0.6,
            mass_scale=self.mass_scale * 1.4,
            lep_scale=self.lep_scale * 1.5,
            eta_width=self.eta_width * 1.25,
            met_offset=self.met_offset + 15.0,
            jet_offset=self.jet_offset + 25.0,
            balance_a=1.2,
            balance_b=3.0,
            dr_width=self.dr_width * 1.5,
            ht_scale=self.ht_scale * 2.5,
            aux_shift=self.aux_shift + 0.4,
            aux_width=self.aux_width * 1.3,
        )


BACKGROUND = ProcessSpec()
SIGNAL = ProcessSpec(
    peak_fraction=0.8,
    mass_scale=50.0,
    lep_shape=2.0,
    lep_scale=22.0,
    eta_width=1.0,
    met_slope=0.5,
    met_offset=10.0,
    jet_slope=0.25,
    jet_offset=10.0,
    balance_a=3.0,
    balance_b=2.0,
    dr_width=0.15,
    ht_scale=12.0,
    aux_shift=0.25,
)


def multiclass_processes(n_classes: int) -> list[tuple[str, ProcessSpec]]:
    """Background, the 125 GeV signal, then heavier resonances every 75 GeV."""
    out = [("background", BACKGROUND), ("signal_m125", SIGNAL)]
    for j in range(2, n_classes):
        mass = 125.0 + 75.0 * (j - 1)
        spec = dataclasses.replace(
            SIGNAL,
            peak_mass=mass,
            peak_width=0.1 * mass,
            lep_scale=22.0 + 6.0 * (j - 1),
            eta_width=min(1.0 + 0.1 * (j - 1), 1.4),
            met_slope=max(0.5 - 0.1 * (j - 1), 0.15),
            jet_slope=0.25 + 0.02 * (j - 1),
            aux_shift=0.25 * (-1) ** j,
        )
        out.append((f"signal_m{mass:.0f}", spec))
    return out[:n_classes]


def classification_feature_names(n_features: int) -> list[str]:
    base = list(CLASSIFICATION_FEATURES[:n_features])
    return base + [f"aux_{k:02d}" for k in range(n_features - len(base))]


def _aux_parent(k: int) -> str:
    return CLASSIFICATION_FEATURES[k % len(CLASSIFICATION_FEATURES)]


def _standardised(name: str, values: Array) -> Array:
    use_log, centre, scale = _AUX_PARENT[name]
    return ((np.log(values) if use_log else values) - centre) / scale


def sample_classification(
    spec: ProcessSpec, n: int, n_features: int, rng: np.random.Generator
) -> dict[str, Array]:
    """Draw ``n`` events of one process; the first ``n_features`` features."""
    names = classification_feature_names(n_features)
    out: dict[str, Array] = {}
    # m_jj: peak + continuum
    in_peak = rng.random(n) < spec.peak_fraction
    m = rng.gamma(2.0, spec.mass_scale, size=n)
    n_peak = int(in_peak.sum())
    m[in_peak] = truncnorm_sample(rng, spec.peak_mass, spec.peak_width, 0.0, np.inf, n_peak)
    out["m_jj"] = m
    lep = LEP_PT_MIN + rng.gamma(spec.lep_shape, spec.lep_scale, size=n)
    out["lep_pt"] = lep
    out["lep_eta"] = truncnorm_sample(rng, 0.0, spec.eta_width, -ETA_MAX, ETA_MAX, n)
    out["met"] = rng.gamma(2.0, (spec.met_slope * lep + spec.met_offset) / 2.0)
    j1 = JET_PT_MIN + rng.gamma(3.0, (spec.jet_slope * m + spec.jet_offset) / 3.0)
    out["jet1_pt"] = j1
    j2 = JET_PT_MIN + (j1 - JET_PT_MIN) * rng.beta(spec.balance_a, spec.balance_b, size=n)
    out["jet2_pt"] = j2
    out["delta_r_jj"] = (m / np.sqrt(j1 * j2)) * np.exp(spec.dr_width * rng.standard_normal(n))
    out["ht"] = lep + j1 + j2 + rng.gamma(2.0, spec.ht_scale, size=n)
    for k, name in enumerate(names[len(CLASSIFICATION_FEATURES) :]):
        u = _standardised(_aux_parent(k), out[_aux_parent(k)])
        mean = spec.aux_shift / (1.0 + k / 2.0)
        out[name] = AUX_RHO * u + rng.normal(mean, spec.aux_width, size=n)
    return {name: out[name] for name in names}


def classification_logpdf(spec: ProcessSpec, X: Mapping[str, ArrayLike]) -> Array:
    """Exact joint log-density of the classification features present in ``X``.

    ``X`` must hold a prefix of the generator's columns (as the generator makes them for
    some ``n_features``): a feature's parents must be present whenever it is.
    """
    names = [n for n in CLASSIFICATION_FEATURES if n in X]
    aux = sorted(n for n in X if n.startswith("aux_"))
    expected = classification_feature_names(len(names) + len(aux))
    if names + aux != expected:
        raise ValueError(
            f"the truth needs the generator's feature columns {expected[:8]}... in a prefix "
            f"of the order it makes them; got {names + aux}. Pass the DataFrame the "
            "generator returned (or a column subset that keeps the first n features)."
        )
    x = {n: np.asarray(X[n], dtype=np.float64) for n in expected}
    n_events = len(next(iter(x.values())))
    total = np.zeros(n_events)
    if "m_jj" in x:
        m = x["m_jj"]
        peak = truncnorm_logpdf(m, spec.peak_mass, spec.peak_width, 0.0, np.inf)
        total += log_mix(peak, gamma_logpdf(m, 2.0, spec.mass_scale), spec.peak_fraction)
    if "lep_pt" in x:
        total += gamma_logpdf(x["lep_pt"] - LEP_PT_MIN, spec.lep_shape, spec.lep_scale)
    if "lep_eta" in x:
        total += truncnorm_logpdf(x["lep_eta"], 0.0, spec.eta_width, -ETA_MAX, ETA_MAX)
    if "met" in x:
        total += gamma_logpdf(x["met"], 2.0, (spec.met_slope * x["lep_pt"] + spec.met_offset) / 2)
    if "jet1_pt" in x:
        scale = (spec.jet_slope * x["m_jj"] + spec.jet_offset) / 3.0
        total += gamma_logpdf(x["jet1_pt"] - JET_PT_MIN, 3.0, scale)
    if "jet2_pt" in x:
        span = x["jet1_pt"] - JET_PT_MIN
        t = (x["jet2_pt"] - JET_PT_MIN) / span
        total += beta_logpdf(t, spec.balance_a, spec.balance_b) - np.log(span)
    if "delta_r_jj" in x:
        dr = x["delta_r_jj"]
        centre = np.log(x["m_jj"] / np.sqrt(x["jet1_pt"] * x["jet2_pt"]))
        total += normal_logpdf(np.log(dr), centre, spec.dr_width) - np.log(dr)
    if "ht" in x:
        soft = x["ht"] - x["lep_pt"] - x["jet1_pt"] - x["jet2_pt"]
        total += gamma_logpdf(soft, 2.0, spec.ht_scale)
    for k, name in enumerate(aux):
        u = _standardised(_aux_parent(k), x[_aux_parent(k)])
        mean = spec.aux_shift / (1.0 + k / 2.0)
        total += normal_logpdf(x[name] - AUX_RHO * u, mean, spec.aux_width)
    return total


def classification_marginal_logpdf(spec: ProcessSpec, feature: str, x: Array) -> Array:
    """Exact 1-D marginal log-density of a root feature (m_jj, lep_pt or lep_eta)."""
    if feature == "m_jj":
        peak = truncnorm_logpdf(x, spec.peak_mass, spec.peak_width, 0.0, np.inf)
        return log_mix(peak, gamma_logpdf(x, 2.0, spec.mass_scale), spec.peak_fraction)
    if feature == "lep_pt":
        return gamma_logpdf(x - LEP_PT_MIN, spec.lep_shape, spec.lep_scale)
    if feature == "lep_eta":
        return truncnorm_logpdf(x, 0.0, spec.eta_width, -ETA_MAX, ETA_MAX)
    raise ValueError(
        f"the analytic marginal density is available for 'm_jj', 'lep_pt' and 'lep_eta' "
        f"(the features without parents), not {feature!r}; use log_density for the joint."
    )


# ----------------------------------------------------------------------------------------
# regression

REGRESSION_FEATURES = (
    "mu_pt_meas",  # measured pT [GeV] from the track curvature
    "mu_eta",  # pseudorapidity, |eta| < 2.4
    "mu_phi",  # azimuth [rad], uninformative
    "n_hits",  # number of hits on the track (fewer hits: worse resolution)
    "bend_1",  # bending angle in station 1 [mrad], ~ q * 300 / pT
    "bend_2",  # station 2 [mrad], ~ q * 200 / pT
    "bend_3",  # station 3 [mrad], ~ q * 120 / pT
)
PT_MIN, PT_MAX = 10.0, 1000.0
MU_ETA_MAX = 2.4
N_HIT_LAYERS = 24
BEND_K = (300.0, 200.0, 120.0)  # mrad GeV
BEND_POSITION = (0.25, 0.3, 0.4)  # mrad


@dataclasses.dataclass(frozen=True)
class MuonSpec:
    """Parameters of the muon model's net density ``p`` (or its hard distortion ``r``)."""

    pt_index: float = 2.0  # true pT ~ pT**-pt_index on [10, 1000] GeV
    eta_width: float = 1.5
    hit_efficiency: float = 0.92
    stochastic: float = 0.015  # relative curvature resolution sqrt(a**2 + (b pT)**2) ...
    linear: float = 1.5e-4  # ... with b in 1/GeV
    scattering: float = 0.12  # multiple-scattering smear of the bends, relative
    aux_shift: float = 0.0
    aux_width: float = 1.0

    def hard(self) -> MuonSpec:
        return dataclasses.replace(
            self,
            pt_index=1.4,
            eta_width=self.eta_width * 1.2,
            hit_efficiency=self.hit_efficiency - 0.06,
            stochastic=self.stochastic * 1.5,
            linear=self.linear * 1.3,
            scattering=self.scattering * 1.4,
            aux_shift=self.aux_shift + 0.4,
            aux_width=self.aux_width * 1.3,
        )


MUON = MuonSpec()


def regression_feature_names(n_features: int) -> list[str]:
    base = list(REGRESSION_FEATURES[:n_features])
    return base + [f"aux_{k:02d}" for k in range(n_features - len(base))]


def relative_resolution(pt: Array, eta: Array, n_hits: Array, spec: MuonSpec = MUON) -> Array:
    """The model's relative curvature (1/pT) resolution for given true pT, eta and hits."""
    base = np.hypot(spec.stochastic, spec.linear * pt)
    endcap = 1.0 + 0.5 * (np.abs(eta) / MU_ETA_MAX) ** 2
    return base * endcap * np.sqrt(22.0 / np.maximum(n_hits, 3.0))


def sample_regression(
    spec: MuonSpec, n: int, n_features: int, rng: np.random.Generator
) -> tuple[dict[str, Array], Array]:
    """Draw ``n`` muons: (features, true pT)."""
    names = regression_feature_names(n_features)
    pt = powerlaw_sample(rng, spec.pt_index, PT_MIN, PT_MAX, n)
    eta = truncnorm_sample(rng, 0.0, spec.eta_width, -MU_ETA_MAX, MU_ETA_MAX, n)
    charge = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    p_hit = spec.hit_efficiency - 0.12 * (np.abs(eta) / MU_ETA_MAX) ** 2
    hits = rng.binomial(N_HIT_LAYERS, p_hit).astype(np.float64)
    sigma = relative_resolution(pt, eta, hits, spec)
    curvature = 1.0 + sigma * rng.standard_normal(n)
    out: dict[str, Array] = {
        "mu_pt_meas": pt / np.maximum(np.abs(curvature), 0.05),
        "mu_eta": eta,
        "mu_phi": rng.uniform(-np.pi, np.pi, size=n),
        "n_hits": hits,
    }
    for s, (k, d) in enumerate(zip(BEND_K, BEND_POSITION, strict=True), start=1):
        smear = np.hypot(spec.scattering * k / pt, d)
        out[f"bend_{s}"] = charge * k / pt + smear * rng.standard_normal(n)
    log_pt = (np.log(pt) - 3.5) / 1.0
    for k, name in enumerate(names[len(REGRESSION_FEATURES) :]):
        mean = spec.aux_shift / (1.0 + k / 2.0)
        out[name] = 0.3 * log_pt + rng.normal(mean, spec.aux_width * (1 + k / 4.0), size=n)
    return {name: out[name] for name in names}, pt


def regression_marginal_logpdf(spec: MuonSpec, feature: str, x: Array) -> Array:
    """Exact 1-D marginal log-density of the target or of mu_eta / mu_phi."""
    if feature in ("target", "pt_true"):
        return powerlaw_logpdf(x, spec.pt_index, PT_MIN, PT_MAX)
    if feature == "mu_eta":
        return truncnorm_logpdf(x, 0.0, spec.eta_width, -MU_ETA_MAX, MU_ETA_MAX)
    if feature == "mu_phi":
        inside = np.abs(x) <= np.pi
        return np.where(inside, -np.log(2 * np.pi), -np.inf)
    raise ValueError(
        "the analytic marginal density of the regression sample is available for 'target', "
        f"'mu_eta' and 'mu_phi', not {feature!r}."
    )
