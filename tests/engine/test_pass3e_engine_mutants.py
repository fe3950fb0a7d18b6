"""Engine survivors of the first exhaustive mutation pass, second round (h/p3e): a retained gradient whose
tensor is gone, and the backward observer's `keep` rule and frozen steps."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.filterwarnings(r"ignore:Using backward\(\) with create_graph=True")
@pytest.mark.parametrize("create_graph", [False, True])
def test_retain_grad_of_a_tensor_deleted_before_backward_is_skipped_like_torch(create_graph: bool) -> None:
    grads = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()  # y is then dropped: its node lives on in the graph, its tensor does not
        z = (y * y * 3).sum()
        del y
        gc.collect()
        z.backward(create_graph=create_graph)
        grads.append(x.grad.detach().numpy().copy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)  # 24 * x, and no error for the lost tensor
    np.testing.assert_allclose(grads[1], [24.0, 48.0], rtol=1e-6)


def test_retain_grad_of_a_tensor_a_function_node_released_during_backward_like_torch() -> None:
    # a custom Function's node lets go of its inputs once its backward ran, so the retained tensor, dropped by
    # the caller, is gone by the time the walk reaches its own node: nothing to keep the gradient on
    grads = []
    for lib in (torch, cr):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = Double.apply(y).sum()
        del y
        gc.collect()
        z.backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(grads[1], grads[0])
    np.testing.assert_array_equal(grads[1], [6.0, 6.0])


def test_observe_with_a_callback_keeps_the_steps_by_default() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    with cr.autograd.observe(seen.append) as steps:
        (x * 3).sum().backward()
    assert len(seen) == 2 and [s.op_name for s in steps] == [s.op_name for s in seen]
    assert steps == seen  # keep=True is the default, also with a callback


def test_observe_without_a_callback_keeps_the_steps_even_with_keep_false() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.autograd.observe(keep=False) as steps:  # nothing else would see them: kept all the same
        (x * 3).sum().backward()
    assert [s.op_name for s in steps] == ["sum", "mul"]


def test_observe_with_a_callback_and_keep_false_keeps_nothing() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    with cr.autograd.observe(seen.append, keep=False) as steps:
        (x * 3).sum().backward()
    assert steps == [] and len(seen) == 2


def test_a_backward_step_is_frozen() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.autograd.observe() as steps:
        (x * 3).sum().backward()
    with pytest.raises(dataclasses.FrozenInstanceError):
        steps[0].index = 7
    assert steps[0].index == 0


def test_compiled_step_accumulates_into_a_grad_of_another_dtype_as_eager() -> None:
    # engine/backward.py accumulate_grads (a compiled replay adds every leaf's gradient with one call): a float32
    # 0-d leaf whose .grad was assigned a float64 tensor (chainrule accepts that; PyTorch refuses it unless the
    # leaf's grad_dtype is None) gets its float64 gradient cast to the leaf's dtype before the add, as the eager
    # backward does, so the compiled step and the eager one leave the same .grad
    def run(compiled: bool) -> list:
        x = cr.tensor(1.5, requires_grad=True)
        w = cr.tensor(0.1, dtype=cr.float64, requires_grad=True)

        def step() -> None:
            (x * w).backward()

        fn = cr.compile(step) if compiled else step
        out = []
        for _ in range(3):  # traced, then replayed
            x.grad = cr.tensor(0.25, dtype=cr.float64)
            w.grad = cr.tensor(0.0, dtype=cr.float64)
            fn()
            out.append((str(x.grad.dtype), x.grad.item(), w.grad.item()))
        return out

    expected = float(np.float64(0.25) + np.float64(np.float32(0.1)))  # the float32 gradient 0.1, added in float64
    assert run(False) == run(True) == [("chainrule.float64", expected, 1.5)] * 3


@pytest.mark.parametrize("leaf_dtype, grad_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
def test_accumulate_grads_casts_to_the_leaf_dtype_like_accumulate_grad(leaf_dtype, grad_dtype) -> None:
    # engine/backward.py:461 (`and kind is type(leaf._data)`): accumulate_grads, the one call a compiled replay
    # makes for all leaves, must leave what accumulate_grad leaf by leaf leaves (its docstring's contract, also
    # tests/engine/test_accumulate_grads.py). When the gradient and the existing .grad are scalars of one dtype
    # and the leaf of another, the gradient is first cast to the leaf's dtype. A compiled step hands over
    # gradients already in the leaf's dtype (the test above), so only a direct call shows the cast.
    from chainrule.engine.backward import accumulate_grad, accumulate_grads

    results = []
    for batched in (False, True):
        x = cr.tensor(leaf_dtype(1.5), requires_grad=True)
        x.grad = cr.tensor(grad_dtype(0.25))
        existing = x.grad
        g = grad_dtype(0.1)
        if batched:
            accumulate_grads(x, g)
        else:
            accumulate_grad(x, g, set())
        results.append((x.grad is existing, str(x.grad.dtype), x.grad.item(), x.grad._version))
    expected = float(np.float64(0.25) + np.float64(np.float32(0.1)))  # 0.1 through float32 either way
    assert results[0] == results[1]
    assert results[1][2] == expected and results[1][0] is True
