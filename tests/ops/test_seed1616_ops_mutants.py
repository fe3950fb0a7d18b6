"""Tests that kill survivors of the seed-1616 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("dim,src_shape", [(1, (2,)), (2, (2, 3)), (1, (3,))])
def test_index_add_with_a_source_of_too_few_dimensions_is_refused(dim: int, src_shape: tuple) -> None:
    """`index_add(x, dim, index, source)` whose source has exactly `dim` dimensions (so it has no dimension `dim`)
    raises RuntimeError, as PyTorch's, naming the op and the shapes (seed-1616 survivor ops/scatter.py:401,
    `source.ndim > d` -> `>=`: source.shape[d] then raised Python's IndexError "tuple index out of range")."""
    shape = (2, 3) if dim == 1 else (2, 3, 2)
    with pytest.raises(RuntimeError, match="index_add"):
        torch.index_add(torch.zeros(shape), dim, torch.tensor([0, 1]), torch.ones(src_shape))
    with pytest.raises(RuntimeError, match=r"index_add\(\): source tensor shape must match self tensor shape"):
        cr.index_add(cr.zeros(shape), dim, cr.tensor([0, 1]), cr.ones(src_shape))


@pytest.mark.parametrize("values", [0.5, 1, [0.5]])
def test_heaviside_refuses_values_that_are_not_a_tensor(values: object) -> None:
    """`heaviside(x, 0.5)` raises TypeError naming `values`, as PyTorch's "argument 'values' ... must be Tensor"
    (seed-1616 survivor ops/elementwise.py:800, the check dropped: an AttributeError on `.array` instead)."""
    with pytest.raises(TypeError, match="values"):
        torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), values)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="heaviside: values must be a tensor, got"):
        cr.heaviside(cr.tensor([-1.0, 0.0, 2.0]), values)  # type: ignore[arg-type]


def test_erfinv_of_one_half_is_correctly_rounded_as_torch() -> None:
    """erfinv(+-0.5) is the float64 nearest the exact 0.476936276204469873..., as PyTorch's: Newton on ln erfc
    gives it there, Newton on erf one ulp above (seed-1616 survivor ops/special.py:127, `z > 0.5` -> `z >= 0.5`,
    which gave this value; chainrule now switches to the ln erfc steps at 0.5 itself)."""
    data = np.array([0.5, -0.5])
    got = cr.erfinv(cr.tensor(data)).numpy()
    np.testing.assert_array_equal(got, torch.erfinv(torch.tensor(data)).numpy())
    assert got[0] == 0.4769362762044699 == -got[1]  # the nearest float64 (checked with mpmath at 40 digits)


def test_erfinv_at_and_beyond_one_matches_torch() -> None:
    """erfinv is +-inf at +-1 exactly and NaN beyond, as PyTorch's (seed-1616 survivor ops/special.py:136,
    `abs(v) == 1` -> `!= 1`: +-1 then gave NaN and |x| > 1 gave +-inf)."""
    data = np.array([1.0, -1.0, 1.5, -2.0, np.inf, np.nan, 0.0])
    got = cr.erfinv(cr.tensor(data)).numpy()
    np.testing.assert_array_equal(got, torch.erfinv(torch.tensor(data)).numpy())
    assert got[0] == np.inf and got[1] == -np.inf and np.isnan(got[2:6]).all()
