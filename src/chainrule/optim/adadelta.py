"""Adadelta with PyTorch's single-tensor update rule and state keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import buffer, next_step, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_lr, check_range

__all__ = ["Adadelta"]


class Adadelta(ParameterwiseOptimizer):
    """s = rho s + (1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(s + eps) * g;
    acc = rho acc + (1 - rho) delta^2; p -= lr * delta. State: step, square_avg, acc_delta."""

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(rho, "rho", high=1.0)
        check_range(eps, "epsilon")
        check_range(weight_decay, "weight_decay")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        state = self._state(p)
        next_step(state)
        s = buffer(state, "square_avg", p.array)
        acc = buffer(state, "acc_delta", p.array)
        if wd != 0:
            g = g + wd * p.array
        s[...] = s * rho + (1 - rho) * (g * g)
        delta = np.sqrt(acc + eps) / np.sqrt(s + eps) * g
        acc[...] = acc * rho + (1 - rho) * (delta * delta)
        write(p, p.array + (-lr) * delta)
