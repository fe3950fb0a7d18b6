"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.optim._update import descend
from chainrule.optim.optimizer import ParameterwiseOptimizer, ParamsT, check_lr, check_range

__all__ = ["SGD"]


class SGD(ParameterwiseOptimizer):
    """g = grad + weight_decay * p; with momentum, buf = momentum * buf + (1 - dampening) * g (buf = g on the
    first step) and g = g + momentum * buf (Nesterov) or g = buf; then p -= lr * g. Without momentum no state
    is kept, as PyTorch."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(momentum, "momentum")
        check_range(weight_decay, "weight_decay")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize})

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        momentum, wd = group["momentum"], group["weight_decay"]
        if wd != 0:
            g = g + wd * p.array
        if momentum != 0:
            state = self._state(p)
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = wrap(g.copy())
            else:
                buf._data = buf.array * momentum + (1 - group["dampening"]) * g
            g = g + momentum * buf.array if group["nesterov"] else buf.array
        descend(p, g, group["lr"])
