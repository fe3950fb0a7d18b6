"""Tests that kill survivors of the seed-707 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import chainrule as cr


def _loss_after_an_in_place_update(lib):  # noqa: ANN001, ANN202
    """A leaf updated in place (as an optimizer step does) right before a graph uses it; the graph's
    intermediates are gone after backward, so explain replays its steps from the values the nodes kept."""
    w = lib.tensor([1.5, -2.0, 0.25], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([3.0, 0.5, -1.0], dtype=lib.float64)
    with lib.no_grad():
        w.mul_(0.5)

    def loss():  # noqa: ANN202
        h = (w * c).tanh()
        return (h * w).sum()

    return w, loss()


def test_a_write_just_before_a_graph_used_a_tensor_does_not_stop_the_replay() -> None:
    """engine/tensor.py:69 (`t._modified_epoch > epoch` -> `>=`): a tensor written in place at the epoch a node
    recorded (the write came before the use) is not "changed since"; the mutant called the update an
    in-place change after use, and explain showed no gradients. The replayed gradient is PyTorch's."""
    w, loss = _loss_after_an_in_place_update(cr)
    w.name = "w"
    loss.backward()
    gc.collect()
    graph = cr.explain.graph(loss)
    assert graph.data["status"]["gradients"] == "replayed"
    assert not any("modified in place" in n for n in graph.data["notices"])
    table = cr.explain.gradient_table(loss)
    tw, tloss = _loss_after_an_in_place_update(torch)
    tloss.backward()
    np.testing.assert_allclose(np.asarray(table["w"].grad["data"], dtype=np.float64), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_a_write_after_the_graph_used_a_tensor_stops_the_replay() -> None:
    """The other side of the same check: an update after the forward is reported, and no gradient is shown
    from values the tensor no longer has."""
    w, loss = _loss_after_an_in_place_update(cr)
    loss.backward()
    gc.collect()
    with cr.no_grad():
        w.add_(1.0)
    graph = cr.explain.graph(loss)
    assert graph.data["status"]["gradients"] == "partial"
    assert any("was modified in place after this graph used it" in n for n in graph.data["notices"])


def test_a_write_through_a_view_after_the_graph_used_a_tensor_stops_the_replay() -> None:
    """engine/tensor.py:69 (`or` -> `and`): a write through a view changes the memory the graph kept for the
    leaf without the leaf's own in-place op; the check must see the written memory alone (the mutant asked
    for both, and replayed the steps from the new values: gradients that are not the engine's)."""
    w, loss = _loss_after_an_in_place_update(cr)
    loss.backward()
    gc.collect()
    with cr.no_grad():
        w[0:2].add_(1.0)
    graph = cr.explain.graph(loss)
    assert graph.data["status"]["gradients"] == "partial"
    assert any("was modified in place after this graph used it" in n for n in graph.data["notices"])


def test_a_recorded_in_place_op_after_the_graph_used_a_tensor_stops_the_replay() -> None:
    """The other half of `or`: a recorded in-place op (grad mode on) gives the tensor a new array and leaves the
    kept memory alone, but the tensor's version moved on, so PyTorch's engine would refuse the saved value:
    the replay says so too."""
    a = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True)
    h = a * 2.0
    loss = (h.tanh() * h).sum()
    loss.backward(retain_graph=False)
    gc.collect()
    h.mul_(3.0)
    graph = cr.explain.graph(loss)
    assert graph.data["status"]["gradients"] == "partial"
    assert any("was modified in place after this graph used it" in n for n in graph.data["notices"])
    ta = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    th = ta * 2.0
    tloss = (th.tanh() * th).sum()
    tloss.backward(retain_graph=True)
    th.mul_(3.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
