"""A custom autograd.Function without `forward` is refused before anything runs, with PyTorch's exception type
and wording, and the message names the class (the standard for bad input: name the operation). A mutation
survivor at `autograd/function.py: Function.apply` (the class-level check removed: the base `forward` then
raised the same NotImplementedError, without the class's name). Checked for both styles (forward taking ctx,
and setup_context), with and without grad mode."""

from __future__ import annotations

import re
from typing import Any

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

WORDING = "You must implement the forward function for custom autograd.Function."


def _classes(lib: Any) -> dict[str, type]:
    class NoForward(lib.autograd.Function):
        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    class NoForwardSetup(lib.autograd.Function):
        @staticmethod
        def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
            pass

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    return {"NoForward": NoForward, "NoForwardSetup": NoForwardSetup}


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("name", ["NoForward", "NoForwardSetup"])
def test_a_function_without_forward_is_refused_naming_it(name: str, requires_grad: bool) -> None:
    with pytest.raises(NotImplementedError, match=re.escape(WORDING)):
        _classes(torch)[name].apply(torch.ones(2, requires_grad=requires_grad))
    with pytest.raises(NotImplementedError) as info:
        _classes(cr)[name].apply(cr.ones(2, requires_grad=requires_grad))
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert WORDING.lower() in message.lower()


def test_a_forward_inherited_from_a_user_base_class_is_used() -> None:
    def make(lib: Any) -> type:
        class Base(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 3

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g * 3

        class Child(Base):
            pass

        return Child

    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        make(lib).apply(x).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
