"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in autograd, against PyTorch
(torch.autograd.functional)."""
from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_v_that_does_not_require_grad_adds_no_graph(name: str) -> None:
    # autograd/functional.py:292 (`_preprocess(v, create_graph, False)`): v is taken as given; for f = sum(x * x)
    # the Hessian is constant, so with create_graph=True the product needs no graph, and strict mode refuses it
    # with PyTorch's message
    results = []
    for m in (torch, cr):
        fn = getattr(m.autograd.functional, name)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        v = m.tensor([0.5, -1.0])
        _, r = fn(lambda t: (t * t).sum(), x, v, create_graph=True)
        with pytest.raises(RuntimeError, match="^The hessian of the user-provided function is independent of input 0. "
                                                "This is not allowed in strict mode when create_graph=True.$"):
            fn(lambda t: (t * t).sum(), x, v, create_graph=True, strict=True)
        results.append((r.tolist(), r.requires_grad))
    assert results[0] == results[1] == ([1.0, -2.0], False)


@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_a_function_whose_output_does_not_depend_on_the_input_gives_zeros(name: str) -> None:
    # autograd/functional.py:103 (`if not pairs: return (None,) * len(inputs)`): no output requires grad, so no
    # gradient is taken; non-strict mode fills in zeros, as PyTorch
    results = []
    for m in (torch, cr):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        out, product = getattr(m.autograd.functional, name)(lambda t, m=m: m.ones(2), x, m.tensor([1.0, 1.0]))
        results.append((out.tolist(), product.tolist()))
    assert results[0] == results[1] == ([1.0, 1.0], [0.0, 0.0])
