"""Adagrad with PyTorch's update rule and state keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import buffer, next_step, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_lr, check_range

__all__ = ["Adagrad"]


class Adagrad(ParameterwiseOptimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(lr_decay, "lr_decay")
        check_range(weight_decay, "weight_decay")
        check_range(initial_accumulator_value, "initial_accumulator_value")
        check_range(eps, "epsilon")
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                                  "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        state = self._state(p)
        step = next_step(state)
        acc = buffer(state, "sum", p.array, group["initial_accumulator_value"])
        if wd != 0:
            g = g + wd * p.array
        clr = lr / (1 + (step - 1) * lr_decay)
        acc += g * g
        write(p, p.array + (-clr) * (g / (np.sqrt(acc) + eps)))
