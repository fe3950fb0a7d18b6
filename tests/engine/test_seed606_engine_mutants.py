"""Tests that kill survivors of the seed-606 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("retain_graph", [None, False, True])
def test_observe_calls_reports_a_scalar_backward_without_create_graph(retain_graph: bool | None) -> None:
    """engine/backward.py:364 (`loss.backward()`'s short path published create_graph=True): the BackwardCall of a
    0-d loss's backward carries the arguments it was given: create_graph False, retain_graph as passed."""
    x = cr.tensor([1.0, -2.0, 0.5], requires_grad=True)
    loss = (x * x).sum()
    with cr.autograd.observe_calls() as calls:
        loss.backward(retain_graph=retain_graph)
    assert len(calls) == 1
    call = calls[0]
    assert (call.kind, call.create_graph, call.retain_graph) == ("backward", False, bool(retain_graph))
    assert call.outputs == (loss,) and call.inputs is None
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 1.0])


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("create_graph", [False, True])
def test_observe_calls_reports_create_graph_as_given(create_graph: bool) -> None:
    """The general path (a gradient given, or create_graph) reports create_graph as passed too, and a
    retain_graph of None as create_graph (PyTorch's default)."""
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    y = x * 3.0
    with cr.autograd.observe_calls() as calls:
        y.backward(cr.ones(2), create_graph=create_graph)
    assert [(c.create_graph, c.retain_graph) for c in calls] == [(create_graph, create_graph)]
    x.grad = None


def test_a_named_tensor_keeps_its_name_after_an_in_place_op() -> None:
    """engine/observe.py:70 (`name is None` -> `is not None`): BackwardStep.input_names() gives a tensor's own
    name first; the node an in-place op recorded on it has no name, so the node's name (None) must not replace
    it (the docstring: a tensor's `name`, or the name recorded on the node that produced it)."""
    a = cr.tensor([1.0, 2.0], requires_grad=True, name="a")
    h = a * 2
    h.name = "h"
    h.mul_(3)  # h now holds a new node, recorded without a name
    assert h.name == "h" and h.grad_fn.out_name is None
    y = (h * a).sum()
    with cr.autograd.observe() as steps:
        y.backward()
    mul = next(s for s in steps if s.op_name == "mul" and any(t is h for t in s.input_tensors))
    names = mul.input_names()
    assert names[[t is h for t in mul.input_tensors].index(True)] == "h"
    assert names[[t is a for t in mul.input_tensors].index(True)] == "a"


def test_input_names_fall_back_to_the_producing_node_and_to_none() -> None:
    """engine/observe.py:70's other edits: a named non-leaf and a named leaf give their names, an unnamed leaf
    (no node to ask) gives None."""
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True, name="b")
    h = a * b
    h.name = "h"
    y = (h * a).sum()
    with cr.autograd.observe() as steps:
        y.backward()
    top = next(s for s in steps if s.op_name == "mul" and any(t is h for t in s.input_tensors))
    assert sorted(map(str, top.input_names())) == ["None", "h"]
    inner = next(s for s in steps if s.op_name == "mul" and any(t is b for t in s.input_tensors))
    assert inner.input_names() == [None, "b"] and inner.output_name == "h"
