"""Tests for the survivors of the fresh seed-404 mutation sample in autograd (docs/testing.md), against
PyTorch: `hessian(..., outer_jacobian_strategy="forward-mode")`, which no test ran (the survivor there is
equivalent, see scripts/mutate.py), values and the errors torch gives for strict and create_graph, for three
kinds of function x strict x create_graph."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

FUNCTIONS = {
    "cubic": lambda x: (x ** 3).sum() + (x[0] * x[1]).sin(),
    "linear": lambda x: (x * 2).sum(),
    "constant": lambda x: (x * 0).sum() + 1,
}


def _hessian(lib: Any, name: str, strict: bool, create_graph: bool) -> Any:
    x = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64)
    try:
        h = lib.autograd.functional.hessian(FUNCTIONS[name], x, vectorize=True, strict=strict,
                                            create_graph=create_graph, outer_jacobian_strategy="forward-mode")
    except RuntimeError as e:
        return ("RuntimeError", "independent" in str(e) or "does not require" in str(e))
    # (not compared: whether h requires grad; torch's forward-mode result does even without create_graph)
    return (h.detach().numpy().round(10).tolist(), bool(x.requires_grad))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_forward_mode_hessian_as_torch(name: str, strict: bool, create_graph: bool) -> None:
    assert _hessian(cr, name, strict, create_graph) == _hessian(torch, name, strict, create_graph)


def test_forward_mode_hessian_matches_reverse_mode() -> None:
    x = cr.tensor([0.5, -1.5, 2.0], dtype=cr.float64)
    f = FUNCTIONS["cubic"]
    fwd = cr.autograd.functional.hessian(f, x, vectorize=True, outer_jacobian_strategy="forward-mode")
    rev = cr.autograd.functional.hessian(f, x)
    np.testing.assert_allclose(fwd.numpy(), rev.numpy(), rtol=1e-12)


def _off_by_one_percent(lib: Any) -> Any:
    """x -> x^3 with a correct first derivative (3x^2) whose own derivative is 1% off (6.06x, not 6x)."""

    class Square3(lib.autograd.Function):  # x -> 3x^2, its backward 1% off
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return 3 * x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * 6.06 * x

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * Square3.apply(x)

    return Cube.apply


@pytest.mark.parametrize("rtol", [None, 0.05])
def test_gradgradcheck_default_rtol_catches_a_one_percent_error(rtol: float | None) -> None:
    # gradgradcheck's rtol defaults to 1e-3, as torch's: a second derivative 1% off fails; rtol=0.05 passes it
    kwargs = {} if rtol is None else {"rtol": rtol}
    results = []
    for lib in (torch, cr):
        x = lib.tensor([0.5, 1.25, 2.0], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(_off_by_one_percent(lib), (x,))
        results.append(bool(lib.autograd.gradgradcheck(_off_by_one_percent(lib), (x,), raise_exception=False,
                                                       **kwargs)))
    assert results == [rtol is not None] * 2


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_of_an_empty_output(vectorize: bool) -> None:
    # no rows to stack: by its definition (torch's docs: shape out.shape + in.shape) the Jacobian is an empty
    # (0, 3) tensor (autograd/functional.py: jacobian's zeros for an output without rows). torch 2.13 itself
    # raises here ("stack expects a non-empty TensorList" / an IndexError with vectorize=True).
    x = cr.tensor([0.5, 1.5, 2.5], dtype=cr.float64)
    j = cr.autograd.functional.jacobian(lambda t: t[:0] * 2, x, vectorize=vectorize)
    empty, total = cr.autograd.functional.jacobian(lambda t: (t[:0] * 2, t.sum()), x, vectorize=vectorize)
    assert tuple(j.shape) == tuple(empty.shape) == (0, 3)
    assert tuple(total.shape) == (3,) and total.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("returned", ["tensor", "none-tuple", "none"])
def test_a_full_backward_hook_without_input_gradients_may_only_return_none(returned: str) -> None:
    # no input requires grad: the hook fires with the output gradients and must return None (or Nones), as
    # torch's (autograd/backward_hook.py)
    import warnings

    for lib in (torch, cr):
        m = lib.nn.Linear(2, 2)
        value = {"tensor": lambda lib=lib: (lib.ones(2),), "none-tuple": lambda: (None,),
                 "none": lambda: None}[returned]
        m.register_full_backward_hook(lambda mod, gi, go, value=value: value())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if returned == "tensor":
                with pytest.raises(RuntimeError, match="should always return None or None for all gradients"):
                    m(lib.ones(1, 2)).sum().backward()
            else:
                m(lib.ones(1, 2)).sum().backward()
                assert m.weight.grad is not None
