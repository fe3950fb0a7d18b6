"""Special functions on NumPy arrays that NumPy lacks: `lgamma`, `digamma` and `trigamma` (the forwards and
derivatives of `cr.lgamma` and `cr.digamma`, and names in the formula language). Pure NumPy plus `math`, float64
inside, accurate to a few units in the last place of float64 away from the poles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["digamma", "erfinv", "lgamma", "trigamma"]

_LGAMMA = np.frompyfunc(lambda v: _lgamma_scalar(v), 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)


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


_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
               0.00943887047, 1.00167406, 2.83297682)


def erfinv(x: Any) -> Any:
    """The inverse of erf on (-1, 1): Giles' single-precision approximation, then Newton steps on the exact erf
    (to float64 accuracy); +-inf at +-1, NaN outside [-1, 1]."""
    from chainrule.engine.xp import np_erf

    arr = np.asarray(x)
    v = arr.astype(np.float64)
    with np.errstate(all="ignore"):
        inside = np.abs(v) < 1
        y = np.where(inside, v, 0.0)
        w = -np.log((1.0 - y) * (1.0 + y))
        central, tail = w - 2.5, np.sqrt(w) - 3.0
        p1 = np.zeros_like(y)
        p2 = np.zeros_like(y)
        for c1, c2 in zip(_GILES_CENTRAL, _GILES_TAIL, strict=True):
            p1 = p1 * central + c1
            p2 = p2 * tail + c2
        z = np.abs(y)
        out = np.where(w < 5.0, p1, p2) * z
        tail_part = z >= 0.5  # there Newton runs on ln erfc(x) = ln(1 - z): 1 - z is exact, and fast in the far tail
        for _ in range(4):  # quadratic convergence from ~1e-7
            slope = 1.1283791670955126 * np.exp(-out * out)  # d erf / dx
            erfc = np.asarray(_ERFC(out), dtype=np.float64)
            central_step = (np.asarray(np_erf(out), dtype=np.float64) - z) / slope
            tail_step = (np.log(1.0 - z) - np.log(erfc)) * erfc / slope
            step = np.where(tail_part, tail_step, central_step)
            out = out - np.where(np.isfinite(step), step, 0.0)
        out = np.copysign(out, y)
        out = np.where(inside, out, np.where(np.abs(v) == 1, np.copysign(np.inf, v), np.nan))
    out = out.astype(arr.dtype if arr.dtype.kind == "f" else np.float64)
    return out if out.ndim else out[()]
