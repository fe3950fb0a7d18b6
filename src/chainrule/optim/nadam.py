"""NAdam (and NAdamW) with PyTorch's single-tensor update rule and state keys."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.optim._update import adam_moments, write
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_adam_args, check_range

__all__ = ["NAdam"]


class NAdam(ParameterwiseOptimizer):
    """Adam with Nesterov momentum and Dozat's momentum schedule mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2):
    p -= lr (1 - mu_t) / (1 - prod mu) * g / d + lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d, with
    d = sqrt(v / (1 - beta2^t)) + eps. decoupled_weight_decay=True shrinks p by lr * weight_decay first
    (NAdamW). State: step, mu_product (a float32 0-d tensor, as PyTorch), exp_avg, exp_avg_sq."""

    _scalar_state = ("step", "mu_product")

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        check_range(momentum_decay, "momentum_decay")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
        state = self._state(p)
        if "mu_product" not in state:
            state["mu_product"] = wrap(np.float32(1.0))
        step, data, g, m, v = adam_moments(p, g, state, lr, group["weight_decay"], group["decoupled_weight_decay"],
                                           (beta1, beta2))
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        mu_product = np.float32(state["mu_product"].array) * np.float32(mu)
        state["mu_product"] = wrap(np.float32(mu_product))
        mu_product = float(mu_product)
        denom = np.sqrt(v / (1 - beta2**step)) + eps
        data = data + (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
        data = data + ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m / denom
        write(p, data)
