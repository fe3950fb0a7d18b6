"""bernoulli's sampling rule (ops/random_fills.py:66, a survivor of the exhaustive pass)."""

from __future__ import annotations

import numpy as np

import chainrule as cr


def test_bernoulli_is_one_exactly_where_the_uniform_draw_is_below_p():
    """PyTorch's rule (`uniform < p`, strict: so p = 0 never gives 1): with the same seed, a probability equal to
    the generator's draw gives 0 and the next float above it gives 1 (float64, so the draws are compared exactly)."""
    g = cr.Generator(11)
    u = cr.rand(6, dtype=cr.float64, generator=g).numpy()
    assert cr.bernoulli(cr.from_numpy(u.copy()), generator=cr.Generator(11)).tolist() == [0.0] * 6
    above = np.nextafter(u, 2.0)
    assert cr.bernoulli(cr.from_numpy(above), generator=cr.Generator(11)).tolist() == [1.0] * 6
    assert cr.bernoulli(cr.zeros(6, dtype=cr.float64), float(u[0]), generator=cr.Generator(11)).tolist()[0] == 0.0
