"""Tests for the survivors of the fresh seed-303 mutation sample in engine and ops' operator checks
(docs/testing.md), against PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [(2.0, 3.0), (1.5, 2), (2.0, 3.0, 4.0)], ids=str)
def test_tensor_constructor_refuses_several_floats(args: tuple) -> None:
    # Tensor(2, 3) is a shape; Tensor(2.0, 3.0) is neither a shape nor one piece of data (engine/tensor.py:
    # Tensor.__init__'s one-float fast path must take exactly one argument)
    with pytest.raises(TypeError):
        torch.Tensor(*args)
    with pytest.raises(TypeError):
        cr.Tensor(*args)


@pytest.mark.parametrize("args", [(2, 3), ([1.5, 2.0],), (), ([[1.0], [2.5]],)], ids=str)
def test_tensor_constructor_forms_torch_accepts(args: tuple) -> None:
    ours, theirs = cr.Tensor(*args), torch.Tensor(*args)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype).split(".")[-1] == "float32"
    if args and not isinstance(args[0], int):
        assert ours.tolist() == theirs.tolist()


SUBTRACTIONS: dict[str, Callable[[Any], Any]] = {
    "bool - int": lambda m: m.tensor([True, False]) - m.tensor([1, 2]),
    "int - bool": lambda m: m.tensor([1, 2]) - m.tensor([True, False]),
    "bool - 1": lambda m: m.tensor([True]) - 1,
    "1 - bool": lambda m: 1 - m.tensor([True]),
    "float - True": lambda m: m.tensor([1.5]) - True,
    "True - float": lambda m: True - m.tensor([1.5]),
    "sub(float, bool)": lambda m: m.sub(m.tensor([2.0]), m.tensor([True])),
    "float.sub(0-d bool)": lambda m: m.tensor([2.0]).sub(m.tensor(True)),
    "float -= bool": lambda m: m.tensor([2.0]).sub_(m.tensor([True])),
}


@pytest.mark.parametrize("case", sorted(SUBTRACTIONS))
def test_subtracting_with_one_bool_operand_raises(case: str) -> None:
    # (ops/elementwise.py: the bool check needs either operand to be bool, not both)
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is not supported"):
        SUBTRACTIONS[case](torch)
    with pytest.raises(RuntimeError, match="(?i)subtraction, the `-` operator, with a bool tensor is not supported"):
        SUBTRACTIONS[case](cr)


@pytest.mark.parametrize("shapes", [((2,), (2,)), ((), ()), ((2,), ())], ids=str)
def test_subtracting_two_bool_tensors_raises(shapes: tuple) -> None:
    # NumPy refuses bool - bool with a TypeError; PyTorch's RuntimeError and wording are given instead
    def run(m: Any) -> Any:
        a, b = (m.ones(s, dtype=m.bool) for s in shapes)
        return a - b

    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors is not supported"):
        run(torch)
    with pytest.raises(RuntimeError, match="(?i)subtraction, the `-` operator, with a bool tensor is not supported"):
        run(cr)
