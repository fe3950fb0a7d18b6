"""The backward walk visits nodes in PyTorch's order: newest first (creation order, PyTorch's sequence_nr), which
tensor hooks, observers and explanations see; and the gradients that sum at a node arrive in PyTorch's order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _random_dag(lib, rng: np.random.Generator, n_ops: int, log: list) -> tuple:
    """A random graph over a pool of tensors: each op reads one or two earlier tensors (so many are read
    several times) and its output gets a hook that logs the op's number when its gradient is computed."""
    x = lib.tensor(rng.uniform(0.5, 1.5, 3), dtype=lib.float64, requires_grad=True)
    pool = [x]
    picks = []
    for k in range(n_ops):
        i, j = rng.integers(0, len(pool), 2)
        kind = rng.integers(0, 4)
        picks.append((i, j, kind))
        a, b = pool[i], pool[j]
        y = (a * b, a + b, (a * 0.5).sin(), a - b * 0.25)[kind]
        y.register_hook(lambda g, k=k: log.append(k))
        pool.append(y)
    loss = sum(t.sum() for t in pool[-4:])
    return x, loss


@pytest.mark.parametrize("seed", range(12))
def test_hooks_fire_in_pytorchs_order_on_random_graphs(seed: int) -> None:
    logs, grads = [], []
    for lib in (cr, torch):
        log: list = []
        x, loss = _random_dag(lib, np.random.default_rng(seed), 14, log)
        loss.backward()
        logs.append(log)
        grads.append(x.grad.numpy())
    assert logs[0] == logs[1]
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=0)


def test_two_branches_in_creation_order_newest_first() -> None:
    """d = a + c where a and c each have their own chain: the walk goes back through the newest node first,
    not depth first down one branch (the order PyTorch's hooks show)."""
    order = {}
    for lib in (cr, torch):
        log: list = []
        x = lib.tensor(1.0, requires_grad=True)
        a = x * 2.0
        b = x * 3.0
        a2 = a * 4.0
        b2 = b * 5.0
        for name, t in (("a", a), ("b", b), ("a2", a2), ("b2", b2)):
            t.register_hook(lambda g, name=name, log=log: log.append(name))
        (a2 + b2).backward()
        order[lib.__name__] = log
    assert order["chainrule"] == order["torch"] == ["b2", "a2", "b", "a"]


def test_several_outputs_sum_at_a_repeated_leaf_and_node() -> None:
    """backward/grad of several outputs, a leaf and a node each given twice: their seeds are summed (and a
    node output given twice starts the walk once), as PyTorch."""
    results = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * x
        g1, g2, g3 = (lib.tensor(v, dtype=lib.float64) for v in ([1.0, 10.0], [3.0, 30.0], [0.5, 5.0]))
        lib.autograd.backward([x, y, x, y], [g1, g2, g3, g1])
        (gx,) = lib.autograd.grad([x, x * 2, x], x, [g1, lib.ones(2, dtype=lib.float64), g2])
        results.append((x.grad.numpy().copy(), gx.detach().numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
