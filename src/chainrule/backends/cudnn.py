"""`cr.backends.cudnn`: cuDNN is not available; the flags programs set (`benchmark`, `deterministic`,
`enabled`, `allow_tf32`) are plain attributes that change nothing (chainrule computes on the CPU)."""

from __future__ import annotations

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

benchmark: bool = False
deterministic: bool = False
enabled: bool = True
allow_tf32: bool = True


def is_available() -> bool:
    return False


def version() -> None:
    return None
