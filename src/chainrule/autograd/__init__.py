"""`cr.autograd`: `grad`, `backward`, anomaly detection, backward observers and gradcheck."""

from chainrule.autograd.grad import backward, grad
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_derivative
from chainrule.engine.anomaly import (
           detect_anomaly,
           is_anomaly_check_nan_enabled,
           is_anomaly_enabled,
           set_detect_anomaly,
)
from chainrule.engine.observe import BackwardStep, observe

__all__ = ["BackwardStep", "GradcheckError", "backward", "detect_anomaly", "grad", "gradcheck", "gradgradcheck",
           "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "numerical_derivative", "observe",
           "set_detect_anomaly"]
