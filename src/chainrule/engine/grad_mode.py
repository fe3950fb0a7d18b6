"""Whether operations are recorded for backward: `no_grad`, `enable_grad`, `set_grad_enabled`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


grad_state = _GradState()


def is_grad_enabled() -> bool:
    return grad_state.enabled


class _GradModeContext:
    """Base for context managers that also work as decorators, as in PyTorch."""

    _mode: bool = True

    def __enter__(self) -> None:
        self._prev = grad_state.enabled
        grad_state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        grad_state.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = grad_state.enabled
            grad_state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                grad_state.enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Disable graph recording inside the block (or the decorated function)."""

    _mode = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Enable graph recording inside the block, e.g. within a `no_grad` region."""

    _mode = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Enable or disable recording: `with cr.set_grad_enabled(False): ...` or as a plain call."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = grad_state.enabled
        grad_state.enabled = self._mode  # a plain call takes effect at once, as in PyTorch

    def __enter__(self) -> None:
        pass
