"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in engine, against PyTorch
(conversion errors, next_functions, in-place checks on saved views)."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.engine.tensor import VersionCounters


@pytest.mark.parametrize("array", [np.array(["a", "b"]), np.array([1, "x"], dtype=object),
                                   np.array([1, 2], dtype="m8[s]")])
def test_tensor_of_an_unsupported_numpy_dtype_is_a_type_error(array: np.ndarray) -> None:
    # engine/tensor.py:559 (`raise TypeError(f"{op}: can't convert np.ndarray of type ...")`): as PyTorch, a
    # TypeError that names the array's dtype
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        torch.tensor(array)
    dtype = re.escape(str(array.dtype))
    with pytest.raises(TypeError, match=f"^tensor: can't convert np.ndarray of type {dtype}; supported: float, int, "
                                        "uint8 and bool$"):
        cr.tensor(array)


def test_next_functions_pair_each_parent_with_output_0() -> None:
    # engine/node.py:82 (`(p, 0)`): the second item is the parent's output number, 0 for single-output ops
    for m in (torch, cr):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        z = (x * 2).exp()
        assert [nr for _, nr in z.grad_fn.next_functions] == [0], m.__name__
        assert z.grad_fn.next_functions[0][0] is not None


def test_a_saved_view_written_by_a_repeated_update_fails_backward() -> None:
    # engine/tensor.py:118 (`entry[0]() is owner`): one storage keeps one write record, which the in-place ops and
    # a compiled update's VersionCounters both advance; a view saved between two updates is found modified, as
    # PyTorch finds a saved view of a parameter written in place
    p = cr.zeros(3)
    counters = VersionCounters([p])
    counters.bump()  # a compiled update writes p
    p.add_(1.0)  # so does the user
    w = cr.tensor([2.0, 3.0], requires_grad=True)
    y = (p[:2] * w).sum()  # saves a view of p
    counters.bump()  # the next compiled update writes p again
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    tp = torch.zeros(3)
    tw = torch.tensor([2.0, 3.0], requires_grad=True)
    ty = (tp[:2] * tw).sum()
    tp.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()


def test_tensor_constructor_with_one_int_is_a_shape_and_with_a_list_is_float_data() -> None:
    # engine/tensor.py:196 (`type(data[0]) is float`, the scalar fast path): only a Python float takes it;
    # Tensor(5) is an uninitialised tensor of 5 elements and Tensor([1, 2]) float data, as torch.Tensor
    for m in (torch, cr):
        assert tuple(m.Tensor(5).shape) == (5,), m.__name__
        t = m.Tensor([1, 2])
        assert (t.tolist(), str(t.dtype).split(".")[-1]) == ([1.0, 2.0], "float32"), m.__name__


def test_the_non_leaf_grad_warning_points_at_the_reading_line() -> None:
    # engine/tensor.py:148 (`stacklevel=2`): the UserWarning for reading .grad of a non-leaf tensor names the
    # user's line, as PyTorch's does
    for m in (torch, cr):
        y = m.tensor([1.0], requires_grad=True) * 2
        with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed") as record:
            assert y.grad is None
        assert [w.filename for w in record] == [__file__], m.__name__


def test_tensor_constructor_of_a_float_keeps_the_given_dtype() -> None:
    # engine/tensor.py:196 (`dtype is None`, the scalar fast path): chainrule's `Tensor(x, dtype=...)` addition
    # stores a Python float in the dtype asked for (0.1 exactly in float64), the default float dtype otherwise
    t = cr.Tensor(0.1, dtype=cr.float64)
    assert (t.dtype, t.item(), tuple(t.shape)) == (cr.float64, 0.1, ())
    d = cr.Tensor(0.1)
    assert (d.dtype, d.item()) == (cr.float32, float(np.float32(0.1)))


def test_size_concatenates_with_tuples_only() -> None:
    # engine/size.py:38 (`__radd__`'s `return NotImplemented`): a tuple before a Size gives a Size; a list before
    # one is a TypeError, as for torch.Size
    for m in (torch, cr):
        joined = (1,) + m.Size([2])
        assert (type(joined) is m.Size, tuple(joined)) == (True, (1, 2)), m.__name__
        with pytest.raises(TypeError, match="can only concatenate list"):
            [1] + m.Size([2])  # noqa: RUF005


def test_size_of_a_shape_not_cached_yet() -> None:
    # engine/tensor.py:239 (`_SIZES.get(shape) or as_size(shape)` in size()): the Size cache starts empty again
    # when it fills up; size() of a shape it does not hold is still the Size, as torch's
    from chainrule.engine.size import _CACHE

    x = cr.zeros(7, 11, 13)
    _CACHE.clear()
    assert x.size() == torch.zeros(7, 11, 13).size() == (7, 11, 13)
    assert type(x.size()) is cr.Size
