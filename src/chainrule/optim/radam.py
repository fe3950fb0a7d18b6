"""RAdam (rectified Adam) with PyTorch's single-tensor update rule and state keys."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import adam_moments, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_adam_args

__all__ = ["RAdam"]


class RAdam(ParameterwiseOptimizer):
    """Rectified Adam: with rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t), the Adam step scaled by the
    rectification r_t once rho_t > 5, plain momentum SGD (p -= lr m_hat) before. decoupled_weight_decay=True
    shrinks p by lr * weight_decay first. State: step, exp_avg, exp_avg_sq."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state = self._state(p)
        step, data, g, m, v = adam_moments(p, g, state, lr, group["weight_decay"], group["decoupled_weight_decay"],
                                           (beta1, beta2))
        bc1, bc2 = 1 - beta1**step, 1 - beta2**step
        m_hat = m / bc1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = (bc2**0.5) / (np.sqrt(v) + eps)
            write(p, data - m_hat * lr * adaptive * rect)
        else:
            write(p, data - m_hat * lr)
