"""Tests that kill survivors of the seed-505 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import chainrule as cr


def _in_fresh_thread(fn):  # noqa: ANN001, ANN202
    out = []
    th = threading.Thread(target=lambda: out.append(fn()))
    th.start()
    th.join()
    return out[0]


def test_anomaly_check_nan_defaults_to_true_in_every_thread() -> None:
    # engine/anomaly.py:18: a fresh thread's anomaly state starts with check_nan on, as PyTorch's default
    assert torch.is_anomaly_check_nan_enabled() is True
    assert _in_fresh_thread(cr.is_anomaly_check_nan_enabled) is True
    assert _in_fresh_thread(cr.autograd.is_anomaly_check_nan_enabled) is True
    assert _in_fresh_thread(cr.is_anomaly_enabled) is False


def test_autograd_backward_with_one_output_given_twice_adds_both_gradients() -> None:
    # engine/backward.py:168: two outputs with the same node: their gradients are summed into its start value
    x_np = np.array([0.5, -1.5, 2.0])
    g1, g2 = np.array([1.0, 2.0, 3.0]), np.array([0.25, -4.0, 0.5])
    x = cr.tensor(x_np, requires_grad=True)
    y = x * x
    cr.autograd.backward([y, y], [cr.tensor(g1), cr.tensor(g2)])
    tx = torch.tensor(x_np, requires_grad=True)
    ty = tx * tx
    torch.autograd.backward([ty, ty], [torch.tensor(g1), torch.tensor(g2)])
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x_np * (g1 + g2), rtol=1e-12)


def test_autograd_backward_with_two_outputs_of_one_node_in_a_list_of_three() -> None:
    x_np = np.array([1.0, 2.0])
    x = cr.tensor(x_np, requires_grad=True)
    y, z = x.exp(), x * 3.0
    cr.autograd.backward([y, z, y], [cr.ones(2), cr.ones(2), cr.full((2,), -3.0)])
    tx = torch.tensor(x_np, requires_grad=True)
    ty, tz = tx.exp(), tx * 3.0
    torch.autograd.backward([ty, tz, ty], [torch.ones(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64),
                                           torch.full((2,), -3.0, dtype=torch.float64)])
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward_accumulates_into_an_existing_grad() -> None:
    # engine/backward.py:418: under create_graph a leaf's .grad is the old grad plus the new one (a new tensor)
    x_np = np.array([0.5, -2.0, 3.0])
    x = cr.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    for _ in range(2):
        (x ** 3).sum().backward(create_graph=True)
        (tx ** 3).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.detach().numpy(), 6 * x_np ** 2, rtol=1e-12)
    assert x.grad.requires_grad and tx.grad.requires_grad
    # the accumulated grad is differentiable: d/dx sum(6 x^2) = 12 x
    (gx,) = cr.autograd.grad(x.grad.sum(), x)
    (tgx,) = torch.autograd.grad(tx.grad.sum(), tx)
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward_after_a_plain_backward() -> None:
    x_np = np.array([1.5, -0.5])
    x = cr.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    (x.sin()).sum().backward(create_graph=True)
    (tx.sin()).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-12)


def test_retains_grad_is_true_only_after_retain_grad_on_a_non_leaf() -> None:
    # engine/tensor.py:401
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y, z = x * 2, x + 1
        assert (x.retains_grad, y.retains_grad, z.retains_grad) == (False, False, False)
        y.retain_grad()
        x.retain_grad()  # a leaf: no effect on retains_grad
        assert (x.retains_grad, y.retains_grad, z.retains_grad) == (False, True, False)
        c = lib.tensor([1.0])
        assert c.retains_grad is False
