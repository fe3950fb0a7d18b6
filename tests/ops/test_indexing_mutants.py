"""Indexing a 0-d tensor with more indices than it has dimensions is an IndexError whose message says so, as
PyTorch's ("too many indices for tensor of dimension 0"). A 0-d tensor's value is kept as a NumPy scalar, whose
own indexing error reads "invalid index to scalar variable." and names no dimension; the forward indexes a
0-d ndarray instead (a mutation survivor at `ops/indexing.py: _getitem_forward`, the ndarray fast path's
`type(x) is np.ndarray` -> `is not`, which sent NumPy scalars to their own indexing). The indices that
PyTorch accepts on a 0-d tensor give its shapes, values and gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

TOO_MANY: dict[str, Callable[[Any, Any], Any]] = {
    "t[[0]]": lambda lib, t: t[[0]],
    "t[tensor([0])]": lambda lib, t: t[lib.tensor([0])],
    "t[tensor(0)]": lambda lib, t: t[lib.tensor(0)],
    "t[tensor([True])]": lambda lib, t: t[lib.tensor([True])],
    "t[tensor([[True]])]": lambda lib, t: t[lib.tensor([[True]])],
    "t[None, tensor([0])]": lambda lib, t: t[None, lib.tensor([0])],
    "t[..., tensor([0])]": lambda lib, t: t[..., lib.tensor([0])],
    "t[[0, 0]]": lambda lib, t: t[[0, 0]],
}


def _fresh(lib: Any) -> Any:
    return lib.tensor(1.5, dtype=lib.float64, requires_grad=True) * 2  # a 0-d result: its value a NumPy scalar


@pytest.mark.parametrize("case", sorted(TOO_MANY))
def test_too_many_indices_on_a_0d_tensor(case: str) -> None:
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
        TOO_MANY[case](torch, _fresh(torch))
    with pytest.raises(IndexError, match="too many indices") as info:
        TOO_MANY[case](cr, _fresh(cr))
    assert "0-dimensional" in str(info.value) and "shape ()" in str(info.value)


def test_an_integer_on_a_0d_tensor_is_refused_naming_the_dimension() -> None:
    with pytest.raises(IndexError, match="0-dim"):
        _fresh(torch)[0]
    with pytest.raises(IndexError, match="0-dim"):
        _fresh(cr)[0]


ACCEPTED: dict[str, Callable[[Any, Any], Any]] = {
    "t[None]": lambda lib, t: t[None],
    "t[...]": lambda lib, t: t[...],
    "t[()]": lambda lib, t: t[()],
    "t[True]": lambda lib, t: t[True],
    "t[False]": lambda lib, t: t[False],
    "t[None, None]": lambda lib, t: t[None, None],
    "t[tensor(True)]": lambda lib, t: t[lib.tensor(True)],
    "t[tensor(False)]": lambda lib, t: t[lib.tensor(False)],
    "t[None, ...]": lambda lib, t: t[None, ...],
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_the_indices_a_0d_tensor_takes(case: str) -> None:
    def run(lib: Any) -> tuple[tuple, list, float]:
        leaf = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        out = ACCEPTED[case](lib, leaf * 2)
        (out * 3).sum().backward()
        return tuple(out.shape), out.detach().numpy().tolist(), float(leaf.grad)

    ours, theirs = run(cr), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=0)
    assert ours[2] == theirs[2]
