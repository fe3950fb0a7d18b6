"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in engine, against PyTorch
(grad mode inside a custom Function's backward)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _mode_recording(lib, seen: list):  # noqa: ANN001, ANN202
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2

        @staticmethod
        def backward(ctx, g):  # noqa: ANN001, ANN205
            seen.append(lib.is_grad_enabled())
            return g * 2

    return Double


def test_a_custom_backward_runs_with_grad_mode_off_in_a_plain_backward() -> None:
    # engine/backward.py:233 (`modes = enter_backward(False)`): a plain loss.backward() runs a Function's backward
    # with grad mode off, as PyTorch (create_graph=False), and leaves grad mode on afterwards
    for lib in (torch, cr):
        seen: list = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _mode_recording(lib, seen).apply(x).sum().backward()
        assert (seen, x.grad.tolist(), x.grad.requires_grad, lib.is_grad_enabled()) == \
            ([False], [2.0, 2.0], False, True), lib.__name__


@pytest.mark.parametrize("returns", [True, False])
@pytest.mark.parametrize("scalar_loss", [True, False])
def test_a_gradient_a_leaf_hook_kept_is_not_changed_by_later_accumulation(returns: bool, scalar_loss: bool) -> None:
    # engine/backward.py (backward_scalar, run backward's leaf loop, and _take's short path): a tensor hook may keep
    # the gradient it is given or the one it returns; .grad must not share its memory, or the next backward's
    # in-place accumulation changes the kept tensor (PyTorch's AccumulateGrad clones a gradient referenced
    # elsewhere). chainrule's first .grad was that very array.
    results = []
    for lib in (torch, cr):
        x = lib.ones(2, requires_grad=True)
        kept = []

        def hook(g, kept=kept):  # noqa: ANN001, ANN202
            if not returns:
                kept.append(g)
                return None
            t = g * 2
            kept.append(t)
            return t

        x.register_hook(hook)
        for _ in range(2):
            if scalar_loss:
                (x * 1).sum().backward()
            else:
                (x * 1).backward(lib.ones(2))
        results.append((x.grad.tolist(), [k.tolist() for k in kept]))
    assert results[0] == results[1]


def _f1(x):  # noqa: ANN001, ANN202
    return _f2(x)


def _f2(x):  # noqa: ANN001, ANN202
    return _f3(x)


def _f3(x):  # noqa: ANN001, ANN202
    return _f4(x)


def _f4(x):  # noqa: ANN001, ANN202
    return _f5(x)


def _f5(x):  # noqa: ANN001, ANN202
    return _f6(x)


def _f6(x):  # noqa: ANN001, ANN202
    return x.sqrt()


def test_anomaly_error_shows_the_six_innermost_frames_where_the_op_was_made() -> None:
    # engine/anomaly.py:111 (`user[-6:]`): the creation trace of a node lists the last 6 frames of user code, the
    # innermost (the line that made the op) last
    x = cr.tensor([-1.0, 2.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = _f1(x)
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output") \
                as info:
            y.sum().backward()
    trace = str(info.value).split("The op was created at (most recent call last):\n", 1)[1]
    frames = [line.rsplit(" in ", 1)[1] for line in trace.splitlines() if line.startswith("  File ")]
    assert frames == ["_f1", "_f2", "_f3", "_f4", "_f5", "_f6"]
    assert trace.rstrip().endswith("return x.sqrt()")


def test_a_retained_gradient_accumulates_over_backward_calls() -> None:
    # engine/backward.py:316 (`target.grad._data + g`): a non-leaf's retained .grad sums over two backward passes,
    # as PyTorch's
    results = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        results.append((y.grad.tolist(), x.grad.tolist()))
    assert results[0] == results[1] == ([12.0, 24.0], [36.0, 72.0])


def test_replayed_accumulation_adds_in_place_into_a_grad_whose_memory_is_shared() -> None:
    # engine/backward.py:452 (accumulate_grads, cr.compile's replay of a backward: `kind is type(existing._data)`):
    # a 0-d .grad whose memory a NumPy view shares (.numpy()) is added into in place, so the view sees the sum, as
    # PyTorch's accumulation into .grad
    from chainrule.engine.backward import accumulate_grads

    x = cr.tensor(2.0, requires_grad=True)
    x.grad = cr.zeros(())
    view = x.grad.numpy()
    accumulate_grads(x, np.float32(1.5))
    t = torch.tensor(2.0, requires_grad=True)
    t.grad = torch.zeros(())
    tview = t.grad.numpy()
    (t * 1.5).backward()
    assert (float(view), x.grad.item(), x.grad._version) == (float(tview), t.grad.item(), 1) == (1.5, 1.5, 1)


def test_a_seed_of_another_dtype_is_cast_to_the_outputs() -> None:
    # engine/backward.py:60 (`data.astype(output dtype) if data.dtype != output dtype`): a float64 gradient given
    # for a float32 output is cast to float32, as PyTorch casts grad_outputs: the output's own gradient (retained,
    # or asked of grad()) is float32
    results = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.backward(lib.tensor([1.0, 0.5], dtype=lib.float64))
        (g,) = lib.autograd.grad(x * 2, x, lib.tensor([1.0, 0.5], dtype=lib.float64))
        z = x * 2
        (gz,) = lib.autograd.grad(z, z, lib.tensor([1.0, 0.5], dtype=lib.float64))
        results.append([(str(t.dtype).split(".")[-1], t.tolist()) for t in (y.grad, x.grad, g, gz)])
    assert results[0] == results[1]


def test_a_node_that_gets_no_gradient_still_releases_its_inputs() -> None:
    # engine/backward.py:293 (`_NoGrads`' endless None): q gets no gradient (the custom backward returns None for
    # it), yet p, which q consumes, still runs with the gradient from its other consumer, as in PyTorch
    results = []
    for lib in (torch, cr):
        class Stop(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):  # noqa: ANN001, ANN205
                return x * y

            @staticmethod
            def backward(ctx, g):  # noqa: ANN001, ANN205
                return None, g

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        p = a * 2
        q = p * 3
        (Stop.apply(q, b).sum() + p.sum()).backward()
        results.append((a.grad.tolist(), b.grad.tolist()))
    assert results[0] == results[1] == ([2.0, 2.0], [1.0, 1.0])

