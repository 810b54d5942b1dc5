"""Samplers and exact log-densities of the few distributions the generators use."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, gammaln, ndtr, ndtri

Array = NDArray[np.float64]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _where_finite(mask: NDArray[np.bool_], value: Array) -> Array:
    return np.where(mask, value, -np.inf)


def truncnorm_sample(
    rng: np.random.Generator, mu: float | Array, sigma: float | Array, lo: float, hi: float, n: int
) -> Array:
    """Normal(mu, sigma) truncated to [lo, hi], by inverting the CDF."""
    a = ndtr((lo - np.asarray(mu)) / sigma)
    b = ndtr((hi - np.asarray(mu)) / sigma)
    u = a + (b - a) * rng.random(n)
    return np.clip(mu + sigma * ndtri(u), lo, hi)


def truncnorm_logpdf(x: Array, mu: float, sigma: float, lo: float, hi: float) -> Array:
    z = (x - mu) / sigma
    norm = np.log(ndtr((hi - mu) / sigma) - ndtr((lo - mu) / sigma))
    value = -0.5 * z * z - _LOG_SQRT_2PI - np.log(sigma) - norm
    return _where_finite((x >= lo) & (x <= hi), value)


def normal_logpdf(x: Array, mu: float | Array, sigma: float | Array) -> Array:
    z = (x - mu) / sigma
    return -0.5 * z * z - _LOG_SQRT_2PI - np.log(sigma)


def gamma_logpdf(x: Array, shape: float, scale: float | Array) -> Array:
    """Gamma(shape, scale) log-density; -inf for x <= 0."""
    safe = np.where(x > 0, x, 1.0)
    value = (shape - 1.0) * np.log(safe) - safe / scale - gammaln(shape) - shape * np.log(scale)
    return _where_finite(x > 0, value)


def beta_logpdf(t: Array, a: float, b: float) -> Array:
    inside = (t > 0) & (t < 1)
    safe = np.where(inside, t, 0.5)
    value = (a - 1.0) * np.log(safe) + (b - 1.0) * np.log1p(-safe) - betaln(a, b)
    return _where_finite(inside, value)


def powerlaw_sample(rng: np.random.Generator, alpha: float, lo: float, hi: float, n: int) -> Array:
    """Density proportional to x**-alpha on [lo, hi] (alpha != 1), by inverting the CDF."""
    e = 1.0 - alpha
    u = rng.random(n)
    return (lo**e + u * (hi**e - lo**e)) ** (1.0 / e)


def powerlaw_logpdf(x: Array, alpha: float, lo: float, hi: float) -> Array:
    e = 1.0 - alpha
    log_norm = np.log((hi**e - lo**e) / e)
    safe = np.where(x > 0, x, 1.0)
    return _where_finite((x >= lo) & (x <= hi), -alpha * np.log(safe) - log_norm)


def log_mix(log_a: Array, log_b: Array, frac_a: float) -> Array:
    """log(frac_a * exp(log_a) + (1 - frac_a) * exp(log_b)), stable."""
    if frac_a <= 0.0:
        return log_b
    if frac_a >= 1.0:
        return log_a
    return np.logaddexp(np.log(frac_a) + log_a, np.log1p(-frac_a) + log_b)


__all__ = [
    "beta_logpdf",
    "gamma_logpdf",
    "log_mix",
    "normal_logpdf",
    "powerlaw_logpdf",
    "powerlaw_sample",
    "truncnorm_logpdf",
    "truncnorm_sample",
]
