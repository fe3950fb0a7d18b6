"""`cr.autograd`: `grad`, `backward`, custom `Function`s, anomaly detection, backward observers (steps and calls)
and gradcheck."""

from chainrule.autograd import function, profiler
from chainrule.autograd.function import Function, FunctionCtx, once_differentiable
from chainrule.autograd.grad import backward, grad
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_derivative
from chainrule.engine.anomaly import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from chainrule.engine.observe import BackwardCall, BackwardStep, observe, observe_calls

__all__ = ["BackwardCall", "BackwardStep", "Function", "FunctionCtx", "GradcheckError", "backward", "detect_anomaly",
           "function", "functional", "grad", "gradcheck", "gradgradcheck", "is_anomaly_check_nan_enabled",
           "is_anomaly_enabled", "numerical_derivative", "observe", "observe_calls", "once_differentiable",
           "profiler", "set_detect_anomaly"]
from chainrule.autograd import functional  # noqa: E402 - cr.autograd.functional
