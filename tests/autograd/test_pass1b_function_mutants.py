"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in autograd, against PyTorch
(custom Functions, once_differentiable) and exact known values (the local derivatives the observer reports)."""
from __future__ import annotations

import pytest
import torch
from torch.autograd.function import once_differentiable as torch_once_differentiable

import chainrule as cr
from chainrule.autograd.function import once_differentiable


def _two_outputs(lib, decorate):  # noqa: ANN001, ANN202
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        @decorate
        def backward(ctx, g1, g2):  # noqa: ANN001, ANN205
            (x,) = ctx.saved_tensors
            return g1 * 2 if g2 is None else g1 * 2 + g2 * 2 * x

    return Two


def test_once_differentiable_backward_given_an_undefined_gradient() -> None:
    # autograd/function.py:486 (`isinstance(a, Tensor) and a.requires_grad`): with set_materialize_grads(False) the
    # unused output's gradient arrives as None; under create_graph the result still gets PyTorch's DelayedError
    # node (from the upstream gradient that requires grad) and a second differentiation raises
    for lib, decorate in ((torch, torch_once_differentiable), (cr, once_differentiable)):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, _ = _two_outputs(lib, decorate).apply(x)
        (g,) = lib.autograd.grad(a, x, lib.tensor([1.0, 1.0], requires_grad=True), create_graph=True)
        assert (g.tolist(), g.requires_grad) == ([2.0, 2.0], True), lib.__name__
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                               "@once_differentiable"):
            g.sum().backward()


def test_each_output_of_a_several_output_function_passes_its_gradient_unchanged() -> None:
    # autograd/function.py:312 (`return (1.0,)`): the local derivative the observer and the graph report for
    # output k of a Function is 1 (its gradient goes unchanged into slot k of the Function's backward)
    class Split(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # noqa: ANN001, ANN205
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):  # noqa: ANN001, ANN205
            return g1 * 2 + g2 * 3

    x = cr.tensor(1.5, requires_grad=True)
    a, b = Split.apply(x)
    L = a * b
    graph = cr.graph(L)
    outputs = [e for e in graph.edges if e["formula"].startswith("G (output")]
    assert [(e["formula"], e["local"]["data"]) for e in outputs] == [("G (output 0 of Split)", 1.0),
                                                                     ("G (output 1 of Split)", 1.0)]
    with cr.autograd.observe() as steps:
        L.backward()
    assert {s.op_name: s.local for s in steps if s.op_name.startswith("Split[")} == {"Split[0]": (1.0,),
                                                                                     "Split[1]": (1.0,)}
    assert x.grad.item() == 18.0  # d(6 x^2)/dx at 1.5


def test_instantiating_a_function_warns_at_the_callers_line() -> None:
    # autograd/function.py:333 (`stacklevel=2`): the DeprecationWarning for instantiating a Function names the line
    # that did it, as PyTorch's
    for lib in (torch, cr):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):  # noqa: ANN001, ANN205
                return x * 2

            @staticmethod
            def backward(ctx, g):  # noqa: ANN001, ANN205
                return g * 2

        with pytest.warns(DeprecationWarning, match="should not be instantiated") as record:
            Double()
        assert [w.filename for w in record if w.category is DeprecationWarning] == [__file__], lib.__name__
