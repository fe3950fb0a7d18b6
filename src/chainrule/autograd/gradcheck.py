"""Checking analytical gradients against float64 central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.grad_mode import enable_grad, no_grad
from chainrule.engine.tensor import Tensor, wrap


class GradcheckError(RuntimeError):
    """Raised when an analytical gradient disagrees with the numerical one."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]


def _compared(outs: list[Tensor]) -> Any:
    """The Jacobian columns compared: those of the outputs that require grad, as PyTorch's gradcheck (an output
    that depends on the input only through `detach()` is not checked); all of them when no output requires grad
    (then the analytical Jacobian is zero and the numerical one must be too)."""
    if not any(o.requires_grad for o in outs):
        return slice(None)
    return np.concatenate([np.full(o.array.size, o.requires_grad) for o in outs])


def _numerical_jacobian(fn: Callable, inputs: list[Any], k: int, eps: float, n_out: list[int]) -> np.ndarray:
    x = inputs[k]
    flat = x.array.reshape(-1)  # a view: perturb in place, then restore
    jac = np.zeros((flat.size, sum(n_out)))
    with no_grad():
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = np.concatenate([np.asarray(o.array, np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[i] = orig - eps
            minus = np.concatenate([np.asarray(o.array, np.float64).ravel() for o in _outputs(fn, inputs)])
            flat[i] = orig
            jac[i] = (plus - minus) / (2 * eps)
    return jac


def _analytical_jacobian(fn: Callable, inputs: list[Any], k: int, n_out: list[int], check_grad_dtypes: bool = False
                         ) -> np.ndarray:
    from chainrule.autograd.grad import grad

    x = inputs[k]
    outs = _outputs(fn, inputs)
    jac = np.zeros((x.array.size, sum(n_out)))
    col = 0
    for out in outs:
        if not out.requires_grad:
            col += out.array.size
            continue
        for j in range(out.array.size):
            seed = np.zeros(out.array.size, out.array.dtype)
            seed[j] = 1.0
            (g,) = grad(out, x, grad_outputs=wrap(seed.reshape(out.shape)), retain_graph=True,
                        allow_unused=True)
            if g is not None:
                if tuple(g.shape) != tuple(x.shape):
                    raise GradcheckError("Analytical gradient has incorrect size")
                if check_grad_dtypes and g.array.dtype != x.array.dtype:
                    raise GradcheckError("Gradient has dtype mismatch")
                jac[:, col] = np.asarray(g.array, np.float64).ravel()
            col += 1
    return jac


def _forward_jacobian(fn: Callable, inputs: list[Any], k: int, n_out: list[int]) -> np.ndarray:
    """Columns J e_i from chainrule's `jvp` (the double backward trick), one per element of input k."""
    from chainrule.func import jvp

    x = inputs[k]
    jac = np.zeros((x.array.size, sum(n_out)))
    for i in range(x.array.size):
        tangent = np.zeros(x.array.size, x.array.dtype)
        tangent[i] = 1.0

        def of_x(t: Tensor) -> tuple[Tensor, ...]:
            return tuple(_outputs(fn, inputs[:k] + [t] + inputs[k + 1:]))

        _, cols = jvp(of_x, (x.detach(),), (wrap(tangent.reshape(x.shape)),))
        jac[i] = np.concatenate([np.asarray(c.array, np.float64).ravel() for c in cols]) if cols else []
    return jac


def _mismatch(kind: str, k: int, x: Tensor, analytical: np.ndarray, numerical: np.ndarray, atol: float,
              rtol: float) -> str | None:
    bad = ~np.isclose(analytical, numerical, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return None
    i, j = map(int, np.argwhere(bad)[0])
    where = np.unravel_index(i, x.shape) if x.ndim else ()
    return (f"gradcheck: {kind}Jacobian mismatch for input {k}, element {tuple(map(int, where))}, output element "
            f"{j}: analytical {float(analytical[i, j])!r} vs numerical {float(numerical[i, j])!r} "
            f"({int(bad.sum())} of {bad.size} entries differ; atol={atol}, rtol={rtol})")


def _check_undefined_grad(fn: Callable, inputs: list[Any], checked: list[int]) -> str | None:
    """With all-zero output gradients every input gradient must be zero or unused (PyTorch's undefined grads)."""
    from chainrule.autograd.grad import grad

    outs = [o for o in _outputs(fn, inputs) if o.requires_grad]
    if not outs:
        return None
    try:
        grads = grad(outs, [inputs[k] for k in checked], [wrap(np.zeros_like(o.array)[()]) for o in outs],
                     allow_unused=True)
    except RuntimeError as e:
        return f"Expected backward function to handle undefined output grads ({e})"
    if any(g is not None and np.any(g.array != 0) for g in grads):
        return ("Expected all input grads to be undefined or zero when all output grads are undefined or zero "
                "(here: all-zero output gradients gave a non-zero input gradient)")
    return None


def _fast_check(fn: Callable, inputs: list[Any], checked: list[int], eps: float, atol: float, rtol: float,
                nondet_tol: float, check_backward_ad: bool, check_forward_ad: bool) -> str | None:
    """PyTorch's fast mode: with random unit vectors u (per input) and v (per output), compare the scalar
    v^T J u from the engine (one backward pass per output, then a dot with u) with v^T (J u) from one central
    difference along u; atol is scaled by sum(u) * sum(v), as PyTorch does. A fixed-seed generator of its own
    keeps the user's random state untouched."""
    from chainrule.autograd.grad import grad

    rng = np.random.default_rng(0)
    outs = _outputs(fn, inputs)
    skip = [any(o.requires_grad for o in outs) and not o.requires_grad for o in outs]  # as `_compared`
    us = {}
    for k in checked:
        u = rng.random(inputs[k].array.size)
        us[k] = u / np.linalg.norm(u)
    vs = []
    for o in outs:
        v = rng.random(o.array.size)
        vs.append(v / (np.linalg.norm(v) or 1.0))
    for k in checked:
        x = inputs[k]
        flat = x.array.reshape(-1)
        orig = flat.copy()
        with no_grad():
            flat[:] = orig + eps * us[k]
            plus = [np.asarray(o.array, np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[:] = orig - eps * us[k]
            minus = [np.asarray(o.array, np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[:] = orig
        ju_numerical = [(p - m) / (2 * eps) for p, m in zip(plus, minus)]
        if check_forward_ad:
            from chainrule.func import jvp

            def of_x(t: Tensor, k: int = k) -> tuple[Tensor, ...]:
                return tuple(_outputs(fn, inputs[:k] + [t] + inputs[k + 1:]))

            _, cols = jvp(of_x, (x.detach(),), (wrap(us[k].reshape(x.shape).astype(x.array.dtype)),))
            for j, (c, n) in enumerate(zip(cols, ju_numerical)):
                if skip[j]:
                    continue
                a = np.asarray(c.array, np.float64).ravel()
                tol = atol * us[k].sum()
                if not np.allclose(a, n, rtol=rtol, atol=tol, equal_nan=False):
                    return (f"gradcheck (fast mode): forward-mode Jacobian mismatch for output {j} with respect to "
                            f"input {k}: analytical J u {a!r} vs numerical {n!r}")
        if not check_backward_ad:
            continue
        for j, (o, v, n) in enumerate(zip(outs, vs, ju_numerical)):
            if skip[j]:
                continue
            numerical = float(v @ n)
            vjs = []
            for _ in range(2):  # twice, to check that backward is deterministic (reentrant)
                g = None
                if o.requires_grad:
                    (g,) = grad(o, x, grad_outputs=wrap(v.reshape(o.shape).astype(o.array.dtype)),
                                retain_graph=True, allow_unused=True)
                vjs.append(np.zeros(us[k].size) if g is None else np.asarray(g.array, np.float64).ravel())
            if np.any(np.abs(vjs[0] - vjs[1]) > nondet_tol):  # as PyTorch: v^T J itself, an absolute bound
                return _NOT_REENTRANT.format(nondet_tol=nondet_tol)
            analytical = float(vjs[0] @ us[k])
            tol = atol * us[k].sum() * v.sum()
            if not np.isclose(analytical, numerical, rtol=rtol, atol=tol, equal_nan=False):
                return (f"gradcheck (fast mode): Jacobian mismatch for output {j} with respect to input {k}: "
                        f"analytical v^T J u {analytical!r} vs numerical {numerical!r} (atol={tol:.3g} scaled "
                        f"by sum(u) * sum(v), rtol={rtol}); run with fast_mode=False for the mismatching entries")
    return None


_NOT_REENTRANT = ("Backward is not reentrant, i.e., running backward with same input and grad_output multiple times "
                  "gives different values, although analytical gradient matches numerical gradient. The tolerance "
                  "for nondeterminism was {nondet_tol}.")


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, *, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Compare the engine's gradients of `fn(*inputs)` with float64 central differences, with
    `torch.autograd.gradcheck`'s keyword arguments.

    Inputs that require grad are checked; they should be float64 (float32 differences are too coarse).
    Returns True, or raises `GradcheckError` naming the input, the element, the output element and both
    values (or returns False when `raise_exception=False`).

    - `fast_mode=True`: PyTorch's fast gradcheck, one random projection v^T J u per (output, input) pair
      instead of the whole Jacobian (see `_fast_check`).
    - `nondet_tol`: backward runs twice; the two results may differ by this much (else "not reentrant").
    - `check_undefined_grad`: all-zero output gradients must give zero (or no) input gradients.
    - `check_grad_dtypes`: each gradient must have its input's dtype.
    - `check_forward_ad`: also compare forward-mode products (chainrule's `func.jvp`) with the differences;
      `check_backward_ad=False` skips the reverse-mode comparison.
    - `check_batched_grad`, `check_batched_forward_grad`, `masked`: accepted; chainrule's `vmap` runs the same
      backward once per example, so there is no separate batched rule to check.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    ins = list(_as_tuple(inputs))
    checked = [k for k, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")

    def fail(message: str) -> bool:
        if raise_exception:
            raise GradcheckError(message)
        return False

    for k in checked:
        if ins[k].array.dtype != np.float64:
            return fail(f"gradcheck: input {k} has dtype {ins[k].dtype}; use float64 inputs "
                        f"(finite differences in lower precision are not reliable)")
        data = ins[k]._shared_array()
        ins[k]._data = np.ascontiguousarray(data).reshape(data.shape)  # 0-d stays 0-d
    if fast_mode:
        message = _fast_check(fn, ins, checked, eps, atol, rtol, nondet_tol, check_backward_ad, check_forward_ad)
        if message is not None:
            return fail(message)
    else:
        outs = _outputs(fn, ins)
        n_out, cols = [o.array.size for o in outs], _compared(outs)
        for k in checked:
            numerical = _numerical_jacobian(fn, ins, k, eps, n_out)[:, cols]
            if check_backward_ad:
                try:
                    analytical = _analytical_jacobian(fn, ins, k, n_out, check_grad_dtypes)[:, cols]
                except GradcheckError as e:
                    return fail(str(e))
                message = _mismatch("", k, ins[k], analytical, numerical, atol, rtol)
                if message is not None:
                    return fail(message)
                again = _analytical_jacobian(fn, ins, k, n_out)[:, cols]
                if np.any(np.abs(again - analytical) > nondet_tol):  # as PyTorch: an absolute bound
                    return fail(_NOT_REENTRANT.format(nondet_tol=nondet_tol))
            if check_forward_ad:
                forward = _forward_jacobian(fn, ins, k, n_out)[:, cols]
                message = _mismatch("forward-mode ", k, ins[k], forward, numerical, atol, rtol)
                if message is not None:
                    return fail(message)
    if check_undefined_grad and check_backward_ad:
        message = _check_undefined_grad(fn, ins, checked)
        if message is not None:
            return fail(message)
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the gradient itself (second derivatives through `create_graph=True`), as
    `torch.autograd.gradgradcheck`: the gradient is taken with `grad_outputs` (by default random values in
    [-1, 1] from a fixed-seed generator, requiring grad), and both the inputs and the grad_outputs that require
    grad are checked. `gen_non_contig_grad_outputs`, `check_batched_grad` and `masked` are accepted and have no
    effect; `check_fwd_over_rev` becomes gradcheck's `check_forward_ad`."""
    from chainrule.autograd.grad import grad

    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    ins = list(_as_tuple(inputs))
    checked = [k for k, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _outputs(fn, ins) if o.requires_grad]
        gos = [wrap(rng.uniform(-1.0, 1.0, o.shape).astype(o.array.dtype if o.array.dtype.kind == "f"
                                                                   else np.float64)[()], None, True) for o in outs]
    else:
        gos = list(_as_tuple(grad_outputs))
    n_go = len(gos)

    def first_grads(*xs: Any) -> tuple:
        args, go = list(xs[:len(xs) - n_go]), list(xs[len(xs) - n_go:])
        with enable_grad():  # also when the finite differences evaluate this under no_grad
            outs = [o for o in _outputs(fn, args) if o.requires_grad]
            if len(outs) != len(go):
                raise ValueError(f"gradgradcheck: {len(go)} grad_outputs for {len(outs)} differentiable outputs")
            gs = grad(outs, [args[k] for k in checked], go, create_graph=True, allow_unused=True)
            return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, ins + gos, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                     nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, fast_mode=fast_mode)


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-7, central: bool = False) -> float:
    """The difference quotient (f(x + h) - f(x)) / h for a function of one variable (or the central
    difference (f(x + h) - f(x - h)) / 2h when `central=True`)."""
    x = float(x)
    if central:
        return (float(f(x + h)) - float(f(x - h))) / (2 * h)
    return (float(f(x + h)) - float(f(x))) / h
