"""Anomaly detection: name the op whose backward first produced NaN/Inf, and where it was created."""

from __future__ import annotations

import traceback


class _AnomalyState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


anomaly_state = _AnomalyState()


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager: record where each op is created and check every backward result for NaN/Inf.

    Slows recording down (a stack trace per op); use it to debug, as in PyTorch.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = anomaly_state.enabled
        anomaly_state.enabled = self.check_nan

    def __exit__(self, *exc: object) -> None:
        anomaly_state.enabled = self._prev


def creation_trace() -> str:
    frames = traceback.extract_stack()[:-3]  # drop the engine's own frames
    user = [f for f in frames if "/chainrule/ops/" not in f.filename and "/chainrule/engine/" not in f.filename]
    return "".join(traceback.format_list(user[-6:]))
