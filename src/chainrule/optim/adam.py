"""Adam with PyTorch's update rule (bias correction, eps outside the square root, amsgrad)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import adam_moments, buffer, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_adam_args

__all__ = ["Adam"]


class Adam(ParameterwiseOptimizer):
    """m = lerp(m, g, 1 - beta1); v = beta2 v + (1 - beta2) g^2;
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps). weight_decay adds wd * p to g."""

    _decoupled = False

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state = self._state(p)
        step, data, g, m, v = adam_moments(p, g, state, lr, group["weight_decay"], self._decoupled, (beta1, beta2))
        step_size = lr / (1 - beta1**step)
        bc2_sqrt = math.sqrt(1 - beta2**step)
        if group["amsgrad"]:
            vmax = buffer(state, "max_exp_avg_sq", p.array)
            np.maximum(vmax, v, out=vmax)
            denom = np.sqrt(vmax) / bc2_sqrt + eps
        else:
            denom = np.sqrt(v) / bc2_sqrt + eps
        write(p, data + (-step_size) * (m / denom))
