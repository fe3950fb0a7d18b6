"""`autograd.grad(outputs, inputs)` and `backward(inputs=...)` run only the part of the graph that leads to the
inputs, as PyTorch's engine: the graph below an intermediate input is neither walked (its hooks do not fire)
nor freed, and `backward(inputs=[h])` fills a non-leaf `h.grad`."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def test_the_graph_below_an_intermediate_input_stays_usable() -> None:
    results = []
    for m in (cr, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        h = x.exp()
        (gh,) = m.autograd.grad((h * h).sum(), h)  # retain_graph=False: frees only what it ran
        (h * 3).sum().backward()  # through h's producer, not freed
        results.append((gh.numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_hooks_off_the_path_to_the_inputs_do_not_fire() -> None:
    logs = []
    for m in (cr, torch):
        log: list = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        a, b = x * 2.0, w * 3.0
        a.register_hook(lambda g, log=log: log.append("a"))
        b.register_hook(lambda g, log=log: log.append("b"))
        w.register_hook(lambda g, log=log: log.append("w"))
        (gx,) = m.autograd.grad((a * b).sum(), x)
        logs.append((log, gx.tolist()))
    assert logs[0] == logs[1] == (["a"], [18.0, 24.0])


def test_backward_with_inputs_fills_a_non_leaf_grad() -> None:
    results = []
    for m in (cr, torch):
        w = m.tensor(2.0, requires_grad=True)
        a = w * w
        b = a * 3.0
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # reading a.grad must not warn: it was asked for
            (b * b).backward(inputs=[a], retain_graph=True)
            (b * b * 2.0).backward(inputs=[a, w])  # accumulates into a.grad; w.grad now set
            results.append((a.grad.item(), w.grad.item()))
    assert results[0] == results[1]


@pytest.mark.parametrize("seed", range(10))
def test_random_graphs_and_input_sets_match_pytorch(seed: int) -> None:
    """Gradients with respect to a random mix of leaves and intermediates, the hooks that fire, and a later
    backward of the whole graph (which must find every node it needs still unfreed where PyTorch does)."""
    outs = []
    for m in (cr, torch):
        rng = np.random.default_rng(seed)
        log: list = []
        leaves = [m.tensor(rng.uniform(0.5, 1.5, 3), dtype=m.float64, requires_grad=True) for _ in range(3)]
        pool = list(leaves)
        for k in range(12):
            i, j = rng.integers(0, len(pool), 2)
            y = (pool[i] * pool[j], pool[i] + pool[j].sin(), pool[i].tanh() * 2.0)[rng.integers(0, 3)]
            y.register_hook(lambda g, k=k, log=log: log.append(k))
            pool.append(y)
        loss = sum(t.sum() for t in pool[-3:])
        picks = sorted({int(p) for p in rng.integers(0, len(pool) - 3, 3)})
        grads = m.autograd.grad(loss, [pool[p] for p in picks], allow_unused=True, retain_graph=True)
        loss.backward()
        outs.append((picks, log, [None if g is None else g.numpy() for g in grads],
                     [None if t.grad is None else t.grad.numpy() for t in leaves]))
    (p1, l1, g1, t1), (p2, l2, g2, t2) = outs
    assert p1 == p2 and l1 == l2
    for a, b in zip(g1 + t1, g2 + t2):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12)
