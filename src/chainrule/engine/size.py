"""`cr.Size`: a tensor's shape, as `torch.Size`: a tuple of ints that prints as `chainrule.Size([2, 3])`; and
`wrap_dim`, the one check of a `dim=` argument every op uses."""

from __future__ import annotations

import operator
from typing import Any, SupportsIndex

_tuple_new = tuple.__new__


class Size(tuple):
    """The shape of a tensor (`x.shape`, `x.size()`): a tuple subclass, so it compares equal to a tuple of
    the same ints, unpacks and indexes as one; `+` and `*` give a `Size` again; `numel()` is the product.
    Slicing gives a plain tuple (PyTorch: a Size): overriding `__getitem__` would make `x.shape[-1]`, read
    on hot paths, several times slower."""

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        values = _tuple_new(cls, sizes)
        for s in values:
            if type(s) is not int:
                try:
                    operator.index(s)
                except TypeError:
                    raise TypeError(f"Size(): expected a sequence of ints, got an element of type "
                                    f"{type(s).__name__}") from None
                return _tuple_new(cls, (operator.index(v) for v in values))
        return values

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple(other) + tuple(self))

    def __mul__(self, n: SupportsIndex) -> Size:
        return _tuple_new(Size, tuple(self) * n)

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for `Size([])`)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        return (Size, (tuple(self),))


_CACHE: dict[tuple, Size] = {}  # read directly by Tensor.shape (one dict lookup)


def as_size(shape: tuple) -> Size:
    """The `Size` of a NumPy shape (a tuple of Python ints), from a cache: the `.shape` hot path. A Size is
    immutable, so one object per distinct shape is shared; the cache is cleared when it grows large."""
    size = _CACHE.get(shape)
    if size is None:
        if len(_CACHE) >= 4096:
            _CACHE.clear()
        size = _CACHE[shape] = _tuple_new(Size, shape)
    return size


def wrap_dim(dim: int, ndim: int, op: str) -> int:
    """`dim` as a non-negative index into `ndim` dimensions (negative dims count from the end), or PyTorch's
    IndexError naming `op`. A 0-d tensor accepts the dims of a 1-d one (0 and -1), as in PyTorch."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n
