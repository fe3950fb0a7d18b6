"""In-place random fills, `x.uniform_(a, b)` and `x.normal_(mean, std)`, from chainrule's seeded generator
(`chainrule.random`): in-place ops like any other, so on a tensor with history they cut it under PyTorch's
node names (UniformBackward0, NormalBackward0)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import random
from chainrule.engine.grad_mode import grad_state
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.inplace import _OVERWRITE, assign
from chainrule.ops.registry import apply, defop, variant
from chainrule.random import Generator

__all__ = ["bernoulli", "normal", "normal_", "uniform_"]


def _fill_random(self: Tensor, draw: Any, op: str) -> Tensor:
    if self.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: only floating-point tensors can be filled with random values, got {self.dtype}")
    values = np.asarray(draw(self.shape), dtype=self.array.dtype)[()]
    if self.grad_fn is not None and grad_state.enabled:  # cut the old history, under PyTorch's node name
        return assign(self, apply(_FILLS.setdefault(op, variant(_OVERWRITE, _BACKWARD_NAMES[op])), (self,),
                                  {"value": values}), op)
    return assign(self, wrap(values), op)


def _numpy_rng(generator: Generator | None) -> np.random.Generator:
    return (generator or random.default_generator).numpy


_BACKWARD_NAMES = {"uniform_": "UniformBackward0", "normal_": "NormalBackward0"}
_FILLS: dict = {}


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with values drawn uniformly from [a, b), from chainrule's seeded generator. As every
    in-place op: refused on a leaf that requires grad unless under `cr.no_grad()`; on a tensor with history,
    no gradient flows to what it held before."""
    if a > b:
        raise RuntimeError(f"uniform_: expects a [from, to) range, but found from={a} > to={b}")
    return _fill_random(self, lambda shape: _numpy_rng(generator).uniform(a, b, shape), "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with values drawn from N(mean, std^2), from chainrule's seeded generator."""
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    return _fill_random(self, lambda shape: _numpy_rng(generator).normal(mean, std, shape), "normal_")


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples, 1 with the probability in each element of `input` (or, given `p`, with probability `p`
    everywhere), of `input`'s floating dtype, from chainrule's seeded generator. No gradient flows (PyTorch's
    is zero)."""
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli: \"bernoulli_tensor_cpu_p_\" not implemented for {input.dtype} "
                                  f"(the probabilities must be a floating-point tensor)")
    probs = np.asarray(input.array if p is None else p)
    if probs.size and (np.isnan(probs).any() or probs.min() < 0 or probs.max() > 1):
        raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    draws = _numpy_rng(generator).random(input.array.shape)
    return wrap(np.asarray(draws < probs, dtype=input.array.dtype)[()])


def _normal_vjp(xp: Any, g: Any, out: Any, mean: Any, std: Any, noise: Any) -> tuple:
    # PyTorch's derivative of a draw is 0 for both (the sample is not reparameterized)
    return xp.zeros_like(mean), xp.zeros_like(std)


NORMAL = defop("normal", lambda mean, std, noise: mean + std * noise, "mean std", vjp=_normal_vjp,
               formulas=("0 (a random draw)", "0 (a random draw)"), saves="nothing")
_NORMAL_NAMES = {(True, False): variant(NORMAL, "NormalBackward1"), (False, True): variant(NORMAL, "NormalBackward2"),
                 (True, True): variant(NORMAL, "NormalBackward3")}


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    """Draws from N(mean, std^2), as `torch.normal`'s overloads: `normal(mean, std)` with a tensor mean and/or
    std (broadcast; the result has their shape and dtype; its gradient is 0 for both, as PyTorch's), or
    `normal(mean, std, size)` with numbers (a new leaf, the default float dtype unless `dtype=`)."""
    from chainrule.creation import check_extra, new_leaf
    from chainrule.engine.tensor import float_dtype, shape_arg

    check_extra(device, kwargs, "normal")
    tensors = (isinstance(mean, Tensor), isinstance(std, Tensor))
    if not any(tensors):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a float mean and std, "
                            "a size is required (normal(mean, std, size))")
        if std < 0:
            raise RuntimeError(f"normal: expects std >= 0.0, but found std {std}")
        shape = shape_arg(tuple(size) if isinstance(size, list | tuple) else (size,), "normal")
        return new_leaf(np.asarray(_numpy_rng(generator).normal(mean, std, shape), float_dtype(dtype)),
                        requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments: size is only taken with a float "
                        "mean and std")
    ref = mean if tensors[0] else std
    if ref.array.dtype.kind != "f":
        raise NotImplementedError(f"normal: \"normal_kernel_cpu\" not implemented for '{ref.dtype}'")
    m = mean if tensors[0] else wrap(np.asarray(mean, ref.array.dtype)[()])
    s = std if tensors[1] else wrap(np.asarray(std, ref.array.dtype)[()])
    if (np.asarray(s.array) < 0).any():
        raise RuntimeError("normal: normal expects all elements of std >= 0.0")
    try:
        shape = np.broadcast_shapes(np.shape(m.array), np.shape(s.array))
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {tuple(m.shape)} and std {tuple(s.shape)} are not "
                           f"broadcastable") from None
    noise = np.asarray(_numpy_rng(generator).standard_normal(shape), ref.array.dtype)[()]
    return apply(_NORMAL_NAMES[tensors], (m, s), {"noise": noise})
