"""gradcheck fails where the Jacobian has NaN entries, as PyTorch's does (torch.allclose without equal_nan):
a NaN derivative is not a checked derivative. chainrule used to compare with equal_nan=True, so gradcheck
passed `sqrt` at a negative point in forward mode (slow and fast) where PyTorch's fails. Found through a
mutation survivor at `autograd/gradcheck.py: _fast_check` (`equal_nan=True` -> False changed nothing any
test saw). Every mode (slow, fast) x (backward, forward, both) x a few functions, against torch."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

FUNCTIONS: dict[str, tuple[Callable[[Any, Any], Any], list[float]]] = {
    "sqrt at -1": (lambda lib, t: t.sqrt(), [-1.0, 4.0]),
    "log at -2": (lambda lib, t: t.log(), [2.0, -2.0]),
    "x * nan": (lambda lib, t: t * float("nan"), [1.0, 2.0]),
    "sqrt, fine": (lambda lib, t: t.sqrt(), [1.0, 4.0]),
    "x^3, fine": (lambda lib, t: t ** 3, [0.5, -1.5]),
}
MODES = {"backward": (True, False), "forward": (False, True), "both": (True, True)}


def _check(lib: Any, name: str, fast: bool, mode: str) -> bool:
    fn, values = FUNCTIONS[name]
    backward, forward = MODES[mode]
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(lib.autograd.gradcheck(lambda t: fn(lib, t), (x,), fast_mode=fast, check_forward_ad=forward,
                                           check_backward_ad=backward, check_undefined_grad=False,
                                           raise_exception=False))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("fast", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_fails_on_nan_derivatives_as_torch(name: str, fast: bool, mode: str) -> None:
    expected = _check(torch, name, fast, mode)
    assert expected == ("fine" in name)  # the reference itself: NaN entries fail, finite ones pass
    assert _check(cr, name, fast, mode) == expected


def test_the_failure_names_the_nan_entries() -> None:
    x = cr.tensor([-1.0, 4.0], dtype=cr.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(cr.autograd.GradcheckError, match="nan"):
            cr.autograd.gradcheck(lambda t: t.sqrt(), (x,), check_forward_ad=True, check_backward_ad=False)
