"""The special functions chainrule computes itself (`ops/special.py`: digamma, trigamma, lgamma, erfinv) against
mpmath at 40 digits, an independent reference, over dense grids: the positive axis (both sides of the series'
switch at 10, large arguments), the negative axis away from and near the poles, and erfinv's centre and tails.
Tolerances are a few units in the last place where the function is well conditioned."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from chainrule.ops import special

mpmath.mp.dps = 40

_X = np.concatenate([np.linspace(-9.75, 60.3, 2001),
                     [1e-8, 1e-3, 0.5, 1.0, 1.4616321449683622, 2.0, 9.999999, 10.0, 10.000001, 123.456, 1e3, 1e6,
                      1e12]])
_X = _X[~((_X <= 0) & (np.floor(_X) == _X))]
_REFERENCE = {
    "digamma": mpmath.digamma,
    "trigamma": lambda v: mpmath.polygamma(1, v),
    "lgamma": lambda v: mpmath.log(abs(mpmath.gamma(v))),
}


def _scaled_error(name: str, xs: np.ndarray) -> np.ndarray:
    got = getattr(special, name)(xs)
    want = np.array([float(_REFERENCE[name](mpmath.mpf(float(v)))) for v in xs])
    return np.abs(got - want) / np.maximum(np.abs(want), 1.0)


@pytest.mark.parametrize("name", ["digamma", "trigamma", "lgamma"])
def test_gamma_family_on_the_positive_axis(name: str) -> None:
    assert _scaled_error(name, _X[_X > 0]).max() <= 4e-15


@pytest.mark.parametrize("name", ["digamma", "trigamma", "lgamma"])
def test_gamma_family_on_the_negative_axis(name: str) -> None:
    """Through the reflection formula: a few ulp of cot(pi x) away from the poles, looser close to them (the
    input itself is only the nearest float64 there)."""
    neg = _X[_X < 0]
    near = np.abs(neg - np.round(neg)) < 0.05
    assert _scaled_error(name, neg[~near]).max() <= 6e-14
    assert _scaled_error(name, neg[near]).max() <= 1e-12


def test_special_values_exactly() -> None:
    assert special.digamma(np.array([1.0]))[0] == pytest.approx(-0.5772156649015329, rel=4e-15, abs=0)
    assert special.trigamma(np.array([1.0]))[0] == pytest.approx(np.pi ** 2 / 6, rel=4e-15, abs=0)
    assert np.isinf(special.lgamma(np.array([0.0, -3.0, np.inf]))).all()
    # PyTorch's values at the poles and infinities: -inf at +0, +inf at -0, NaN at the negative integers and -inf
    np.testing.assert_array_equal(special.digamma(np.array([0.0, -0.0, -2.0, np.inf, -np.inf])),
                                  [-np.inf, np.inf, np.nan, np.inf, np.nan])


def test_erfinv_over_the_whole_interval() -> None:
    ys = np.concatenate([np.linspace(-0.999999, 0.999999, 4001),
                         [0.5, -0.5, 1 - 1e-10, 1 - 1e-15, -1 + 1e-15, 0.9999999999999999, 1e-300, 5e-324, 0.0]])
    got = special.erfinv(ys)
    want = np.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in ys])
    nonzero = want != 0
    assert (np.abs(got - want)[nonzero] / np.abs(want[nonzero])).max() <= 1e-15
    assert (got[~nonzero] == 0).all()
    np.testing.assert_array_equal(special.erfinv(np.array([1.0, -1.0, 1.5, np.nan])), [np.inf, -np.inf, np.nan, np.nan])
