"""A leaf's `.grad` is accumulated in place, as in PyTorch: a reference taken after one backward sees the next
one's sum, for 0-d leaves too (whose values chainrule keeps as NumPy scalars), with one version bump."""

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("shape", [(), (1,), (2, 3)])
def test_a_held_grad_sees_the_next_accumulation(shape):
    results = {}
    for lib in (cr, torch):
        x = lib.full(shape, 2.0, requires_grad=True)
        (x * 3.0).sum().backward()
        held, version = x.grad, x.grad._version
        (x * 5.0).sum().backward()
        results[lib.__name__] = (held is x.grad, held.flatten().tolist(), held._version - version)
    assert results["chainrule"] == results["torch"] == (True, [8.0] * max(1, len(results["torch"][1])), 1)


def test_compiled_step_keeps_the_same_grad_tensor_for_a_0d_leaf():
    w = cr.tensor(1.5, requires_grad=True)

    def step(x):
        loss = (w * x) ** 2 + w * x
        loss.backward()
        return loss

    compiled = cr.compile(step)
    compiled(cr.tensor(2.0))
    held = w.grad
    for _ in range(3):
        compiled(cr.tensor(2.0))
    assert compiled.replays >= 2  # replays (the second call traces again: .grad now exists), not eager
    assert held is w.grad
    assert w.grad.item() == pytest.approx(4 * (2 * 1.5 * 4 + 2))


def test_compiled_neuron_accumulates_each_0d_grad_in_place():
    """The chapter's neuron: each leaf has one path, so the replay adds into `.grad` directly (no helper);
    a `.grad` held across replays must see every later sum, with one version bump each, as in eager."""
    def leaves():
        return [cr.tensor(v, requires_grad=True) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)]

    def step(x1, x2, w1, w2, b):
        o = (x1 * w1 + x2 * w2 + b).tanh()
        o.backward()
        return o

    compiled = cr.compile(step)
    eager_leaves, compiled_leaves = leaves(), leaves()
    for _ in range(3):
        step(*eager_leaves)
        compiled(*compiled_leaves)
    held = [t.grad for t in compiled_leaves]
    versions = [g._version for g in held]
    replays = compiled.replays
    for _ in range(2):
        step(*eager_leaves)
        compiled(*compiled_leaves)
    assert compiled.replays == replays + 2
    for e, c, g, v in zip(eager_leaves, compiled_leaves, held, versions):
        assert g is c.grad
        assert g._version == v + 2
        assert g.item() == e.grad.item()
