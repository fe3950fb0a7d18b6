"""Shared helpers of the nn tests: moving weights and data between chainrule and PyTorch, comparing."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import chainrule as cr


def to_cr(t: torch.Tensor, requires_grad: bool = False) -> cr.Tensor:
    return cr.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def copy_weights(src: cr.nn.Module, dst: torch.nn.Module) -> None:
    """Load the chainrule module's state into the torch module (same keys and layouts)."""
    dst.load_state_dict(cr.interop.to_torch(src.state_dict()))


def close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    a = a._data if isinstance(a, cr.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b._data if isinstance(b, cr.Tensor) else b
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=atol)


def check_module(ours: cr.nn.Module, theirs: torch.nn.Module, x: np.ndarray, rtol: float = 1e-5,
                 atol: float = 1e-6, grad_input: bool = True) -> None:
    """Same weights, same input: equal outputs, input gradients and parameter gradients."""
    copy_weights(ours, theirs)
    xc = cr.tensor(x, requires_grad=grad_input and x.dtype.kind == "f")
    xt = torch.tensor(x, requires_grad=grad_input and x.dtype.kind == "f")
    yc, yt = ours(xc), theirs(xt)
    close(yc, yt, rtol, atol)
    weights = np.random.default_rng(1).standard_normal(yt.shape).astype(np.float32)
    (yc * cr.tensor(weights)).sum().backward()
    (yt * torch.tensor(weights)).sum().backward()
    if grad_input and x.dtype.kind == "f":
        close(xc.grad, xt.grad, rtol, atol)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, torch_params[name].grad, rtol, atol)
