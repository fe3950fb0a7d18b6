"""RMSprop and Adagrad with PyTorch's update rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from chainrule.optim._update import buffer, lerp, next_step, params_with_grad, write
from chainrule.optim.optimizer import Optimizer, check_lr, check_range


class RMSprop(Optimizer):
    """s = alpha s + (1 - alpha) g^2; avg = sqrt(s - mean_g^2 if centered else s) + eps;
    p -= lr * g / avg (or through a momentum buffer b = momentum b + g / avg)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_lr(lr)
        check_range(eps, "epsilon")
        check_range(momentum, "momentum")
        check_range(weight_decay, "weight_decay")
        check_range(alpha, "alpha")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered, "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps, wd, momentum = (group["lr"], group["alpha"], group["eps"], group["weight_decay"],
                                            group["momentum"])
            for p, g in params_with_grad(group):
                state = self._state(p)
                next_step(state)
                if wd != 0:
                    g = g + wd * p._data
                s = buffer(state, "square_avg", p._data)
                s[...] = s * alpha + (1 - alpha) * (g * g)
                if group["centered"]:
                    mg = buffer(state, "grad_avg", p._data)
                    mg[...] = lerp(mg, g, 1 - alpha)
                    avg = np.sqrt(s - mg * mg) + eps
                else:
                    avg = np.sqrt(s) + eps
                if momentum > 0:
                    buf = buffer(state, "momentum_buffer", p._data)
                    buf[...] = buf * momentum + g / avg
                    write(p, p._data + (-lr) * buf)
                else:
                    write(p, p._data + (-lr) * (g / avg))
        return loss


class Adagrad(Optimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(lr_decay, "lr_decay")
        check_range(weight_decay, "weight_decay")
        check_range(initial_accumulator_value, "initial_accumulator_value")
        check_range(eps, "epsilon")
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                                  "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                step = next_step(state)
                acc = buffer(state, "sum", p._data, group["initial_accumulator_value"])
                if wd != 0:
                    g = g + wd * p._data
                clr = lr / (1 + (step - 1) * lr_decay)
                acc += g * g
                write(p, p._data + (-clr) * (g / (np.sqrt(acc) + eps)))
        return loss
