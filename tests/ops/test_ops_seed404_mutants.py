"""Tests for the survivors of the fresh seed-404 mutation sample in ops (docs/testing.md), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "float64"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_mean_rounds_integers_down_as_torch(dtype: str, include_self: bool) -> None:
    # an integer mean is a floor division (-7 / 3 is -3, not -2: ops/scatter.py's `//`)
    signed = dtype != "uint8"
    src = [-3, -4, 5, -7, 2, 11] if signed else [3, 4, 5, 7, 2, 11]
    base = [7, -2, 0, 5] if signed else [7, 2, 0, 5]
    idx = [0, 0, 1, 2, 2, 2]
    results = []
    for lib in (cr, torch):
        x = lib.tensor(base, dtype=getattr(lib, dtype))
        out = x.scatter_reduce(0, lib.tensor(idx), lib.tensor(src, dtype=getattr(lib, dtype)), "mean",
                               include_self=include_self)
        results.append((out.tolist(), str(out.dtype).split(".")[-1]))
    assert results[0] == results[1]


def test_uniform_defaults_draw_from_zero_to_one() -> None:
    # uniform_() with its defaults a=0, b=1, as torch.Tensor.uniform_(from=0, to=1)
    cr.manual_seed(0)
    values = cr.empty(20000, dtype=cr.float64).uniform_().numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert values.max() > 0.99 and values.min() < 0.01
    assert abs(values.mean() - 0.5) < 0.01
    theirs = torch.empty(20000, dtype=torch.float64).uniform_().numpy()
    assert abs(values.mean() - theirs.mean()) < 0.02 and abs(values.std() - theirs.std()) < 0.01
    bounded = cr.empty(5000).uniform_(-2.0).numpy()  # only a given: b stays 1
    assert bounded.min() >= -2.0 and bounded.max() < 1.0 and np.ptp(bounded) > 2.9


@pytest.mark.parametrize("index", [1.5, (0, 1.5), (1.5, slice(None)), (slice(None), 2.0), (None, 0.5)], ids=str)
def test_a_float_index_is_refused_naming_the_float(index) -> None:
    # torch: "... are valid indices (got float)"; chainrule checks Python floats itself (ops/indexing.py:
    # normalize_index), rather than leaving them to NumPy, whose message names NumPy's types and no float
    with pytest.raises(IndexError, match=r"valid indices \(got float"):
        torch.ones(3, 3)[index]
    with pytest.raises(IndexError, match=r"valid indices \(got float"):
        cr.ones(3, 3)[index]


@pytest.mark.parametrize("call", [lambda: cr.tensor([1.0]) * 1j, lambda: 1j + cr.tensor([1.0]),
                                  lambda: cr.tensor([1, 2]) / 1j, lambda: cr.maximum(cr.tensor([1.0]), 2j)],
                         ids=["mul", "radd", "div", "maximum"])
def test_a_complex_operand_is_refused_saying_so(call) -> None:
    # chainrule has no complex dtypes (PyTorch would compute a complex tensor): the refusal names complex
    # numbers (ops/elementwise.py: _as_operand), not a failed conversion
    with pytest.raises(TypeError, match="does not support complex numbers"):
        call()


@pytest.mark.parametrize("self_shape", [(3,), ()], ids=str)
def test_index_copy_takes_a_0d_source_for_a_vector_or_a_scalar(self_shape: tuple) -> None:
    # a 0-d source is one element along dim 0 (ops/scatter.py: the 0-d source reshaped for a 1-d self too)
    results = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0, 3.0] if self_shape else 1.0, dtype=lib.float64, requires_grad=True)
        s = lib.tensor(5.0, dtype=lib.float64, requires_grad=True)
        out = (x * 1).index_copy(0, lib.tensor([1 if self_shape else 0]), s)
        (out * lib.tensor(2.0, dtype=lib.float64)).sum().backward()
        results.append((out.tolist(), x.grad.tolist(), s.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("index", [[0.5, 1.0], ([1.0],), (0, [1.0, 2.0]), [[1.0]]], ids=str)
def test_a_list_of_floats_as_an_index_is_refused_naming_lists(index) -> None:
    # chainrule refuses float lists (torch 2.13 accepts some, with a deprecation warning); the message speaks of
    # the list the user wrote, not of NumPy arrays (ops/indexing.py: normalize_index)
    with pytest.raises(IndexError, match="lists used as indices must contain ints or bools"):
        cr.ones(3, 3)[index]


def test_dead_views_leave_no_trace_in_the_view_registry() -> None:
    # a view registers itself with its base; when the view dies its weakref callback removes it again, so a
    # long-lived base (a model's weight) viewed every step does not collect stale entries (ops/views.py: _forget)
    import gc

    from chainrule.ops import views

    base = cr.ones(10)
    for _ in range(50):
        v = base[1:]
        w = v[::2]
        del v, w
    gc.collect()
    assert id(base) not in views._CHILDREN or not views._CHILDREN[id(base)]
    assert not any(key in views._VIEWS for key in list(views._CHILDREN.get(id(base), ())))


@pytest.mark.parametrize("equation", ["ij->...i...", "...i->......", "i...->......", "...->......"])
def test_einsum_refuses_two_ellipses_in_the_output(equation: str) -> None:
    # (ops/linalg.py: einsum replaces the output's one ellipsis; a second one is an error, as in torch)
    with pytest.raises(RuntimeError):
        torch.einsum(equation, torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        cr.einsum(equation, cr.ones(2, 3))
