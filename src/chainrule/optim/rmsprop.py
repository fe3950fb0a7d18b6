"""RMSprop with PyTorch's update rule and state keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import buffer, lerp, next_step, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_lr, check_range

__all__ = ["RMSprop"]


class RMSprop(ParameterwiseOptimizer):
    """s = alpha s + (1 - alpha) g^2; avg = sqrt(s - mean_g^2 if centered else s) + eps;
    p -= lr * g / avg (or through a momentum buffer b = momentum b + g / avg)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_lr(lr)
        check_range(eps, "epsilon")
        check_range(momentum, "momentum")
        check_range(weight_decay, "weight_decay")
        check_range(alpha, "alpha")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered, "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, alpha, eps, wd, momentum = (group["lr"], group["alpha"], group["eps"], group["weight_decay"],
                                        group["momentum"])
        state = self._state(p)
        next_step(state)
        if wd != 0:
            g = g + wd * p.array
        s = buffer(state, "square_avg", p.array)
        s[...] = s * alpha + (1 - alpha) * (g * g)
        if group["centered"]:
            mg = buffer(state, "grad_avg", p.array)
            mg[...] = lerp(mg, g, 1 - alpha)
            avg = np.sqrt(s - mg * mg) + eps
        else:
            avg = np.sqrt(s) + eps
        if momentum > 0:
            buf = buffer(state, "momentum_buffer", p.array)
            buf[...] = buf * momentum + g / avg
            write(p, p.array + (-lr) * buf)
        else:
            write(p, p.array + (-lr) * (g / avg))
