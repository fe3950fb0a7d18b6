"""Functional transforms in the style of JAX and `torch.func`: `grad`, `value_and_grad`, `vjp`, `jvp`,
`jacrev`, `hessian`. They compose: `grad(grad(f))` gives second derivatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autograd.grad import grad as autograd_grad
from chainrule.engine.grad_mode import enable_grad
from chainrule.engine.tensor import Tensor, tensor_from_data


def _argnums(argnums: int | Sequence[int], n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"argnums {a} is out of range for a function called with {n} positional arguments")
    return tuple(a % n for a in nums)


def _track(x: Any, where: str) -> Tensor:
    """A differentiable stand-in for an argument: a fresh leaf, or (inside an outer transform) an alias
    that stays connected to the outer graph so transforms nest."""
    if not isinstance(x, Tensor):
        x = tensor_from_data(x)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{where}: differentiated arguments must be floating point, got {x.dtype}")
    if x.requires_grad:
        from chainrule.ops.registry import apply
        from chainrule.ops.shape_ops import RESHAPE

        return apply(RESHAPE, (x,), {"shape": tuple(x.shape)})
    return x.detach().requires_grad_(True)


def _split_aux(result: Any, has_aux: bool, where: str) -> tuple[Tensor, Any]:
    if has_aux:
        if not isinstance(result, tuple) or len(result) != 2:
            raise ValueError(f"{where}: with has_aux=True the function must return (output, aux)")
        return result[0], result[1]
    return result, None


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
                   ) -> Callable[..., Any]:
    """`value_and_grad(f)(*args)` returns (f(*args), df/dargs[argnums]); f must return a one-element tensor."""

    def wrapped(*args: Any) -> Any:
        nums = _argnums(argnums, len(args))
        nested = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        call_args = list(args)
        for i in nums:
            call_args[i] = _track(args[i], "grad")
        with enable_grad():
            result = fn(*call_args)
        out, aux = _split_aux(result, has_aux, "grad")
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"grad: the function must return a one-element tensor, got {shape}; "
                               f"use vjp or jacrev for non-scalar outputs")
        if out.requires_grad:
            grads = autograd_grad(out, [call_args[i] for i in nums], create_graph=nested, allow_unused=True,
                                  materialize_grads=True)
        else:
            grads = tuple(Tensor._make(np.zeros_like(call_args[i]._data)[()]) for i in nums)
        if not nested:
            out = out.detach()
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        return ((out, aux), g) if has_aux else (out, g)

    return wrapped


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """`grad(f)(*args)`: the gradient of a scalar-valued f with respect to args[argnums]."""
    vg = value_and_grad(fn, argnums, has_aux)

    def wrapped(*args: Any) -> Any:
        (value, g) = vg(*args)
        if has_aux:
            return g, value[1]
        return g

    return wrapped


def vjp(fn: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Tensor, ...]]]:
    """`out, vjp_fn = vjp(f, *primals)`; `vjp_fn(v)` returns v^T J for each primal (callable repeatedly)."""
    nested = any(isinstance(p, Tensor) and p.requires_grad for p in primals)
    tracked = [_track(p, "vjp") for p in primals]
    with enable_grad():
        out = fn(*tracked)

    def vjp_fn(cotangent: Any) -> tuple[Tensor, ...]:
        if not isinstance(out, Tensor) or not out.requires_grad:
            return tuple(Tensor._make(np.zeros_like(t._data)[()]) for t in tracked)
        return autograd_grad(out, tracked, grad_outputs=cotangent, retain_graph=True, create_graph=nested,
                             allow_unused=True, materialize_grads=True)

    return (out if nested or not isinstance(out, Tensor) else out.detach()), vjp_fn


def jvp(fn: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """Forward-mode product J v, computed by differentiating a VJP with respect to its cotangent."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    for i, (p, t) in enumerate(zip(primals, tangents)):
        if tuple(np.shape(p)) != tuple(np.shape(t)):
            raise ValueError(f"jvp: tangent {i} has shape {tuple(np.shape(t))}, expected {tuple(np.shape(p))}")
    tracked = [_track(p, "jvp") for p in primals]
    with enable_grad():
        out = fn(*tracked)
        dummy = Tensor._make(np.zeros_like(out._data)[()], None, True)
        pulled = autograd_grad(out, tracked, grad_outputs=dummy, create_graph=True, allow_unused=True,
                               materialize_grads=True)
        used = [(g, t) for g, t in zip(pulled, tangents) if g.requires_grad]
        if not used:
            return out.detach(), Tensor._make(np.zeros_like(out._data)[()])
        (jv,) = autograd_grad([g for g, _ in used], dummy,
                              grad_outputs=[t if isinstance(t, Tensor) else Tensor(t) for _, t in used],
                              allow_unused=True, materialize_grads=True)
    return out.detach(), jv


def jacrev(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Tensor]:
    """`jacrev(f)(*args)`: the Jacobian of f with respect to args[argnums], shape out.shape + arg.shape."""

    def wrapped(*args: Any) -> Tensor:
        (i,) = _argnums(argnums, len(args))
        nested = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        call_args = list(args)
        call_args[i] = x = _track(args[i], "jacrev")
        with enable_grad():
            out = fn(*call_args)
        rows = []
        flat_n = out._data.size
        for j in range(flat_n):
            seed = np.zeros(flat_n, out._data.dtype)
            seed[j] = 1
            (g,) = autograd_grad(out, x, grad_outputs=Tensor._make(seed.reshape(out.shape)), retain_graph=True,
                                 create_graph=nested, allow_unused=True, materialize_grads=True)
            rows.append(g)
        from chainrule.ops.joins import stack
        from chainrule.ops.shape_ops import reshape

        if not rows:
            return Tensor._make(np.zeros(tuple(out.shape) + tuple(x.shape), x._data.dtype))
        return reshape(stack(rows), tuple(out.shape) + tuple(x.shape))

    return wrapped


jacobian = jacrev


def hessian(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Tensor]:
    """`hessian(f)(x)`: second derivatives of a scalar f, shape x.shape + x.shape (meant for small x)."""
    return jacrev(grad(fn, argnums), argnums)
