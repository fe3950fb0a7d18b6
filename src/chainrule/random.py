"""Random tensors from one seeded generator: `manual_seed`, `rand`, `randn`, `randint`, `randperm`.

Values are reproducible within chainrule for a seed; they do not equal PyTorch's random streams.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.creation import _float_dtype, _new, _shape_arg
from chainrule.engine.tensor import Tensor


class Generator:
    """A seedable source of random numbers (as `torch.Generator`)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._seed = seed

    def manual_seed(self, seed: int) -> Generator:
        self._rng = np.random.default_rng(int(seed))
        self._seed = int(seed)
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state

    @property
    def numpy(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator used by `rand`, `randn`, `randint`, dropout and initializers."""
    return default_generator.manual_seed(seed)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Generator | None = None) -> Tensor:
    shape = _shape_arg(size, "rand")
    return _new(_rng(generator).random(shape).astype(_float_dtype(dtype)), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Generator | None = None) -> Tensor:
    shape = _shape_arg(size, "randn")
    return _new(_rng(generator).standard_normal(shape).astype(_float_dtype(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size: tuple = (), dtype: Any = None,
            generator: Generator | None = None) -> Tensor:
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    shape = _shape_arg(tuple(size), "randint")
    np_dtype = dtypes.int64.np if dtype is None else dtypes.to_dtype(dtype).np
    return _new(_rng(generator).integers(low, high, shape).astype(np_dtype), False)


def randperm(n: int, dtype: Any = None, generator: Generator | None = None) -> Tensor:
    np_dtype = dtypes.int64.np if dtype is None else dtypes.to_dtype(dtype).np
    return _new(_rng(generator).permutation(n).astype(np_dtype), False)


def rand_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, dtype: Any = None) -> Tensor:
    return randint(low, high, input.shape, dtype=dtype or input.dtype)


# ----------------------------------------------------------------------------- in-place random fills
def _fill_random(self: Tensor, draw: Any, op: str) -> Tensor:
    from chainrule.engine.grad_mode import grad_state
    from chainrule.ops.inplace import _OVERWRITE, assign
    from chainrule.ops.registry import apply, variant

    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: only floating-point tensors can be filled with random values, got {self.dtype}")
    values = np.asarray(draw(self.shape), dtype=self._data.dtype)[()]
    if self.grad_fn is not None and grad_state.enabled:  # cut the old history, under PyTorch's node name
        return assign(self, apply(_FILLS.setdefault(op, variant(_OVERWRITE, _BACKWARD_NAMES[op])), (self,),
                                  {"value": values}), op)
    return assign(self, Tensor._make(values), op)


_BACKWARD_NAMES = {"uniform_": "UniformBackward0", "normal_": "NormalBackward0"}
_FILLS: dict = {}


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with values drawn uniformly from [a, b), from chainrule's seeded generator. As every
    in-place op: refused on a leaf that requires grad unless under `cr.no_grad()`; on a tensor with history,
    no gradient flows to what it held before."""
    if a > b:
        raise RuntimeError(f"uniform_: expects a [from, to) range, but found from={a} > to={b}")
    return _fill_random(self, lambda shape: _rng(generator).uniform(a, b, shape), "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill in place with values drawn from N(mean, std^2), from chainrule's seeded generator."""
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    return _fill_random(self, lambda shape: _rng(generator).normal(mean, std, shape), "normal_")
