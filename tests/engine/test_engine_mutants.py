"""Engine behaviour that mutation testing found unchecked (seed-11 sample), each against PyTorch:
`backward(inputs=...)` fills only the listed leaves (`engine/backward.py`), `register_hook` on a tensor
that needs no grad raises (`engine/tensor.py`), an integer device in `.to(0)` is an accelerator
(`engine/device.py`), and hook handles are numbered upward (`engine/hooks.py`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _backward_with_inputs(m, which: str):
    a = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    b = m.tensor([3.0, 4.0], dtype=m.float64, requires_grad=True)
    loss = (a * b * b).sum()
    loss.backward(inputs=[a] if which == "a" else [b])
    return [None if t.grad is None else t.grad.numpy() for t in (a, b)]


@pytest.mark.parametrize("which", ["a", "b"])
def test_backward_with_inputs_fills_only_those_leaves(which: str) -> None:
    got, want = _backward_with_inputs(cr, which), _backward_with_inputs(torch, which)
    assert [g is None for g in got] == [w is None for w in want]
    for g, w in zip(got, want, strict=True):
        if w is not None:
            np.testing.assert_allclose(g, w)


def test_register_hook_on_a_tensor_that_needs_no_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="doesn't require") as ours:
        cr.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="doesn't require"):
        torch.ones(2).register_hook(lambda g: g)
    assert "register_hook" in str(ours.value)


@pytest.mark.parametrize("index", [0, 1])
def test_an_integer_device_is_an_accelerator_and_refused(index: int) -> None:
    with pytest.raises(RuntimeError):
        torch.ones(2).to(index)  # the CPU build: "Cannot access accelerator device when none is available."
    with pytest.raises(RuntimeError, match="accelerator"):
        cr.ones(2).to(index)
    with pytest.raises(RuntimeError, match="accelerator"):
        cr.ones(2).to(index, cr.float64)


def test_module_hook_handles_are_numbered_upward_and_remove_their_own_hook() -> None:
    ids = {}
    for m in (torch, cr):
        layer = m.nn.Linear(2, 2)
        calls: list[str] = []
        h1 = layer.register_forward_hook(lambda mod, i, o, calls=calls: calls.append("first"))
        h2 = layer.register_forward_hook(lambda mod, i, o, calls=calls: calls.append("second"))
        ids[m.__name__] = h2.id - h1.id
        h1.remove()
        layer(m.ones(1, 2))
        assert calls == ["second"]
    assert ids["chainrule"] == ids["torch"] == 1
