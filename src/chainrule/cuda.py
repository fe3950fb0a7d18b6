"""`cr.cuda`: what PyTorch built without CUDA answers. chainrule computes on the CPU, so
`cr.cuda.is_available()` is False and `device = "cuda" if cr.cuda.is_available() else "cpu"` picks "cpu";
the seeding and cache calls are the no-ops they are in such a PyTorch; anything that needs a GPU raises."""

from __future__ import annotations

from typing import Any, NoReturn

from chainrule.engine.device import DeviceUnavailableError

__all__ = [
    "current_device", "device_count", "empty_cache", "get_device_name", "is_available", "is_bf16_supported",
    "is_initialized", "manual_seed", "manual_seed_all", "max_memory_allocated", "memory_allocated", "seed",
    "seed_all", "set_device", "synchronize",
]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def manual_seed(seed: int) -> None:
    """A no-op without CUDA (as in PyTorch): seed chainrule's generator with `cr.manual_seed`."""


def manual_seed_all(seed: int) -> None:
    """A no-op without CUDA (as in PyTorch)."""


def seed() -> None:
    """A no-op without CUDA (as in PyTorch)."""


def seed_all() -> None:
    """A no-op without CUDA (as in PyTorch)."""


def empty_cache() -> None:
    """A no-op: there is no GPU memory to release."""


def memory_allocated(device: Any = None) -> int:
    return 0


def max_memory_allocated(device: Any = None) -> int:
    return 0


def _unavailable(op: str) -> NoReturn:
    raise DeviceUnavailableError(f"cuda.{op}: CUDA is not available: chainrule computes on the CPU only "
                                 f"(check cr.cuda.is_available() first)")


def synchronize(device: Any = None) -> None:
    _unavailable("synchronize")


def current_device() -> int:
    _unavailable("current_device")


def get_device_name(device: Any = None) -> str:
    _unavailable("get_device_name")


def set_device(device: Any) -> None:
    _unavailable("set_device")
