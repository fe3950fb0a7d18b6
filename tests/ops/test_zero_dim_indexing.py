"""index_select, gather, unbind, split and chunk on 0-d tensors, against PyTorch: a 0-d input or index counts as
1-d where PyTorch allows it (values, shapes, grad_fn names and gradients equal), and the refusals raise PyTorch's
exception types with its wording."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr

CASES = [
    ("index_select, 1-element index", lambda lib, x: lib.index_select(x, 0, lib.tensor([0]))),
    ("index_select, 0-d index, dim -1", lambda lib, x: lib.index_select(x, -1, lib.tensor(0))),
    ("gather, 1-d index", lambda lib, x: lib.gather(x, 0, lib.tensor([0, 0, 0]))),
    ("gather, 0-d index", lambda lib, x: lib.gather(x, 0, lib.tensor(0))),
    ("gather, 1-d input, 0-d index", lambda lib, x: lib.gather(x * lib.tensor([1.0, 2.0, 3.0]), 0, lib.tensor(2))),
]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_a_0d_input_or_index_counts_as_1d_as_torch(name, fn) -> None:
    results = {}
    for lib in (cr, torch):
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        y = fn(lib, x)
        w = np.arange(1.0, 1.0 + y.numel()).reshape(tuple(y.shape))
        (y * lib.tensor(w)).sum().backward()
        results[lib.__name__] = (tuple(y.shape), y.detach().numpy().tolist(), type(y.grad_fn).__name__
                                 if lib is torch else y.grad_fn.name(), x.grad.item())
    assert results["chainrule"] == results["torch"]


REFUSED = [
    ("index_select, two indices", lambda lib, x: lib.index_select(x, 0, lib.tensor([0, 0])), RuntimeError,
     "Index to scalar can have only 1 value, got 2 value(s)"),
    ("index_select, out of range", lambda lib, x: lib.index_select(x, 0, lib.tensor([1])), IndexError, ""),
    ("index_select, dim 1", lambda lib, x: lib.index_select(x, 1, lib.tensor([0])), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("gather, out of range", lambda lib, x: lib.gather(x, 0, lib.tensor([1])), (RuntimeError, IndexError),
     "index 1 is out of bounds for dimension 0 with size 1"),
    ("gather, 2-d index", lambda lib, x: lib.gather(x, 0, lib.tensor([[0]])), RuntimeError, ""),
    ("unbind", lambda lib, x: lib.unbind(x), IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    ("unbind, method, dim -1", lambda lib, x: x.unbind(-1), IndexError,
     "Dimension specified as 0 but tensor has no dimensions"),
    ("split", lambda lib, x: lib.split(x, 1), RuntimeError, "split expects at least a 1-dimensional tensor"),
    ("chunk", lambda lib, x: lib.chunk(x, 1), RuntimeError, "chunk expects at least a 1-dimensional tensor"),
    ("take_along_dim", lambda lib, x: lib.take_along_dim(x, lib.tensor([0, 0]), 0), RuntimeError,
     "take_along_dim(): input and indices should have the same number of dimensions, but got 0 dimensions for "
     "input, and 1 dimensions for indices"),
]


@pytest.mark.parametrize("name, fn, exc, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_what_torch_refuses_on_a_0d_tensor_is_refused_with_its_words(name, fn, exc, words) -> None:
    for lib in (torch, cr):
        x = lib.tensor(1.5, requires_grad=True)
        with pytest.raises(exc) as info:
            fn(lib, x)
        assert words in str(info.value)
        if lib is cr and words == "":
            assert info.value.args[0].split(":")[0] in ("index_select", "gather")  # names the op


def test_a_compiled_step_with_a_0d_gather_equals_eager() -> None:
    """The 0-d forms inside cr.compile: run eagerly (with a warning), the parameters equal eager's bit for bit."""
    results = []
    for compiled in (False, True):
        w = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
        b = cr.tensor(0.25, requires_grad=True)
        opt = cr.optim.SGD([w, b], lr=0.1)

        def step(i, w=w, b=b, opt=opt):
            opt.zero_grad()
            loss = (cr.gather(w, 0, i) * cr.index_select(b, 0, i * 0) - 1.0) ** 2
            loss.backward()
            opt.step()
            return loss

        run = cr.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(6):
                run(cr.tensor(k % 3))
        results.append((w.detach().numpy().tolist(), b.item()))
    assert results[0] == results[1]  # (the 0-d forms index with an array made in the op: cr.compile runs eagerly)


def test_a_0d_integer_tensor_index_is_an_integer_as_in_torch() -> None:
    """`x[i]` with a 0-d integer tensor i is a view (a write through it reaches x), and with index arrays the
    integer is applied first as a selection (`m[i, :, idx]`, `m[idx, i]`), as PyTorch does: values and shapes equal.
    (The index keeps its tensor, as `IndexFromTensor`, for cr.compile; it must still index as an int.)"""
    results = {}
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0, 3.0])
        i = lib.tensor(1)
        y = x[i]
        y.add_(10.0)
        m = lib.arange(24).reshape(2, 3, 4)
        z = m[i, :, lib.tensor([0, 2])]
        w = m[lib.tensor([1, 0]), i]
        results[lib.__name__] = (x.tolist(), tuple(y.shape), tuple(z.shape), z.tolist(), w.tolist(),
                                 m[i, i, i].item(), tuple(m[i, None].shape))
    assert results["chainrule"] == results["torch"]
