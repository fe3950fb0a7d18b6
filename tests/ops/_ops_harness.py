"""Shared machinery of the op tests: a table row (`Case`), input generation, and the comparison of
chainrule against PyTorch (values, gradients, gradients through create_graph=True, second derivatives).

An op is written once as `fn(m, *inputs)` where `m` is either `chainrule` or `TORCH` (PyTorch with
`torch.nn.functional` folded in), so one lambda drives both libraries on the same data.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch  # a missing torch is an error: the parity tests never skip silently

import chainrule as cr

torch.set_default_dtype(torch.float32)


class _TorchNamespace:
    """`torch` plus `torch.nn.functional` under one roof (cr.pad, cr.gelu ... live at the top level)."""

    _FUNCTIONAL = {"gelu", "silu", "elu", "leaky_relu", "softplus", "pad", "logsigmoid", "hardtanh"}

    def __getattr__(self, name: str) -> Any:
        if name in self._FUNCTIONAL:
            return getattr(torch.nn.functional, name)
        return getattr(torch, name)


TORCH = _TorchNamespace()

TOL = {  # (rtol, atol) per dtype
    "float64": (1e-10, 1e-12),
    "float32": (1e-5, 1e-6),
}


@dataclasses.dataclass
class Case:
    """One row of the op table.

    shapes: the input shapes (float inputs, generated from `domain`); or `data`: explicit float64 arrays.
    grad: whether the op is differentiable; gradgrad: whether the second-derivative parity is checked.
    """

    name: str
    fn: Callable[..., Any]
    shapes: Sequence[tuple[int, ...]] = ((3, 4),)
    domain: str = "any"
    data: Sequence[Any] | None = None
    grad: bool = True
    gradgrad: bool = True
    gradcheck: bool = True
    tol32: tuple[float, float] | None = None
    tol64: tuple[float, float] | None = None

    def __str__(self) -> str:
        return self.name


def _sample(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    if domain == "any":
        return rng.standard_normal(shape)
    if domain == "pos":  # away from 0 (log, sqrt, rsqrt, division)
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":  # both signs, away from 0 (abs, sign, division, pow with negative base)
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "unit":  # (-0.9, 0.9)
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "distinct":  # well-separated values: no accidental ties in max/min/sort-like ops
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.37 - n * 0.15 + rng.uniform(-0.05, 0.05, n)).reshape(shape)
    raise ValueError(domain)


def make_inputs(case: Case, seed: int = 0) -> list[np.ndarray]:
    if case.data is not None:
        return [np.asarray(d, dtype=np.float64) for d in case.data]
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + seed)
    return [_sample(rng, s, case.domain) for s in case.shapes]


def flat_outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, tuple | list) else [out]


def to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():  # what torch returns for some second derivatives that are identically 0
            return np.zeros(tuple(t.shape), str(t.dtype).replace("torch.", ""))
        return t.detach().numpy()
    return np.asarray(t.detach().numpy() if isinstance(t, cr.Tensor) else t)


def dtype_name(t: Any) -> str:
    return str(t.dtype).replace("torch.", "").replace("chainrule.", "")


def assert_close(actual: Any, expected: Any, tol: tuple[float, float], what: str) -> None:
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    if e.dtype == np.float32:  # an op may produce float32 from float64 inputs (a cast inside the op)
        tol = (max(tol[0], TOL["float32"][0]), max(tol[1], TOL["float32"][1]))
    if e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=what)
    else:
        np.testing.assert_allclose(a, e, rtol=tol[0], atol=tol[1], equal_nan=True, err_msg=what)


def _inputs(arrays: list[np.ndarray], dtype: str, requires_grad: bool) -> tuple[list, list]:
    cr_in = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=requires_grad) for a in arrays]
    t_in = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=requires_grad) for a in arrays]
    return cr_in, t_in


def _zeros_if_none(g: Any, like: Any) -> Any:
    return to_numpy(g) if g is not None else np.zeros(tuple(like.shape))


def check_parity(case: Case, dtype: str) -> None:
    """Value, gradient (plain and with create_graph=True) and, in float64, second-derivative parity."""
    tol = (case.tol64 if dtype == "float64" else case.tol32) or TOL[dtype]
    arrays = make_inputs(case)
    cr_in, t_in = _inputs(arrays, dtype, case.grad)
    cr_out, t_out = flat_outputs(case.fn(cr, *cr_in)), flat_outputs(case.fn(TORCH, *t_in))
    assert len(cr_out) == len(t_out), f"{case.name}: {len(cr_out)} outputs, torch gives {len(t_out)}"
    for i, (c, t) in enumerate(zip(cr_out, t_out)):
        assert isinstance(c, cr.Tensor), f"{case.name}: output {i} is a {type(c).__name__}"
        assert dtype_name(c) == dtype_name(t), f"{case.name}: output {i} dtype {c.dtype} vs torch {t.dtype}"
        assert_close(c, t, tol, f"{case.name}[{dtype}] value of output {i}")
        assert c.requires_grad == t.requires_grad, (
            f"{case.name}: output {i} requires_grad={c.requires_grad}, torch says {t.requires_grad}")
    if not case.grad:
        return
    diff = [i for i, t in enumerate(t_out) if t.requires_grad]
    if not diff:
        return
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(t_out[i].shape)) for i in diff]
    # the weights (grad_outputs) require grad too, so that the second-order check also differentiates each
    # VJP with respect to its upstream gradient: d/dw <v, J^T w> = J v, every VJP's own VJP
    t_w = [torch.tensor(w, dtype=t_out[i].dtype, requires_grad=True) for w, i in zip(weights, diff)]
    t_g = torch.autograd.grad([t_out[i] for i in diff], t_in, t_w, allow_unused=True, create_graph=True)
    for create_graph in (False, True):
        cr_in, _ = _inputs(arrays, dtype, True)
        cr_out = flat_outputs(case.fn(cr, *cr_in))
        cr_w = [cr.tensor(w, dtype=cr_out[i].dtype, requires_grad=create_graph) for w, i in zip(weights, diff)]
        cr_g = cr.autograd.grad([cr_out[i] for i in diff], cr_in, cr_w, allow_unused=True,
                                create_graph=create_graph)
        for k, (c, t) in enumerate(zip(cr_g, t_g)):
            assert_close(_zeros_if_none(c, cr_in[k]), _zeros_if_none(t, t_in[k]), tol,
                         f"{case.name}[{dtype}] gradient of input {k} (create_graph={create_graph})")
            if c is not None:
                assert dtype_name(c) == dtype, f"{case.name}: gradient {k} has dtype {c.dtype}"
    if dtype == "float64" and case.gradgrad:
        _check_second_order(case, arrays, cr_in + cr_w, cr_g, t_in + t_w, t_g, tol)


def _check_second_order(case: Case, arrays: list, cr_in: list, cr_g: tuple, t_in: list, t_g: tuple,
                        tol: tuple[float, float]) -> None:
    """d/d(x, w) <v, dL/dx> with L = <w, f(x)>: a Hessian-vector product (for x) and a Jacobian-vector
    product (for the weights w) through the graph the first backward built."""
    rng = np.random.default_rng(2)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    t_terms = [(g * torch.tensor(v)).sum() for g, v in zip(t_g, vs) if g is not None and g.requires_grad]
    cr_terms = [(g * cr.tensor(v, dtype=cr.float64)).sum() for g, v in zip(cr_g, vs)
                if g is not None and g.requires_grad]
    t_hvp = (torch.autograd.grad(sum(t_terms), t_in, allow_unused=True) if t_terms else [None] * len(t_in))
    cr_hvp = (cr.autograd.grad(sum(cr_terms[1:], cr_terms[0]), cr_in, allow_unused=True) if cr_terms
              else [None] * len(cr_in))
    for k, (c, t) in enumerate(zip(cr_hvp, t_hvp)):
        assert_close(_zeros_if_none(c, cr_in[k]), _zeros_if_none(t, t_in[k]), tol,
                     f"{case.name} second derivative (Hessian-vector product) for input {k}")


def run_gradcheck(case: Case, second_order: bool = False) -> None:
    arrays = make_inputs(case)
    ins = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]

    def f(*xs: Any) -> Any:
        return case.fn(cr, *xs)

    check = cr.autograd.gradgradcheck if second_order else cr.gradcheck
    assert check(f, ins, eps=1e-6, atol=1e-6, rtol=1e-4)
