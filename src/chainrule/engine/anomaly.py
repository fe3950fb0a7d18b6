"""Anomaly detection: name the op whose backward first produced NaN/Inf, and where it was created.

Per thread, as in PyTorch: `detect_anomaly()` in one thread does not slow down or check another.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any


class _AnomalyState(threading.local):
    """This thread's anomaly mode."""

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


anomaly_state = _AnomalyState()


class _RecordFlags:
    """Read once per recorded op (a plain attribute: cheap): `checks` is True while some thread has anomaly
    detection on, and for good once `inference_mode` has been entered in the process (inference tensors may
    exist from then on); recording then calls `record_checks(node)`, which looks at this thread's mode."""

    __slots__ = ("checks", "anomaly_threads", "inference_seen")

    def __init__(self) -> None:
        self.checks = False
        self.anomaly_threads = 0
        self.inference_seen = False


record_flags = _RecordFlags()
_lock = threading.Lock()


def _set(enabled: bool, check_nan: bool) -> None:
    state = anomaly_state
    was = state.enabled
    state.enabled = enabled
    state.check_nan = check_nan
    if was != enabled:
        with _lock:
            record_flags.anomaly_threads += 1 if enabled else -1
            record_flags.checks = record_flags.anomaly_threads > 0 or record_flags.inference_seen


def note_inference_mode() -> None:
    if not record_flags.inference_seen:
        with _lock:
            record_flags.inference_seen = record_flags.checks = True


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (or decorator): record where each op is created and check every backward result for
    NaN/Inf, in this thread.

    Slows recording down (a stack trace per op); use it to debug, as in PyTorch.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = (anomaly_state.enabled, anomaly_state.check_nan)
        _set(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _set(*self._prev)

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off in this thread: as a plain call, or as a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (anomaly_state.enabled, anomaly_state.check_nan)
        _set(bool(mode), check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _set(*self._prev)


def is_anomaly_enabled() -> bool:
    return anomaly_state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return anomaly_state.check_nan


def creation_trace() -> str:
    frames = traceback.extract_stack()
    user = [f for f in frames if "/chainrule/ops/" not in f.filename and "/chainrule/engine/" not in f.filename]
    return "".join(traceback.format_list(user[-6:]))


def record_checks(node: Any) -> None:
    """Called for each recorded node while `record_flags.checks`: anomaly's creation trace; refuse to save an
    inference tensor for backward."""
    if anomaly_state.enabled:
        node.creation_trace = creation_trace()
    if record_flags.inference_seen and node.op.saves_inputs:
        for x in node.inputs:
            if getattr(x, "_inference", False):
                from chainrule.engine.grad_mode import INFERENCE_SAVE_MESSAGE

                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
