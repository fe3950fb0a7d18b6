"""`cr.accelerator`: as PyTorch's on a machine without one (chainrule computes on the CPU)."""

from __future__ import annotations

from typing import NoReturn

from chainrule.engine.device import DeviceUnavailableError, device

__all__ = ["current_accelerator", "current_device_index", "device_count", "empty_cache", "is_available", "synchronize"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator (PyTorch answers the same on a CPU-only machine)."""
    return None


def device_count() -> int:
    return 0


def synchronize(device: object = None) -> None:
    """A no-op without an accelerator."""


def empty_cache() -> None:
    """A no-op without an accelerator."""


def current_device_index() -> NoReturn:
    raise DeviceUnavailableError("Cannot access accelerator device when none is available "
                                 "(chainrule computes on the CPU only).")
