"""Random tensors from one seeded generator: `manual_seed`, `rand`, `randn`, `randint`, `randperm`.

Values are reproducible within chainrule for a seed; they do not equal PyTorch's random streams.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.creation import check_extra, new_leaf
from chainrule.engine.tensor import Tensor, float_dtype, shape_arg

__all__ = [
    "Generator", "default_generator", "manual_seed", "multinomial", "rand", "rand_like", "randint", "randint_like",
    "randn", "randn_like", "randperm",
]


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


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Generator | None = None,
         device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "rand")
    shape = shape_arg(size, "rand")
    return new_leaf(_rng(generator).random(shape).astype(float_dtype(dtype)), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Generator | None = None,
          device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "randn")
    shape = shape_arg(size, "randn")
    return new_leaf(_rng(generator).standard_normal(shape).astype(float_dtype(dtype)), requires_grad)


def randint(*args: Any, size: Any = None, low: int | None = None, high: int | None = None, dtype: Any = None,
            generator: Generator | None = None, requires_grad: bool = False, device: Any = None,
            **kwargs: Any) -> Tensor:
    """Integers drawn uniformly from [low, high), as `torch.randint`: `randint(high, size)`,
    `randint(low, high, size)` (or with keywords); int64 unless `dtype=` says otherwise."""
    check_extra(device, kwargs, "randint")
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], list | tuple):
            raise TypeError("randint() missing required argument 'size' (a tuple of ints), e.g. "
                            "randint(10, (3,)) or randint(0, 10, size=(3,))")
        size = args.pop()
    if len(args) == 2:
        if low is not None or high is not None:
            raise TypeError("randint(): low and high given both positionally and as keywords")
        low, high = args
    elif len(args) == 1:
        if high is not None:
            low = args[0]
        else:
            high = args[0]
    elif args:
        raise TypeError(f"randint() takes at most 3 positional arguments (low, high, size), got {len(args) + 1}")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    low = 0 if low is None else low
    for name, v in (("low", low), ("high", high)):
        if not isinstance(v, int | np.integer) or isinstance(v, bool):
            raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = shape_arg(tuple(size), "randint")
    np_dtype = dtypes.int64.np if dtype is None else dtypes.to_dtype(dtype).np
    return new_leaf(_rng(generator).integers(low, high, shape).astype(np_dtype), requires_grad)


def randperm(n: int, dtype: Any = None, generator: Generator | None = None, requires_grad: bool = False,
             device: Any = None, **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "randperm")
    np_dtype = dtypes.int64.np if dtype is None else dtypes.to_dtype(dtype).np
    return new_leaf(_rng(generator).permutation(n).astype(np_dtype), requires_grad)


def rand_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None,
              **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "rand_like")
    return rand(*input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None,
               **kwargs: Any) -> Tensor:
    check_extra(device, kwargs, "randn_like")
    return randn(*input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None, **kwargs: Any) -> Tensor:
    """`randint_like(input, high)` or `randint_like(input, low, high)`, in `input`'s dtype by default."""
    check_extra(device, kwargs, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, input.array.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- sampling
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """`num_samples` category indices (int64) per row of `input` (1-D: one distribution, 2-D: one per row),
    drawn with probability proportional to the row's non-negative weights, from chainrule's seeded generator.
    Without replacement each index comes at most once; once the categories of non-zero weight are used up,
    the zero-weight ones follow, as in PyTorch. Reproducible for a seed, not PyTorch's random stream."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(num_samples, int | np.integer) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not {type(num_samples).__name__}")
    w = np.asarray(input.array)
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial: only supports floating-point dtypes for input, got {input.dtype}")
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(w.shape)}")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (num_samples={n})")
    k = w.shape[-1]
    if not replacement and n > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(num_samples={n}, {k} categories)")
    if k > 2 ** 24:
        raise RuntimeError(f"multinomial: number of categories cannot exceed 2^24 (got {k})")
    rows = w.reshape(w.shape[0] if w.ndim == 2 else 1, k).astype(np.float64)
    if rows.size and (not np.all(np.isfinite(rows)) or np.any(rows < 0)):
        raise RuntimeError(f"multinomial: probability tensor contains either `inf`, `nan` or element < 0 "
                           f"(input of shape {tuple(w.shape)})")
    total = rows.sum(axis=1)
    if np.any(total <= 0):
        raise RuntimeError(f"multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row "
                           f"{int(np.argmax(total <= 0))} of input of shape {tuple(w.shape)}")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((rows.shape[0], n)) * total[:, None]
        out = np.empty((rows.shape[0], n), dtype=np.int64)
        for r in range(rows.shape[0]):
            picks = np.searchsorted(cdf[r], u[r], side="right")
            last = k - 1 - int(np.argmax(rows[r][::-1] > 0))  # u rounded up to the total: the last possible one
            out[r] = np.minimum(picks, last)
    else:
        # Sampling without replacement in proportion to the weights: the n smallest of Exp(1) / w (zero weights
        # give inf and come last, in index order)
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        out = np.argsort(keys, axis=1, kind="stable")[:, :n].astype(np.int64)
    return new_leaf(out.reshape(w.shape[:-1] + (n,)), False)
