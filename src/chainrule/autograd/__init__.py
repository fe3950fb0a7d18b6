"""`cr.autograd`: `grad`, `backward`, anomaly detection, backward observers (steps and calls) and gradcheck."""

from chainrule.autograd.grad import backward, grad
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_derivative
from chainrule.engine.anomaly import detect_anomaly
from chainrule.engine.observe import BackwardCall, BackwardStep, observe, observe_calls

__all__ = ["BackwardCall", "BackwardStep", "GradcheckError", "backward", "detect_anomaly", "grad", "gradcheck",
           "gradgradcheck", "numerical_derivative", "observe", "observe_calls"]
