"""Special functions on NumPy arrays that NumPy lacks: `lgamma`, `digamma` and `trigamma` (the forwards and
derivatives of `cr.lgamma` and `cr.digamma`, and names in the formula language). Pure NumPy plus `math`, float64
inside, accurate to a few units in the last place of float64 away from the poles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["digamma", "lgamma", "trigamma"]

_LGAMMA = np.frompyfunc(lambda v: _lgamma_scalar(v), 1, 1)


def _lgamma_scalar(v: float) -> float:
    if math.isnan(v):
        return v
    if math.isinf(v) or (v <= 0 and v == math.floor(v)):
        return math.inf  # the poles and -inf, as PyTorch's lgamma
    return math.lgamma(v)


def lgamma(x: Any) -> Any:
    """log|Gamma(x)|: +inf at 0, at the negative integers and at +-inf."""
    arr = np.asarray(x)
    out = np.asarray(_LGAMMA(arr.astype(np.float64)), dtype=np.float64).astype(arr.dtype if arr.dtype.kind == "f"
                                                                              else np.float64)
    return out if out.ndim else out[()]


# the asymptotic series of digamma for x >= 10: ln x - 1/(2x) - sum B_2k / (2k x^2k)
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# of trigamma: 1/x + 1/(2x^2) + sum B_2k / x^(2k+1)
_TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _shifted(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x moved up to >= 10 by the recurrence: (shifted x, sum of 1/(x+k), sum of 1/(x+k)^2) over the steps
    (there the series' first left-out term is below 1e-15)."""
    x = x.copy()
    acc1 = np.zeros_like(x)
    acc2 = np.zeros_like(x)
    for _ in range(10):
        small = x < 10
        if not small.any():
            break
        step = np.where(small, 1.0 / np.where(small, x, 1.0), 0.0)
        acc1 += step
        acc2 += step * step
        x = np.where(small, x + 1.0, x)
    return x, acc1, acc2


def digamma(x: Any) -> Any:
    """d/dx ln Gamma(x): -inf at +0 and +inf at -0, NaN at the negative integers and -inf (as PyTorch)."""
    arr = np.asarray(x)
    v = arr.astype(np.float64)
    with np.errstate(all="ignore"):
        neg = v < 0.5
        refl = np.where(neg, 1.0 - v, v)  # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        s, acc1, _ = _shifted(np.where(np.isfinite(refl), refl, 10.0))
        inv2 = 1.0 / (s * s)
        series = np.zeros_like(s)
        for c in reversed(_DIGAMMA_SERIES[:-1]):
            series = (series + c) * inv2
        out = np.log(s) - 0.5 / s - series - acc1
        out = np.where(neg, out - math.pi / np.tan(math.pi * v), out)
        out = np.where(np.isposinf(v), np.inf, out)
        out = np.where(np.isneginf(v) | np.isnan(v), np.nan, out)
        pole = (v <= 0) & (v == np.floor(v))
        out = np.where(pole, np.where(v == 0, np.where(np.signbit(v), np.inf, -np.inf), np.nan), out)
    out = out.astype(arr.dtype if arr.dtype.kind == "f" else np.float64)
    return out if out.ndim else out[()]


def trigamma(x: Any) -> Any:
    """d/dx digamma(x) (polygamma(1, x)): +inf at the poles."""
    arr = np.asarray(x)
    v = arr.astype(np.float64)
    with np.errstate(all="ignore"):
        neg = v < 0.5
        refl = np.where(neg, 1.0 - v, v)  # reflection: psi1(x) = -psi1(1 - x) + pi^2 / sin^2(pi x)
        s, _, acc2 = _shifted(np.where(np.isfinite(refl), refl, 10.0))
        inv = 1.0 / s
        inv2 = inv * inv
        series = np.zeros_like(s)
        for c in reversed(_TRIGAMMA_SERIES[:-1]):
            series = (series + c) * inv2
        out = inv + 0.5 * inv2 + series * inv + acc2
        out = np.where(neg, -out + (math.pi / np.sin(math.pi * v)) ** 2, out)
        out = np.where(np.isposinf(v), 0.0, out)
        out = np.where(np.isneginf(v) | np.isnan(v), np.nan, out)
        pole = (v <= 0) & (v == np.floor(v))
        out = np.where(pole, np.inf, out)
    out = out.astype(arr.dtype if arr.dtype.kind == "f" else np.float64)
    return out if out.ndim else out[()]
