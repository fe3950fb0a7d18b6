"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch."""

import pytest
import torch

import chainrule as cr


def _torch_error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type


# ops/random_fills.py:94 `if std < 0:` -- a negative float std is refused as PyTorch does
def test_normal_float_negative_std_refused():
    assert _torch_error(lambda: torch.normal(0.0, -1.0, (2,))) is RuntimeError
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        cr.normal(0.0, -1.0, (2,))


# ops/random_fills.py:103 `if ref.array.dtype.kind != "f":` -- an integer mean tensor is refused
def test_normal_integer_mean_refused():
    assert _torch_error(lambda: torch.normal(torch.tensor([0, 1]), 1.0)) is NotImplementedError
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        cr.normal(cr.tensor([0, 1]), 1.0)


# ops/sorting.py:259 `if bins <= 0:` -- zero bins refused, one bin allowed
def test_histc_bins_bounds():
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        cr.histc(cr.tensor([1.0, 2.0]), bins=0)
    assert cr.histc(cr.tensor([1.0, 2.0]), bins=1).tolist() == torch.histc(torch.tensor([1.0, 2.0]), bins=1).tolist()


# ops/joins.py:197 `if t.ndim != 1:` -- cartesian_prod of a single 2-D tensor is refused too
@pytest.mark.parametrize("n", [1, 2])
def test_cartesian_prod_non_vector_refused(n):
    assert _torch_error(lambda: torch.cartesian_prod(*[torch.zeros(2, 2)] * n)) is RuntimeError
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        cr.cartesian_prod(*[cr.zeros(2, 2)] * n)


# ops/scatter.py:385-386 `if not isinstance(src, Tensor): raise TypeError(...)` -- a float src is refused
def test_scatter_reduce_float_src_refused():
    assert _torch_error(lambda: torch.zeros(3).scatter_reduce(0, torch.tensor([0]), 1.0, "sum")) is TypeError
    with pytest.raises(TypeError, match="argument 'src' must be Tensor, not float"):
        cr.zeros(3).scatter_reduce(0, cr.tensor([0]), 1.0, "sum")
    with pytest.raises(TypeError, match="argument 'src' must be Tensor, not float"):
        cr.scatter_reduce(cr.zeros(3), 0, cr.tensor([0]), 1.0, "sum")


# ops/joins.py:33 `if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):` -- neither a Tensor nor
# an int is a list of tensors
@pytest.mark.parametrize("make", [lambda m: m.zeros(2), lambda m: 5])
def test_cat_non_sequence_refused(make):
    assert _torch_error(lambda: torch.cat(make(torch))) is TypeError
    with pytest.raises(TypeError, match="expected a sequence of tensors"):
        cr.cat(make(cr))
