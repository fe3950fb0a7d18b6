"""Adam and AdamW with PyTorch's update rules (bias correction, eps outside the square root, amsgrad)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from chainrule.optim._update import buffer, lerp, next_step, params_with_grad, write
from chainrule.optim.optimizer import Optimizer, check_lr, check_range


class Adam(Optimizer):
    """m = lerp(m, g, 1 - beta1); v = beta2 v + (1 - beta2) g^2;
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps). weight_decay adds wd * p to g."""

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        check_lr(lr)
        check_range(eps, "epsilon")
        check_range(betas[0], "beta parameter at index 0", high=1.0, high_open=True)
        check_range(betas[1], "beta parameter at index 1", high=1.0, high_open=True)
        check_range(weight_decay, "weight_decay")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                step = next_step(state)
                m = buffer(state, "exp_avg", p._data)
                v = buffer(state, "exp_avg_sq", p._data)
                data = p._data
                if wd != 0:
                    if self._decoupled:
                        data = data * (1 - lr * wd)
                    else:
                        g = g + wd * data
                m[...] = lerp(m, g, 1 - beta1)
                v[...] = v * beta2 + (1 - beta2) * (g * g)
                step_size = lr / (1 - beta1**step)
                bc2_sqrt = math.sqrt(1 - beta2**step)
                if group["amsgrad"]:
                    vmax = buffer(state, "max_exp_avg_sq", p._data)
                    np.maximum(vmax, v, out=vmax)
                    denom = np.sqrt(vmax) / bc2_sqrt + eps
                else:
                    denom = np.sqrt(v) / bc2_sqrt + eps
                write(p, data + (-step_size) * (m / denom))
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * weight_decay before the Adam step (default 0.01)."""

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
