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
from chainrule.ops.registry import apply, variant
from chainrule.random import Generator

__all__ = ["bernoulli", "normal_", "uniform_"]


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
