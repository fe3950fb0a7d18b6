"""Adamax (Adam with the infinity norm) with PyTorch's single-tensor update rule and state keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import buffer, decay_weights, lerp, next_step, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_adam_args

__all__ = ["Adamax"]


class Adamax(ParameterwiseOptimizer):
    """Adam with the infinity norm: m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps);
    p -= lr / (1 - beta1^t) * m / u. State: step, exp_avg, exp_inf."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state = self._state(p)
        step = next_step(state)
        m = buffer(state, "exp_avg", p.array)
        u = buffer(state, "exp_inf", p.array)
        _, g = decay_weights(p.array, g, lr, group["weight_decay"], False)
        m[...] = lerp(m, g, 1 - beta1)
        np.maximum(u * beta2, np.abs(g) + eps, out=u)
        clr = lr / (1 - beta1**step)
        write(p, p.array + (-clr) * m / u)
