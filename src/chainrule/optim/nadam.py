"""Adamax, NAdam, RAdam and Adadelta with PyTorch's (single-tensor) update rules and state keys."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.optim._update import buffer, decay_weights, lerp, next_step, params_with_grad, update_moments, write
from chainrule.optim.optimizer import Optimizer, check_adam_args, check_lr, check_range


class Adamax(Optimizer):
    """Adam with the infinity norm: m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps);
    p -= lr / (1 - beta1^t) * m / u. State: step, exp_avg, exp_inf."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                step = next_step(state)
                m = buffer(state, "exp_avg", p._data)
                u = buffer(state, "exp_inf", p._data)
                _, g = decay_weights(p._data, g, lr, wd, False)
                m[...] = lerp(m, g, 1 - beta1)
                np.maximum(u * beta2, np.abs(g) + eps, out=u)
                clr = lr / (1 - beta1**step)
                write(p, p._data + (-clr) * m / u)
        return loss


class NAdam(Optimizer):
    """Adam with Nesterov momentum and Dozat's momentum schedule mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2):
    p -= lr (1 - mu_t) / (1 - prod mu) * g / d + lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d, with
    d = sqrt(v / (1 - beta2^t)) + eps. decoupled_weight_decay=True shrinks p by lr * weight_decay first
    (NAdamW). State: step, mu_product (a float32 0-d tensor, as PyTorch), exp_avg, exp_avg_sq."""

    _scalar_state = ("step", "mu_product")

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        check_range(momentum_decay, "momentum_decay")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            decay = group["momentum_decay"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                if "mu_product" not in state:
                    state["mu_product"] = Tensor._make(np.float32(1.0))
                step = next_step(state)
                m = buffer(state, "exp_avg", p._data)
                v = buffer(state, "exp_avg_sq", p._data)
                data, g = decay_weights(p._data, g, lr, wd, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
                mu_product = np.float32(state["mu_product"]._data) * np.float32(mu)
                state["mu_product"] = Tensor._make(np.float32(mu_product))
                mu_product = float(mu_product)
                update_moments(m, v, g, beta1, beta2)
                denom = np.sqrt(v / (1 - beta2**step)) + eps
                data = data + (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
                data = data + ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m / denom
                write(p, data)
        return loss


class RAdam(Optimizer):
    """Rectified Adam: with rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t), the Adam step scaled by the
    rectification r_t once rho_t > 5, plain momentum SGD (p -= lr m_hat) before. decoupled_weight_decay=True
    shrinks p by lr * weight_decay first. State: step, exp_avg, exp_avg_sq."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_adam_args(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                step = next_step(state)
                m = buffer(state, "exp_avg", p._data)
                v = buffer(state, "exp_avg_sq", p._data)
                data, g = decay_weights(p._data, g, lr, wd, group["decoupled_weight_decay"])
                update_moments(m, v, g, beta1, beta2)
                bc1, bc2 = 1 - beta1**step, 1 - beta2**step
                m_hat = m / bc1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bc2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = (bc2**0.5) / (np.sqrt(v) + eps)
                    write(p, data - m_hat * lr * adaptive * rect)
                else:
                    write(p, data - m_hat * lr)
        return loss


class Adadelta(Optimizer):
    """s = rho s + (1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(s + eps) * g;
    acc = rho acc + (1 - rho) delta^2; p -= lr * delta. State: step, square_avg, acc_delta."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_lr(lr)
        check_range(rho, "rho", high=1.0)
        check_range(eps, "epsilon")
        check_range(weight_decay, "weight_decay")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, g in params_with_grad(group):
                state = self._state(p)
                next_step(state)
                s = buffer(state, "square_avg", p._data)
                acc = buffer(state, "acc_delta", p._data)
                if wd != 0:
                    g = g + wd * p._data
                s[...] = s * rho + (1 - rho) * (g * g)
                delta = np.sqrt(acc + eps) / np.sqrt(s + eps) * g
                acc[...] = acc * rho + (1 - rho) * (delta * delta)
                write(p, p._data + (-lr) * delta)
        return loss
