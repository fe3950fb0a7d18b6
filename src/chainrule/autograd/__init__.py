"""`cr.autograd`: `grad`, `backward`, custom `Function`s, anomaly detection, backward observers and gradcheck."""

from chainrule.autograd import function
from chainrule.autograd.function import Function, FunctionCtx, once_differentiable
from chainrule.autograd.grad import backward, grad
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_derivative
from chainrule.engine.anomaly import detect_anomaly
from chainrule.engine.observe import BackwardStep, observe

__all__ = ["BackwardStep", "Function", "FunctionCtx", "GradcheckError", "backward", "detect_anomaly", "function",
           "functional", "grad", "gradcheck", "gradgradcheck", "numerical_derivative", "observe",
           "once_differentiable"]
from chainrule.autograd import functional  # noqa: E402 - cr.autograd.functional
