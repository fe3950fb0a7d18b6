"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (PyTorch's rule)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import descend
from chainrule.optim.optimizer import Optimizer, check_lr, check_range


class SGD(Optimizer):
    """g = grad + weight_decay * p; with momentum, buf = momentum * buf + (1 - dampening) * g (buf = g on the
    first step) and g = g + momentum * buf (Nesterov) or g = buf; then p -= lr * g."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(momentum, "momentum")
        check_range(weight_decay, "weight_decay")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            maximize = group.get("maximize", False)
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                g = -grad._data if maximize else grad._data
                if wd != 0:
                    g = g + wd * p._data
                if momentum != 0:
                    state = self._state(p)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = Tensor._make(g.copy())
                    else:
                        buf._data = buf._data * momentum + (1 - dampening) * g
                    g = g + momentum * buf._data if nesterov else buf._data
                descend(p, g, lr)
        return loss
