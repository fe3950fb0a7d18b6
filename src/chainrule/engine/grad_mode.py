"""Whether operations are recorded for backward: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`.

The state is per thread, as in PyTorch: `no_grad()` in one thread (or a backward pass, which records
nothing unless `create_graph=True`) never changes what another thread records. A new thread starts with
grad mode on and inference mode off, whatever the thread that started it has set.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from chainrule.engine.anomaly import note_inference_mode

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    """This thread's modes: `mode` (grad mode, what `is_grad_enabled()` says), `inference` (inference mode) and
    `enabled` = mode and not inference: whether ops record. Whatever sets one of the modes sets them all
    (`set_modes`)."""

    def __init__(self) -> None:
        self.enabled = True
        self.mode = True
        self.inference = False
        self.ident = threading.get_ident()


# The per-op check, kept cheap: reading a `threading.local` attribute costs several times a plain one, so the op
# paths test `not off_threads` first (True while every thread records) and read this thread's `grad_state` only
# when some thread is in no_grad, inference_mode or a backward pass. Adding and discarding are atomic.
off_threads: set[int] = set()


def set_modes(mode: bool, inference: bool) -> None:
    """Set this thread's grad mode and inference mode (and its entry in `off_threads`)."""
    d = grad_state.__dict__  # this thread's dict: plain dict stores from here on
    d["mode"] = mode
    d["inference"] = inference
    enabled = d["enabled"] = mode and not inference
    if enabled:
        off_threads.discard(d["ident"])
    else:
        off_threads.add(d["ident"])


_set = set_modes


def enter_backward(create_graph: bool) -> tuple:
    """A backward pass records only with create_graph=True: set this thread's modes for it (one thread-local
    lookup; the per-thread dict from then on); `exit_backward(token)` restores them."""
    d = grad_state.__dict__
    token = (d, d["mode"], d["inference"], d["enabled"])
    d["mode"] = d["enabled"] = create_graph
    d["inference"] = False
    if create_graph:
        off_threads.discard(d["ident"])
    else:
        off_threads.add(d["ident"])
    return token


def exit_backward(token: tuple) -> None:
    d, d["mode"], d["inference"], enabled = token
    d["enabled"] = enabled
    if enabled:
        off_threads.discard(d["ident"])
    else:
        off_threads.add(d["ident"])


grad_state = _GradState()


def is_grad_enabled() -> bool:
    """This thread's grad mode (ops record when it is on, outside `inference_mode`)."""
    return grad_state.mode


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside `inference_mode()`."""
    return grad_state.inference


def _wrap_generator(make: Callable[[], Any], fn: Callable) -> Callable:
    """Decorate a generator function: the mode holds each time the generator runs (not while it is suspended
    at a `yield` and the caller runs), as in PyTorch."""

    @functools.wraps(fn)
    def generator(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            with make():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make():
                        gen.close()
                    raise
                except BaseException as exc:
                    with make():
                        response = gen.throw(exc)
                else:
                    with make():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator


def _decorate(make: Callable[[], Any], fn: Any) -> Any:
    if inspect.isclass(fn):
        raise RuntimeError("cannot decorate a class with a grad mode: decorate its methods (e.g. __init__) instead")
    if inspect.isgeneratorfunction(fn):
        return _wrap_generator(make, fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make():
            return fn(*args, **kwargs)

    return wrapper


class _GradModeContext:
    """Base for context managers that also work as decorators (of functions and generators), as in PyTorch.
    Each use saves the mode it replaces and restores it on exit."""

    _mode: bool = True

    def __enter__(self) -> None:
        self._prev = grad_state.mode
        _set(self._mode, grad_state.inference)

    def __exit__(self, *exc: object) -> None:
        _set(self._prev, grad_state.inference)

    def clone(self) -> _GradModeContext:
        return type(self)()

    def __call__(self, fn: F) -> F:
        return _decorate(self.clone, fn)


class _NoParamContext(_GradModeContext):
    """`@cr.no_grad` works without parentheses too (PyTorch 2)."""

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):  # noqa: N801 - PyTorch's name
    """Disable graph recording in this thread inside the block (or the decorated function)."""

    _mode = False


class enable_grad(_NoParamContext):  # noqa: N801
    """Enable graph recording inside the block, e.g. within a `no_grad` region (not within `inference_mode`:
    tensors made there never record, as in PyTorch)."""

    _mode = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Enable or disable recording: `with cr.set_grad_enabled(False): ...`, as a decorator, or as a plain call
    (which takes effect at once, as in PyTorch)."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = grad_state.mode
        _set(self._mode, grad_state.inference)

    def __enter__(self) -> None:
        pass

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self._mode)

    def __call__(self, fn: F) -> F:
        _set(self._prev, grad_state.inference)  # as a decorator, the mode applies inside the function only
        return _decorate(self.clone, fn)


class inference_mode(_GradModeContext):  # noqa: N801
    """Like `no_grad`, and tensors made inside are *inference tensors* (`t.is_inference()`) that later
    computations recorded for backward refuse to save, and that cannot be modified in place outside the
    mode: PyTorch's rules and messages. `inference_mode(False)` switches it off inside an enabled block.
    Works as a decorator, with or without parentheses."""

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev_modes = (grad_state.mode, grad_state.inference)
        mode = bool(self.mode)
        if mode:
            note_inference_mode()  # from now on, recording checks for inference tensors
        _set(not mode, mode)  # as PyTorch: inference_mode(False) turns grad mode on

    def __exit__(self, *exc: object) -> None:
        _set(*self._prev_modes)

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)


INFERENCE_SAVE_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `cr.no_grad()` instead of `cr.inference_mode()`."
)
INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed. You can make a clone to get a "
    "normal tensor before doing inplace update. See https://github.com/pytorch/rfcs/pull/17 for more details."
)
INFERENCE_REQUIRES_GRAD_MESSAGE = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."

__all__ = ["enable_grad", "grad_state", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad",
           "set_grad_enabled"]
