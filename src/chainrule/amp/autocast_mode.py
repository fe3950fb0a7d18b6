"""`autocast`: accepted so mixed-precision code runs; chainrule does not lower precision under it."""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any

from chainrule.engine.device import check_device

__all__ = ["autocast", "is_autocast_enabled"]

_local = threading.local()
_warned = False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether this thread is inside an enabled `autocast` block."""
    return getattr(_local, "depth", 0) > 0


class autocast:  # noqa: N801 - PyTorch's name
    """`with cr.autocast(device_type="cpu", dtype=..., enabled=...):` as in PyTorch, except that ops keep
    computing in their inputs' dtypes (PyTorch would run matmuls and convolutions in bfloat16/float16, which
    NumPy cannot do for bfloat16): results are float32 where PyTorch's are lower precision. An enabled block
    warns once per process. A device other than the CPU is disabled with PyTorch's warning."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        kind = str(device_type).split(":")[0]
        self.device_type = kind
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and kind != "cpu":
            warnings.warn(f"User provided device_type of '{kind}', but {kind.upper()} is not available "
                          f"(chainrule computes on the CPU only). Disabling", UserWarning, stacklevel=2)
            self._enabled = False
        elif kind == "cpu":
            check_device(kind, "autocast")

    def __enter__(self) -> autocast:
        global _warned
        if self._enabled:
            _local.depth = getattr(_local, "depth", 0) + 1
            if not _warned:
                _warned = True
                warnings.warn("autocast: chainrule computes every op in its inputs' dtypes (no bfloat16/float16 "
                              "casting), so results keep float32 precision where PyTorch's would be lower",
                              UserWarning, stacklevel=2)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            _local.depth -= 1

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapper
