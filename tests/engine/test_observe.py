"""The backward observer: every step's upstream gradient, local derivatives and contributions."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.chapter import examples


def test_two_layer_steps_show_the_chapter_chain():
    with cr.autograd.observe() as steps:
        values = examples.two_layer_network()
    by_output = {s.output_name: s for s in steps if s.output_name}
    relu_step = by_output["h"]
    assert relu_step.op_name == "relu"
    assert float(relu_step.upstream) == -8.0 and float(relu_step.local[0]) == 1.0
    mul_steps = [s for s in steps if s.op_name == "mul"]
    w1_step = next(s for s in mul_steps if "w1" in s.input_names())
    assert float(w1_step.upstream) == -8.0
    i = w1_step.input_names().index("w1")
    assert float(w1_step.local[i]) == 3.0 and float(w1_step.contributions[i]) == -24.0
    assert w1_step.formulas == ("b", "a")
    assert values["w1"].grad.item() == -24.0


def test_sum_over_paths_is_visible():
    x = cr.tensor(2.0, requires_grad=True, name="x")
    a = x * 3
    b = x * x
    y = a + b
    with cr.autograd.observe() as steps:
        y.backward()
    contributions_to_x = []
    for s in steps:
        for t, c in zip(s.input_tensors, s.contributions):
            if t is x and c is not None:
                contributions_to_x.append(float(c))
    assert sorted(contributions_to_x) == [2.0, 2.0, 3.0]
    assert x.grad.item() == sum(contributions_to_x) == 7.0


def test_observer_callback_and_non_elementwise_local_is_none():
    calls = []
    a = cr.tensor(np.ones((2, 2)), requires_grad=True)
    with cr.autograd.observe(calls.append):
        (a @ a).sum().backward()
    assert [c.op_name for c in calls] == ["sum", "matmul"]
    assert calls[1].local == (None, None) and calls[1].formulas == ("G @ B^T", "A^T @ G")
