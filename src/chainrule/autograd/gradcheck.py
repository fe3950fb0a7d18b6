"""Checking analytical gradients against float64 central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.grad_mode import enable_grad, no_grad
from chainrule.engine.tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised when an analytical gradient disagrees with the numerical one."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]


def _numerical_jacobian(fn: Callable, inputs: list[Any], k: int, eps: float, n_out: list[int]) -> np.ndarray:
    x = inputs[k]
    flat = x._data.reshape(-1)  # a view: perturb in place, then restore
    jac = np.zeros((flat.size, sum(n_out)))
    with no_grad():
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = np.concatenate([np.asarray(o._data, np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[i] = orig - eps
            minus = np.concatenate([np.asarray(o._data, np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[i] = orig
            jac[i] = (plus - minus) / (2 * eps)
    return jac


def _analytical_jacobian(fn: Callable, inputs: list[Any], k: int, n_out: list[int]) -> np.ndarray:
    from chainrule.autograd.grad import grad

    x = inputs[k]
    outs = _outputs(fn, inputs)
    jac = np.zeros((x._data.size, sum(n_out)))
    col = 0
    for out in outs:
        if not out.requires_grad:
            col += out._data.size
            continue
        for j in range(out._data.size):
            seed = np.zeros(out._data.size, out._data.dtype)
            seed[j] = 1.0
            (g,) = grad(out, x, grad_outputs=Tensor._make(seed.reshape(out.shape)), retain_graph=True,
                        allow_unused=True)
            if g is not None:
                jac[:, col] = np.asarray(g._data, np.float64).ravel()
            col += 1
    return jac


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare the engine's gradients of `fn(*inputs)` with float64 central differences, element by element.

    Inputs that require grad are checked; they should be float64 (float32 differences are too coarse).
    Returns True, or raises `GradcheckError` naming the input, the element, the output element and both
    values (or returns False when `raise_exception=False`).
    """
    ins = list(_as_tuple(inputs))
    checked = [k for k, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: at least one input tensor must have requires_grad=True")
    for k in checked:
        if ins[k]._data.dtype != np.float64:
            raise GradcheckError(f"gradcheck: input {k} has dtype {ins[k].dtype}; use float64 inputs "
                                 f"(finite differences in lower precision are not reliable)")
        shared = ins[k]._shared_array()  # (ascontiguousarray alone makes a 0-d array 1-d)
        ins[k]._data = np.ascontiguousarray(shared).reshape(shared.shape)
    n_out = [o._data.size for o in _outputs(fn, ins)]
    for k in checked:
        numerical = _numerical_jacobian(fn, ins, k, eps, n_out)
        analytical = _analytical_jacobian(fn, ins, k, n_out)
        bad = ~np.isclose(analytical, numerical, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            where = np.unravel_index(i, ins[k].shape) if ins[k].ndim else ()
            message = (f"gradcheck: Jacobian mismatch for input {k}, element {tuple(map(int, where))}, "
                       f"output element {j}: analytical {float(analytical[i, j])!r} vs numerical "
                       f"{float(numerical[i, j])!r} "
                       f"({int(bad.sum())} of {bad.size} entries differ; atol={atol}, rtol={rtol})")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3) -> bool:
    """gradcheck of the gradient itself (second derivatives through `create_graph=True`)."""
    from chainrule.autograd.grad import grad
    from chainrule.ops.reductions import sum as _sum

    ins = list(_as_tuple(inputs))
    checked = [k for k, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]

    def first_grads(*xs: Any) -> tuple:
        with enable_grad():  # also when the finite differences evaluate this under no_grad
            total = None
            for o in _outputs(fn, xs):
                s = _sum(o)
                total = s if total is None else total + s
            return tuple(grad(total, [xs[k] for k in checked], create_graph=True, allow_unused=True,
                              materialize_grads=True))

    return gradcheck(first_grads, ins, eps=eps, atol=atol, rtol=rtol)


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-7, central: bool = False) -> float:
    """The difference quotient (f(x + h) - f(x)) / h for a function of one variable (or the central
    difference (f(x + h) - f(x - h)) / 2h when `central=True`)."""
    x = float(x)
    if central:
        return (float(f(x + h)) - float(f(x - h))) / (2 * h)
    return (float(f(x + h)) - float(f(x))) / h
