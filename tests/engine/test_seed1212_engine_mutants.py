"""Tests that kill survivors of the seed-1212 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("method", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_methods_default_value_is_one(method: str) -> None:
    """`x.addcmul(a, b)` / `x.addcdiv(a, b)` without `value` add 1 * a * b (a / b), with PyTorch's value and
    gradients (seed-1212 survivor engine/tensor_methods.py:365, the method's default `value=1` -> 2)."""
    rng = np.random.default_rng(1212)
    x0, a0, b0 = (rng.uniform(0.5, 2.0, (2, 3)) for _ in range(3))
    xs = [cr.tensor(v, requires_grad=True) for v in (x0, a0, b0)]
    ts = [torch.tensor(v, requires_grad=True) for v in (x0, a0, b0)]
    out = getattr(xs[0], method)(xs[1], xs[2])
    ref = getattr(ts[0], method)(ts[1], ts[2])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=0)
    out.sum().backward()
    ref.sum().backward()
    for c, t in zip(xs, ts):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0)
    # the explicit value=1 gives the same, and the function form agrees with the method
    np.testing.assert_array_equal(out.detach().numpy(),
                                  getattr(cr, method)(*(c.detach() for c in xs), value=1).numpy())


class _ArrayOnly:
    """An object NumPy can convert (`__array__`) that is neither a sequence nor sized."""

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return np.array([1.0, 2.0])


@pytest.mark.parametrize("data", ["abc", b"xy", None, _ArrayOnly()], ids=["str", "bytes", "None", "array-only"])
def test_tensor_refuses_data_that_is_not_a_number_or_a_sequence(data: object) -> None:
    """`cr.tensor(data)` for a str, bytes, None or an object that only has `__array__` is refused naming the
    type and the value, as torch.tensor refuses them (seed-1212 survivor engine/tensor.py:595, the check's
    raise removed: the str got a message about its NumPy dtype and the `__array__` object was converted)."""
    with pytest.raises((TypeError, RuntimeError)):
        torch.tensor(data)
    with pytest.raises(TypeError) as info:
        cr.tensor(data)
    message = str(info.value)
    assert message.startswith(f"tensor: could not convert {type(data).__name__} ")
    assert "expected a number or a (nested) sequence of numbers" in message
    if isinstance(data, str | bytes):
        assert repr(data) in message


def test_ops_record_while_another_thread_is_in_no_grad() -> None:
    """Grad mode is per thread: while another thread sits in `no_grad`, ops in this thread still record, through
    every op path (seed-1212 survivor ops/registry.py:327, `not off_threads or enabled` -> `and`: `apply`'s ops
    then recorded nothing while any other thread had grad mode off). Gradients against PyTorch's."""
    import threading

    entered, release = threading.Event(), threading.Event()

    def hold_no_grad() -> None:
        with cr.no_grad():
            entered.set()
            release.wait(30)

    worker = threading.Thread(target=hold_no_grad)
    worker.start()
    try:
        assert entered.wait(30)
        data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        x = cr.tensor(data, requires_grad=True)
        outs = [cr.sum(x, dim=0), x.matmul(cr.tensor(data.T)), x.exp(), x * 2.0, cr.softmax(x, dim=1)]
        assert all(o.requires_grad and o.grad_fn is not None for o in outs)
        sum(o.sum() for o in outs).backward()
    finally:
        release.set()
        worker.join()
    xt = torch.tensor(data, requires_grad=True)
    outs_t = [torch.sum(xt, dim=0), xt.matmul(torch.tensor(data.T)), xt.exp(), xt * 2.0, torch.softmax(xt, dim=1)]
    sum(o.sum() for o in outs_t).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)
