"""Argument handling shared by `cr.nn.functional` and the layers in `cr.nn.modules`: sizes given as an int
or a tuple, batched and unbatched inputs, arguments chainrule does not support yet, the default float
dtype. No math here."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor

Size1 = int | tuple[int]
Size2 = int | tuple[int, int]
SizeN = int | tuple[int, ...]


def pair(value: Size2, name: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair (kernel_size=3 -> (3, 3))."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    result = tuple(int(a) for a in value)
    if len(result) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return result  # type: ignore[return-value]


def single(value: Any, name: str, fn: str) -> int:
    """An int or a 1-tuple of ints as an int; a string (padding='same') is not supported."""
    if isinstance(value, str):
        raise NotImplementedError(f"{fn}: {name}={value!r} is not supported; pass an int")
    if isinstance(value, int | np.integer):
        return int(value)
    result = tuple(int(a) for a in value)
    if len(result) != 1:
        raise ValueError(f"{fn}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    return result[0]


def ints(value: Any, n: int, name: str, fn: str) -> tuple[int, ...]:
    """An int, a 1-tuple or an n-tuple of ints as an n-tuple, with PyTorch's messages."""
    if isinstance(value, str | float):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if isinstance(value, int | np.integer):
        return (int(value),) * n
    result = tuple(int(a) for a in value)
    if len(result) == 1:
        return result * n
    if len(result) != n:
        raise RuntimeError(f"{fn}: expected {name} to be a single integer value or a list of {n} values to match "
                           f"the convolution dimensions, but got {name}={list(result)}")
    return result


def check_supported(fn: str, **args: tuple[Any, Any]) -> None:
    """Raise NotImplementedError for an argument chainrule does not support yet: each keyword is
    (value, the only supported value)."""
    for name, (value, default) in args.items():
        if value != default and value != (default,):
            raise NotImplementedError(f"{fn}: {name}={value!r} is not supported (only {name}={default!r})")


def batched2d(input: Tensor, name: str) -> tuple[Tensor, bool]:
    """(N, C, H, W) for a 3-D (C, H, W) or 4-D input, and whether a batch dimension was added."""
    if input.ndim == 3:
        from chainrule.ops.shape_ops import unsqueeze

        return unsqueeze(input, 0), True
    if input.ndim != 4:
        raise RuntimeError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{tuple(input.shape)}")
    return input, False


def batched1d(input: Tensor, name: str) -> tuple[Tensor, bool]:
    """(N, C, L) for a 2-D (C, L) or 3-D input, and whether a batch dimension was added."""
    if input.ndim == 2:
        from chainrule.ops.shape_ops import unsqueeze

        return unsqueeze(input, 0), True
    if input.ndim != 3:
        raise RuntimeError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input.shape)}")
    return input, False


def check_window(x: Tensor, kernel: tuple[int, int], padding: tuple[int, int], name: str) -> None:
    """The padded (H, W) of an (N, C, H, W) input must hold the kernel."""
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise RuntimeError(f"{name}: the kernel {kernel} is larger than the padded input ({h}, {w}) "
                           f"(input shape {tuple(x.shape)})")


def as_float(x: Tensor) -> Tensor:
    """x itself if it is floating point, else x cast to the default float dtype (recorded, as PyTorch's
    type promotion)."""
    if x.array.dtype.kind == "f":
        return x
    from chainrule import dtypes
    from chainrule.ops.elementwise import cast

    return cast(x, dtypes.get_default_dtype().np)
