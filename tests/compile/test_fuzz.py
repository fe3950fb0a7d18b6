"""A differential fuzz test of cr.compile: seeded random training steps, each run twice from the same seed, once
eagerly and once compiled, for several calls with a new batch each call. Every call must give the same results bit
for bit (returned tensors, parameters, `.grad`, optimizer state, buffers, the random generator's state), or the
compiled step must fall back to eager with a CompileWarning (allowed, counted per reason).

Each case is drawn from `random.Random(seed)`: the model (dense, image or token input; Linear, activations,
Dropout, BatchNorm1d, LayerNorm, Conv2d + MaxPool2d, Embedding, nested Sequential and custom Modules, residual
branches, a tied weight used twice, a parameter that gets no gradient, frozen parameters, functional ops on the
way), the loss (one or several, the same loss function twice, scaled), the optimizer (SGD variants, Adam, AdamW,
RMSprop, Adagrad, ...; one or two parameter groups; a scheduler stepping between calls), zero_grad (to None, to
zeros, on the module, none at all: accumulation), two backward() calls with retain_graph, what the step returns,
train/eval switches between calls, float32 or float64.

`FUZZ_CASES=5000 python -m pytest -q tests/compile/test_fuzz.py` runs more cases (200 by default);
`FUZZ_START` moves the first seed. `python tests/compile/test_fuzz.py N [START]` runs N cases and prints a
summary with the fallback rate per reason.
"""

from __future__ import annotations

import os
import random
import re
import sys
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.compile import CompileWarning

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run as a script, too
from compile_helpers import MyReLU, ScaledTanh  # noqa: E402

F = cr.nn.functional
nn = cr.nn

CASES = int(os.environ.get("FUZZ_CASES", "200"))
START = int(os.environ.get("FUZZ_START", "0"))
CALLS_MIN = 4

ACTS = ["ReLU", "Tanh", "Sigmoid", "GELU", "LeakyReLU", "ELU", "SiLU", "Softplus", "Identity"]
LOSSES = {"ce": 6, "mse": 3, "l1": 2, "sq_mean": 2, "sum": 2, "nll": 0.5, "bce": 0.5, "huber": 0.25, "smooth_l1": 0.25}
FUNC_OPS = ["mulc", "addc", "exp_tanh", "log1p_sq", "tanh", "sigmoid", "div", "transpose", "reshape", "slice_cat",
            "stack", "matmul", "center", "sum_keep", "square", "sub_branch", "relu_fn", "neg", "abs", "clamp",
            "softmax", "log_softmax", "pow3", "sqrt", "amax", "logsumexp", "unsqueeze", "expand", "repeat", "var",
            "std", "norm", "normalize", "dtype_trip", "clone", "contiguous", "view", "permute", "flip", "neg_index",
            "none_index", "step_slice", "dropout_fn", "matmul_self", "einsum", "mean_all", "prod", "cumsum",
            "minimum", "maximum", "hardtanh", "relu6", "mish", "rsub", "rdiv", "erf", "sign_mul", "split", "chunk",
            "const_attr", "const_scalar", "const_f64", "where", "detach", "data_index"]


# ---------------------------------------------------------------------------------------------------- the model
def _act(r: random.Random) -> nn.Module:
    name = r.choice(ACTS)
    return getattr(nn, name)()


class Residual(nn.Module):
    """x + act(fc(x)): two paths into x."""

    def __init__(self, d: int, act: nn.Module) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = act

    def forward(self, x: Any) -> Any:
        return x + self.act(self.fc(x))


class Branches(nn.Module):
    """Two branches added: a(x) + 0.5 * b(x)."""

    def __init__(self, d: int, bias: bool) -> None:
        super().__init__()
        self.a = nn.Linear(d, d, bias=bias)
        self.b = nn.Linear(d, d)

    def forward(self, x: Any) -> Any:
        return self.a(x) + self.b(x) * 0.5


class Tied(nn.Module):
    """One weight used twice: fc(tanh(fc(x))) or linear(..., fc.weight) again."""

    def __init__(self, d: int, mode: int) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.mode = mode

    def forward(self, x: Any) -> Any:
        h = self.fc(x).tanh()
        if self.mode == 0:
            return self.fc(h)
        return F.linear(h, self.fc.weight.t()) + self.fc.bias


class Unused(nn.Module):
    """Holds a Linear it never calls: those parameters get no gradient."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.used = nn.Linear(d, d)
        self.spare = nn.Linear(d, d)
        self.scale = nn.Parameter(cr.ones(d))

    def forward(self, x: Any) -> Any:
        return self.used(x) * self.scale


class Custom(nn.Module):
    """A Linear followed by a custom autograd.Function."""

    def __init__(self, d: int, which: int) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.which = which

    def forward(self, x: Any) -> Any:
        h = self.fc(x)
        return MyReLU.apply(h) if self.which == 0 else ScaledTanh.apply(h, 0.5)


class Recurrent(nn.Module):
    """A float sequence (N, L, din) through RNN / LSTM / GRU; the last step's output."""

    def __init__(self, r: random.Random, din: int, d: int) -> None:
        super().__init__()
        kind = r.choice(["RNN", "LSTM", "GRU"])
        self.rnn = getattr(nn, kind)(din, d, batch_first=True)

    def forward(self, x: Any) -> Any:
        out, _ = self.rnn(x)
        return out[:, -1]


class ParamSum(nn.Module):
    """x * (a + b) + c: one gradient array reaches two leaves (the engine gives the second a copy)."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.a = nn.Parameter(cr.ones(d))
        self.b = nn.Parameter(cr.zeros(d))
        self.c = nn.Parameter(cr.zeros(d))

    def forward(self, x: Any) -> Any:
        return x * (self.a + self.b) + self.c


class FuncOps(nn.Module):
    """A chain of functional ops (d -> d), each chosen by the case's generator."""

    def __init__(self, d: int, ops: list[str]) -> None:
        super().__init__()
        self.ops = ops
        self.w = nn.Parameter(cr.randn(d, d) * 0.3) if "matmul" in ops else None
        self.d = d
        # tensors held as plain attributes (not parameters or buffers): read live by a replay
        self.c = cr.linspace(0.5, 1.5, d)
        self.c0 = cr.tensor(0.75)
        self.c64 = cr.tensor(np.linspace(0.5, 1.5, d))

    def forward(self, x: Any) -> Any:
        d = self.d
        for op in self.ops:
            if op == "mulc":
                x = x * 0.75
            elif op == "addc":
                x = 1.5 + x
            elif op == "exp_tanh":
                x = x.tanh().exp()
            elif op == "log1p_sq":
                x = (x * x + 1.0).log()
            elif op == "tanh":
                x = cr.tanh(x)
            elif op == "sigmoid":
                x = x.sigmoid()
            elif op == "div":
                x = x / (x * x + 2.0)
            elif op == "transpose":
                x = x.t().transpose(0, 1)
            elif op == "reshape":
                x = x.reshape(x.shape[0], -1, 1).reshape(x.shape[0], d)
            elif op == "slice_cat":
                k = d // 2
                x = cr.cat([x[:, :k] * 2.0, x[:, k:]], dim=1)
            elif op == "stack":
                x = cr.stack([x, x * x], dim=0).mean(dim=0)
            elif op == "matmul":
                x = x @ self.w
            elif op == "center":
                x = x - x.mean(dim=1, keepdim=True)
            elif op == "sum_keep":
                x = x + x.sum(dim=0, keepdim=True) * 0.01
            elif op == "square":
                x = x * x * 0.5
            elif op == "sub_branch":
                x = x.tanh() - x * 0.25
            elif op == "relu_fn":
                x = F.relu(x)
            elif op == "neg":
                x = -x
            elif op == "abs":
                x = x.abs()
            elif op == "clamp":
                x = x.clamp(-2.0, 2.0)
            elif op == "softmax":
                x = F.softmax(x, dim=1)
            elif op == "log_softmax":
                x = F.log_softmax(x, dim=1)
            elif op == "pow3":
                x = x.tanh().pow(3)
            elif op == "sqrt":
                x = (x * x + 1).sqrt()
            elif op == "amax":
                x = x - x.amax(dim=1, keepdim=True)
            elif op == "logsumexp":
                x = x - x.logsumexp(dim=1, keepdim=True)
            elif op == "unsqueeze":
                x = x.unsqueeze(1).squeeze(1)
            elif op == "expand":
                x = x.unsqueeze(0).expand(2, *x.shape).sum(0)
            elif op == "repeat":
                x = x.repeat(1, 2)[:, ::2]
            elif op == "var":
                x = x / (x.var(dim=1, keepdim=True) + 1)
            elif op == "std":
                x = x / (x.std() + 1)
            elif op == "norm":
                x = x / (x.norm() + 1)
            elif op == "normalize":
                x = F.normalize(x, dim=1)
            elif op == "dtype_trip":
                x = x.double().float() if x.dtype == cr.float32 else x.float().double()
            elif op == "clone":
                x = x.clone()
            elif op == "contiguous":
                x = x.t().contiguous().t()
            elif op == "view":
                x = x.reshape(-1).view(x.shape[0], d)
            elif op == "permute":
                x = x.unsqueeze(2).permute(0, 2, 1).squeeze(1)
            elif op == "flip":
                x = x.flip(1)
            elif op == "neg_index":
                x = x[:, -1:] * x
            elif op == "data_index":  # an integer index from this call's data: x[:, i] with a 0-d tensor i
                i = (x.detach()[0, 0] > x.detach().mean()).long()  # 0 or 1, from this call's values
                x = x + x[:, i].unsqueeze(1) * 0.5
            elif op == "none_index":
                x = x[:, None, :].sum(1)
            elif op == "step_slice":
                x = cr.cat([x[:, ::2], x[:, 1::2]], dim=1)
            elif op == "dropout_fn":
                x = F.dropout(x, 0.3, training=self.training)
            elif op == "matmul_self":
                x = x @ x.t() @ x * 0.1
            elif op == "einsum":
                x = cr.einsum("ij,ij->ij", x, x.tanh())
            elif op == "mean_all":
                x = x - x.mean()
            elif op == "prod":
                x = x * x.tanh().prod(dim=1, keepdim=True)
            elif op == "cumsum":
                x = x.cumsum(dim=1) * 0.5
            elif op == "minimum":
                x = cr.minimum(x, x * 0.5)
            elif op == "maximum":
                x = cr.maximum(x, x * 0.5)
            elif op == "hardtanh":
                x = F.hardtanh(x)
            elif op == "relu6":
                x = F.relu6(x)
            elif op == "mish":
                x = F.mish(x)
            elif op == "rsub":
                x = 1.0 - x
            elif op == "rdiv":
                x = 1.0 / (x * x + 1.0)
            elif op == "erf":
                x = cr.erf(x)
            elif op == "sign_mul":
                x = x * x.sign()
            elif op == "split":
                x = cr.cat(list(x.split(2, dim=1)), dim=1)
            elif op == "chunk":
                x = cr.cat(list(reversed(x.chunk(2, dim=1))), dim=1)
            elif op == "const_attr":
                x = x * self.c.to(x.dtype)
            elif op == "const_scalar":
                x = x * self.c0
            elif op == "const_f64":
                x = x * self.c64
            elif op == "where":  # a comparison: falls back
                x = cr.where(x > 0, x, x * 0.1)
            elif op == "detach":  # detach(): falls back
                x = x * x.detach()
        return x


def _block(r: random.Random, d: int, cfg: dict, depth: int = 0) -> nn.Module:
    kind = r.choice(["linear_act", "linear_act", "dropout", "batchnorm", "layernorm", "residual", "branches",
                     "tied", "unused", "funcops", "funcops", "nested", "param_sum", "custom"])
    if kind == "linear_act":
        return nn.Sequential(nn.Linear(d, d, bias=r.random() < 0.8), _act(r))
    if kind == "dropout":
        return nn.Dropout(r.choice([0.1, 0.5]))
    if kind == "batchnorm" and cfg["n"] > 1:
        return nn.BatchNorm1d(d, momentum=r.choice([0.1, None]), affine=r.random() < 0.8)
    if kind in ("layernorm", "batchnorm"):
        return nn.LayerNorm(d)
    if kind == "residual":
        return Residual(d, _act(r))
    if kind == "branches":
        return Branches(d, r.random() < 0.5)
    if kind == "tied":
        return Tied(d, r.randrange(2))
    if kind == "unused":
        return Unused(d)
    if kind == "param_sum":
        return ParamSum(d)
    if kind == "custom":
        return Custom(d, r.randrange(2))
    if kind == "funcops":
        return FuncOps(d, [r.choice(FUNC_OPS) for _ in range(r.randint(1, 4))])
    if depth < 2:
        return nn.Sequential(*[_block(r, d, cfg, depth + 1) for _ in range(r.randint(1, 3))])
    return _act(r)


class Net(nn.Module):
    """Input stem (dense, image or tokens) -> blocks -> one or two heads."""

    def __init__(self, r: random.Random, cfg: dict) -> None:
        super().__init__()
        d = cfg["d"]
        if cfg["input"] == "vec":
            self.stem = nn.Sequential(nn.Linear(cfg["din"], d), _act(r))
        elif cfg["input"] == "img":  # 1 x 6 x 6 images
            c = r.choice([2, 3])
            conv, side = r.choice([(dict(padding=1), 6), (dict(), 4), (dict(stride=2, padding=1), 3)])
            layers = [nn.Conv2d(1, c, 3, bias=r.random() < 0.8, **conv)]
            if r.random() < 0.3 and cfg["n"] > 1:
                layers.append(nn.BatchNorm2d(c))
            layers.append(_act(r))
            if r.random() < 0.2:
                layers.append(nn.Dropout2d(0.25))
            pool = r.choice(["max2", "avg2", "max3s1", "adaptive", "none"]) if side >= 4 else "none"
            if pool == "max2":
                layers.append(nn.MaxPool2d(2))
                side //= 2
            elif pool == "avg2":
                layers.append(nn.AvgPool2d(2))
                side //= 2
            elif pool == "max3s1":
                layers.append(nn.MaxPool2d(3, stride=1))
                side -= 2
            elif pool == "adaptive":
                layers.append(nn.AdaptiveAvgPool2d(2))
                side = 2
            layers += [nn.Flatten(), nn.Linear(c * side * side, d)]
            self.stem = nn.Sequential(*layers)
        elif cfg["input"] == "seq":
            self.stem = Recurrent(r, cfg["din"], d)
        else:
            self.emb = nn.Embedding(cfg["vocab"], 4)
            self.pool = cfg["pool"]
            self.stem = nn.Linear(4 * cfg["seq"] if self.pool == "flat" else 4, d)
        self.body = nn.Sequential(*[_block(r, d, cfg) for _ in range(r.randint(0, 4))])
        self.stem_no_grad = cfg["stem_no_grad"]  # a frozen feature extractor: the stem runs under no_grad
        self.head = nn.Linear(d, cfg["classes"])
        self.head2 = nn.Linear(d, cfg["classes"]) if cfg["two_heads"] else None
        # a 0-d parameter (a learned temperature), or the head's weight tied to the second head's
        self.temp = nn.Parameter(cr.tensor(1.0)) if cfg["temp"] else None
        if cfg["two_heads"] and cfg["tie_heads"]:
            self.head2.weight = self.head.weight

    def forward(self, x: Any) -> Any:
        if hasattr(self, "emb"):
            e = self.emb(x)
            x = e.reshape(e.shape[0], -1) if self.pool == "flat" else e.mean(dim=1)
        if self.stem_no_grad:
            with cr.no_grad():
                h = self.stem(x)
            h = self.body(h)
        else:
            h = self.body(self.stem(x))
        out = self.head(h)
        if self.temp is not None:
            out = out * self.temp
        if self.head2 is not None:
            return out, self.head2(h)
        return out


# ---------------------------------------------------------------------------------------------------- the case
def draw_case(seed: int) -> dict:
    """The case's settings (everything but the model, which is drawn while it is built)."""
    r = random.Random(seed)
    cfg: dict = {"seed": seed}
    # inputs a trace falls back on (Embedding's indices, a recurrent layer's zero state) are drawn less often
    cfg["input"] = r.choices(["vec", "img", "tok", "seq"], [8, 3, 0.5, 0.3])[0]
    cfg["din"] = r.choice([3, 5, 8])
    cfg["vocab"], cfg["seq"], cfg["pool"] = 11, r.choice([2, 3]), r.choice(["flat", "mean"])
    cfg["d"] = r.choice([4, 6, 8])
    cfg["n"] = r.choice([1, 2, 3, 5, 8, 8])
    if r.random() < 0.03:  # large: ReLU's gradient above the inline size, SGD's scratch array (64K elements)
        cfg["d"], cfg["n"] = r.choice([(128, 80), (256, 16)])
    cfg["classes"] = r.choice([2, 3, 4])
    cfg["two_heads"] = r.random() < 0.25
    cfg["float64"] = r.random() < 0.25
    cfg["x_grad"] = cfg["input"] != "tok" and r.random() < 0.08
    cfg["x_grad_inside"] = cfg["input"] != "tok" and not cfg["x_grad"] and r.random() < 0.05  # requires_grad_()
    # losses a trace falls back on (nll, bce, huber, smooth_l1 today) are drawn less often: the fuzzer is for replays
    kinds, weights = zip(*LOSSES.items())
    cfg["losses"] = [(r.choices(kinds, weights)[0], r.choice([1.0, 1.0, 0.5, 3.0]), r.randrange(2))
                     for _ in range(r.choices([1, 2, 3], [5, 3, 1])[0])]
    if r.random() < 0.1:
        cfg["losses"].append(cfg["losses"][0])  # the very same loss again
    cfg["two_backward"] = len(cfg["losses"]) > 1 and r.random() < 0.25
    # between the two backward() calls: nothing, or one of the zero_grad forms (the first gradient is dropped)
    cfg["zero_mid"] = r.choice([None, None, "opt_none", "opt_zeros", "module_none", "module_zeros"])
    cfg["opt"] = r.choice(["sgd", "sgd", "sgd_m", "sgd_nesterov", "sgd_wd", "adam", "adam_ams", "adamw", "rmsprop",
                           "rmsprop_c", "adagrad", "adamax", "nadam", "radam", "adadelta"])
    cfg["groups"] = r.random() < 0.2
    cfg["sched"] = r.choice([None, None, "step", "exp", "cos", "onecycle", "chained"])
    cfg["sched_inside"] = r.random() < 0.4  # scheduler.step() inside the step (after the update), else between
    cfg["zero"] = r.choices(["none_true", "none_false", "module", "module_false", "end", "never"],
                            [6, 2, 1, 1, 2, 2])[0]
    cfg["ret"] = r.choice(["loss", "loss", "tuple", "list", "none", "out"])
    cfg["frozen"] = r.random() < 0.08
    cfg["calls"] = r.randint(CALLS_MIN, 7)
    cfg["modes"] = [r.random() < 0.85 for _ in range(cfg["calls"])] if r.random() < 0.3 else [True] * cfg["calls"]
    # gradient clipping between backward and the update (compiled: the replay calls the same function)
    cfg["clip"] = r.choices([None, "norm", "norm_inf", "norm_list", "value"], [80, 8, 4, 4, 4])[0]
    cfg["shape_change"] = r.random() < 0.05
    cfg["temp"] = r.random() < 0.1
    cfg["tie_heads"] = r.random() < 0.3
    cfg["layout"] = r.random() < 0.15  # inputs as Fortran-ordered or strided arrays on some calls
    cfg["two_opts"] = r.random() < 0.1  # the head has an optimizer of its own
    cfg["double_forward"] = r.random() < 0.1  # the model runs twice in the step (x and x * 0.5)
    cfg["metric"] = r.choice([None, None, None, None, "no_grad", "plain"])  # a value computed besides the loss
    cfg["accumulate"] = r.random() < 0.1  # a bool argument: update (and zero) only when it is True
    cfg["reuse_x"] = not cfg["shape_change"] and r.random() < 0.05  # the same input tensor on every call
    cfg["keywords"] = r.random() < 0.1  # target and bce passed as keyword arguments
    cfg["stem_no_grad"] = r.random() < 0.05
    cfg["micro"] = r.random() < 0.08
    cfg["evaluate"] = r.random() < 0.15  # an evaluation step (eval mode, no_grad) after each call, compiled too
    cfg["nonfinite"] = r.choices([None, "nan", "inf", "big"], [16, 2, 1, 1])[0]  # in one later call's input
    # after the update: nothing, or what a replay does not do (the step must run eagerly)
    cfg["post"] = r.choices([None, "grad_none", "data_clip", "clamp_"], [60, 1, 1, 1])[0]
    cfg["between"] = r.choices([None, "rebind", "scale", "zero_outside", "set_lr", "load_state", "constants",
                                "freeze", "grad_none"], [14, 1, 1, 1, 1, 1, 1, 1, 1])[0]
    return cfg


def _loss(kind: str, out: Any, y: Any, target: Any, bce_target: Any) -> Any:
    if kind == "ce":
        return F.cross_entropy(out, y)
    if kind == "nll":
        return F.nll_loss(F.log_softmax(out, dim=1), y)
    if kind == "mse":
        return F.mse_loss(out, target)
    if kind == "l1":
        return F.l1_loss(out, target)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(out, bce_target)
    if kind == "huber":
        return F.huber_loss(out, target)
    if kind == "smooth_l1":
        return F.smooth_l1_loss(out, target)
    if kind == "sq_mean":
        return (out * out).mean()
    return out.sum() * 0.01


def _optimizer(cfg: dict, model: nn.Module, params: list | None = None) -> Any:
    o = cfg["opt"]
    if params is None:
        params = [p for p in model.parameters() if p.requires_grad]
    if cfg["groups"]:
        half = len(params) // 2
        params = [{"params": params[:half]}, {"params": params[half:], "lr": 0.02}]
    if o == "sgd":
        return cr.optim.SGD(params, lr=0.05)
    if o == "sgd_m":
        return cr.optim.SGD(params, lr=0.05, momentum=0.9, dampening=0.1)
    if o == "sgd_nesterov":
        return cr.optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    if o == "sgd_wd":
        return cr.optim.SGD(params, lr=0.05, weight_decay=1e-2)
    if o == "adam":
        return cr.optim.Adam(params, lr=1e-2)
    if o == "adam_ams":
        return cr.optim.Adam(params, lr=1e-2, amsgrad=True, weight_decay=1e-3)
    if o == "adamw":
        return cr.optim.AdamW(params, lr=1e-2)
    if o == "rmsprop":
        return cr.optim.RMSprop(params, lr=1e-2)
    if o == "rmsprop_c":
        return cr.optim.RMSprop(params, lr=1e-2, momentum=0.5, centered=True)
    if o == "adagrad":
        return cr.optim.Adagrad(params, lr=1e-2)
    if o == "adamax":
        return cr.optim.Adamax(params, lr=1e-2)
    if o == "nadam":
        return cr.optim.NAdam(params, lr=1e-2)
    if o == "radam":
        return cr.optim.RAdam(params, lr=1e-2)
    return cr.optim.Adadelta(params, lr=1.0)


def _scheduler(cfg: dict, opt: Any) -> Any:
    s = cfg["sched"]
    if s == "step":
        return cr.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    if s == "exp":
        return cr.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    if s == "cos":
        return cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    if s == "onecycle":
        cycle = cfg["opt"] in ("sgd_m", "sgd_nesterov", "adam", "adam_ams", "adamw", "nadam", "radam", "adamax")
        return cr.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20, cycle_momentum=cycle)
    if s == "chained":
        lrs = cr.optim.lr_scheduler
        return lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9), lrs.StepLR(opt, 2, 0.5)])
    return None


def _batches(cfg: dict) -> list:
    """One batch per call (numpy arrays), the same for both twins."""
    g = np.random.default_rng(cfg["seed"] + 1_000_003)
    dt = np.float64 if cfg["float64"] else np.float32
    out = []
    for k in range(cfg["calls"]):
        n = cfg["n"] + (1 if cfg["shape_change"] and k == cfg["calls"] // 2 else 0)
        if cfg["input"] == "vec":
            x = g.standard_normal((n, cfg["din"])).astype(dt)
        elif cfg["input"] == "img":
            x = g.standard_normal((n, 1, 6, 6)).astype(dt)
        elif cfg["input"] == "seq":
            x = g.standard_normal((n, cfg["seq"], cfg["din"])).astype(dt)
        else:
            x = g.integers(0, cfg["vocab"], (n, cfg["seq"])).astype(np.int64)
        y = g.integers(0, cfg["classes"], n).astype(np.int64)
        target = g.standard_normal((n, cfg["classes"])).astype(dt)
        bce = g.random((n, cfg["classes"])).astype(dt)
        if cfg["nonfinite"] and k >= 2 and k % 2 == 0 and x.dtype.kind == "f":
            x.flat[k % x.size] = {"nan": np.nan, "inf": -np.inf, "big": 1e30}[cfg["nonfinite"]]
        out.append((x, y, target, bce))
    return out


class Twin:
    """One side of a case: its model, optimizer, scheduler and step (the same for both sides, from the seed)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        cr.manual_seed(cfg["seed"])
        r = random.Random(cfg["seed"] * 7919 + 17)
        self.model = Net(r, cfg)
        if cfg["float64"]:
            self.model.double()
        if cfg["frozen"]:
            mods = [m for m in self.model.modules() if isinstance(m, nn.Linear) and m is not self.model.head]
            for p in (r.choice(mods).parameters() if mods else ()):
                p.requires_grad_(False)
        head = {id(p) for p in self.model.head.parameters() if p.requires_grad}
        rest = [p for p in self.model.parameters() if p.requires_grad and id(p) not in head]
        if cfg["two_opts"] and head and rest:
            self.opts = [_optimizer(cfg, self.model, rest),
                         cr.optim.SGD([p for p in self.model.head.parameters() if p.requires_grad], lr=0.03)]
        else:
            self.opts = [_optimizer(cfg, self.model)]
        self.opt = self.opts[0]
        self.sched = _scheduler(cfg, self.opt)
        self.sched_inside = self.sched if cfg["sched_inside"] else None
        self.step = self._make_step()
        model = self.model

        def evaluate(x):
            with cr.no_grad():
                out = model(x)
            return out[0] if isinstance(out, tuple) else out

        self.evaluate = evaluate

    def _make_step(self) -> Any:
        cfg, model, opts = self.cfg, self.model, self.opts
        losses, zero, ret = cfg["losses"], cfg["zero"], cfg["ret"]
        two_backward, clip, double, metric = cfg["two_backward"], cfg["clip"], cfg["double_forward"], cfg["metric"]
        zero_mid, post, x_grad_inside = cfg["zero_mid"], cfg["post"], cfg["x_grad_inside"]
        micro = cfg["micro"] and cfg["n"] >= 4  # (BatchNorm needs two samples per micro-batch)

        def zero_grad(when: str) -> None:
            if zero == "end" and when == "end":
                for opt in opts:
                    opt.zero_grad()
            if when != "start":
                return
            if zero == "none_true":
                for opt in opts:
                    opt.zero_grad()
            elif zero == "none_false":
                for opt in opts:
                    opt.zero_grad(set_to_none=False)
            elif zero == "module":
                model.zero_grad()
            elif zero == "module_false":
                model.zero_grad(set_to_none=False)

        def step(x, y, target, bce, update=True):
            if x_grad_inside:
                x.requires_grad_(True)
            if update:
                zero_grad("start")
            if micro:  # gradient accumulation over two micro-batches, one backward() each
                total = None
                half = (x.shape[0] + 1) // 2
                for xb, yb, tb, bb in zip(x.split(half), y.split(half), target.split(half), bce.split(half)):
                    out = model(xb)
                    out = out[0] if isinstance(out, tuple) else out
                    part = _loss(losses[0][0], out, yb, tb, bb) * 0.5
                    part.backward()
                    total = part if total is None else total + part
                if update:
                    for opt in opts:
                        opt.step()
                return total if ret != "none" else None
            out = model(x)
            outs = out if isinstance(out, tuple) else (out,)
            terms = []
            for kind, scale, head in losses:
                term = _loss(kind, outs[head % len(outs)], y, target, bce)
                terms.append(term * scale if scale != 1.0 else term)
            if double:
                again = model(x * 0.5 if x.is_floating_point() else x)
                again = again[0] if isinstance(again, tuple) else again
                terms.append(_loss(losses[0][0], again, y, target, bce))
            if two_backward:
                first = terms[0]
                rest = terms[1]
                for t in terms[2:]:
                    rest = rest + t
                first.backward(retain_graph=True)
                if zero_mid == "opt_none" or zero_mid == "opt_zeros":
                    for opt in opts:
                        opt.zero_grad(set_to_none=zero_mid == "opt_none")
                elif zero_mid is not None:
                    model.zero_grad(set_to_none=zero_mid == "module_none")
                rest.backward()
                loss = first
            else:
                loss = terms[0]
                for t in terms[1:]:
                    loss = loss + t
                loss.backward()
            if clip == "norm":
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            elif clip == "norm_inf":
                nn.utils.clip_grad_norm_(model.parameters(), 0.3, norm_type=float("inf"))
            elif clip == "norm_list":
                nn.utils.clip_grad_norm_(list(model.parameters()), 0.5, norm_type=1.0)
            elif clip == "value":
                nn.utils.clip_grad_value_(model.parameters(), 0.05)
            if post == "grad_none":
                model.head.weight.grad = None
            if update:
                for opt in opts:
                    opt.step()
                if self.sched_inside is not None:
                    self.sched_inside.step()
                if post in ("data_clip", "clamp_"):
                    with cr.no_grad():
                        if post == "data_clip":
                            model.head.weight.data = model.head.weight.clamp(-0.2, 0.2)
                        else:
                            model.head.weight.clamp_(-0.2, 0.2)
                zero_grad("end")
            extra = None
            if metric == "no_grad":
                with cr.no_grad():
                    extra = model(x)
                    extra = (extra[0] if isinstance(extra, tuple) else extra).sum(dim=1)
            elif metric == "plain":
                extra = (outs[0] * outs[0]).mean(dim=1)
            if ret == "loss":
                return loss
            if ret == "tuple":
                return loss, terms[-1] if extra is None else extra
            if ret == "list":
                return [terms[0], loss]
            if ret == "out":
                return outs[0], loss
            return None

        return step

    def run(self, step: Any, batches: list, evaluate: Any = None) -> list:
        """Call the step on each batch (train/eval as the case says, the scheduler after each call); a snapshot
        of everything after each call."""
        cfg = self.cfg
        cr.manual_seed(cfg["seed"] + 1)
        snaps = []
        results = []
        xt = None
        for k, (x, y, target, bce) in enumerate(batches):
            self.model.train(cfg["modes"][k])
            if cfg["layout"] and k % 2 == 1 and x.ndim == 2:
                x = np.asfortranarray(x) if k % 4 == 1 else np.repeat(x, 2, axis=0)[::2]
            if xt is None or not cfg["reuse_x"]:
                xt = cr.tensor(x if cfg["layout"] else x.copy(), requires_grad=cfg["x_grad"])
            args = [xt, cr.tensor(y.copy()), cr.tensor(target.copy()), cr.tensor(bce.copy())]
            if cfg["accumulate"]:
                args.append(k % 2 == 1)
            if cfg["keywords"]:
                result = step(*args[:2], target=args[2], bce=args[3], **({"update": args[4]} if args[4:] else {}))
            else:
                result = step(*args)
            results.append(result)
            snaps.append(self.snapshot(result, xt))
            if evaluate is not None:
                mode = self.model.training
                self.model.eval()
                snaps.append({"evaluation": _value(evaluate(xt))})
                self.model.train(mode)
            if self.sched is not None and self.sched_inside is None:
                self.sched.step()
            self.between(k)
        # what the calls returned, read again at the end: nothing the replay reuses may have changed them
        snaps.append({"results at the end": [_value(r) for r in results]})
        return snaps

    def between(self, k: int) -> None:
        """What the user's loop does between two calls."""
        what = self.cfg["between"]
        if what is None or k % 2 == 0:
            return
        params = list(self.model.parameters())
        p = params[k % len(params)]
        if what == "rebind":
            p.data = p.detach().clone()
        elif what == "scale":
            with cr.no_grad():
                p.mul_(0.5)
        elif what == "zero_outside":
            self.model.zero_grad()
        elif what == "freeze":  # freeze the stem after the second call, unfreeze it after the fourth
            for q in self.model.stem.parameters():
                q.requires_grad_(k % 4 != 1)
        elif what == "grad_none":  # one parameter's .grad dropped by hand
            p.grad = None
        elif what == "set_lr":
            self.opt.param_groups[0]["lr"] = 0.5 * self.opt.param_groups[0]["lr"]
        elif what == "constants":  # the tensors FuncOps holds as attributes: changed in place, or rebound
            for m in self.model.modules():
                if isinstance(m, FuncOps):
                    if k % 4 == 1:
                        m.c.array[...] = m.c.array * 1.5
                    else:
                        m.c = cr.linspace(0.25, 1.25, m.d)
                        m.c0 = cr.tensor(0.5)
        elif what == "load_state":
            self.model.load_state_dict({k: v.clone() for k, v in self.model.state_dict().items()})
            self.opt.load_state_dict(self.opt.state_dict())

    def snapshot(self, result: Any, x: Any) -> dict:
        snap: dict = {"result": _value(result), "x.grad": _value(x.grad), "x.requires_grad": x.requires_grad}
        for name, p in self.model.named_parameters():
            snap[f"param {name}"] = _value(p)
            snap[f"grad {name}"] = _value(p.grad)
        for name, b in self.model.named_buffers():
            snap[f"buffer {name}"] = _value(b)
        for i, opt in enumerate(self.opts):
            snap[f"optimizer {i}"] = _value(opt.state_dict())
        snap["rng"] = repr(cr.random.default_generator.get_state())
        snap["aliases"] = _aliases(result, self.model, self.opts)
        return snap


def _arrays(v: Any, key: str, out: list) -> None:
    if isinstance(v, cr.Tensor):
        out.append((key, v.array))
    elif isinstance(v, np.ndarray):
        out.append((key, v))
    elif isinstance(v, dict):
        for k, x in v.items():
            _arrays(x, f"{key}.{k}", out)
    elif isinstance(v, tuple | list):
        for i, x in enumerate(v):
            _arrays(x, f"{key}[{i}]", out)


def _aliases(result: Any, model: nn.Module, opts: list) -> list:
    """Which of the arrays a user can see share memory (the returned tensors, parameters, `.grad`, buffers,
    optimizer state): eager and replay must agree, or an in-place change of one would reach the other."""
    arrays: list = []
    _arrays(result, "result", arrays)
    for name, p in model.named_parameters():
        _arrays(p, f"param {name}", arrays)
        if p.grad is not None:
            _arrays(p.grad, f"grad {name}", arrays)
    for name, b in model.named_buffers():
        _arrays(b, f"buffer {name}", arrays)
    for i, opt in enumerate(opts):
        for j, state in enumerate(opt.state.values()):
            _arrays(dict(state), f"opt{i} state{j}", arrays)
    # (0-d values are left out: the replay returns 0-d results as NumPy scalars, which cannot alias)
    arrays = [(k, a) for k, a in arrays if type(a) is np.ndarray and a.ndim and a.size]
    pairs = []
    for i, (ka, a) in enumerate(arrays):
        for kb, b in arrays[i + 1:]:
            if np.may_share_memory(a, b) and np.shares_memory(a, b):
                pairs.append((ka, kb))
    return pairs


def _value(v: Any) -> Any:
    """A comparable, bit-exact form of a result or of state."""
    if v is None:
        return None
    if isinstance(v, cr.Tensor):
        a = np.asarray(v.detach().numpy())
        return ("tensor", a.dtype.str, a.shape, a.tobytes(), v.requires_grad and v.grad_fn is None)
    if isinstance(v, np.ndarray | np.generic):
        a = np.asarray(v)
        return ("array", a.dtype.str, a.shape, a.tobytes())
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    if isinstance(v, tuple | list):
        return (type(v).__name__, [_value(x) for x in v])
    if isinstance(v, float):
        return ("float", np.float64(v).tobytes())
    return v


def fallback_kind(reason: str) -> str:
    """A fallback reason, shortened, with the code of the user's line (without file and line number): what the
    fallback rates are counted by."""
    at = re.search(r"\(at [^:]*:\d+: (.*)\)$", reason)
    reason = re.sub(r"\(at .*", "", reason)
    reason = re.sub(r"\d+", "N", reason)
    return reason[:90].strip() + (f" [at {at.group(1)}]" if at else "")


def run_case(seed: int) -> tuple[str, str | None]:
    """('replayed' | 'fallback' | 'eager raises', reason) when eager and compiled agree; AssertionError when they do
    not. A drawn step that raises in eager code must raise the same when compiled."""
    cfg = draw_case(seed)
    batches = _batches(cfg)
    eager = Twin(cfg)
    try:
        expect = eager.run(eager.step, batches, eager.evaluate if cfg["evaluate"] else None)
    except Exception as exc:  # noqa: BLE001 - a drawn step that is invalid in eager code (every layer frozen, ...)
        other = Twin(cfg)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(type(exc)) as raised:  # compiled: the same error (its first call runs eagerly)
                other.run(cr.compile(other.step), batches, cr.compile(other.evaluate) if cfg["evaluate"] else None)
        assert str(raised.value) == str(exc), f"seed {seed}: eager and compiled raise differently"
        return "eager raises", type(exc).__name__
    other = Twin(cfg)
    compiled = cr.compile(other.step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = other.run(compiled, batches, cr.compile(other.evaluate) if cfg["evaluate"] else None)
    for k, (a, b) in enumerate(zip(expect, got)):
        for key in a:
            if a[key] != b[key]:
                detail = f" (eager {a[key]}, compiled {b[key]})" if key == "aliases" else ""
                raise AssertionError(f"seed {seed}: call {k}: {key} differs between eager and compiled{detail} "
                                     f"(replays {compiled.replays}, traces {compiled.traces}, "
                                     f"fallback {compiled.fallback_reason!r}); case {cfg}")
    warned = [w for w in caught if issubclass(w.category, CompileWarning)]
    if compiled.fallback_reason is not None:
        assert warned, f"seed {seed}: fell back without a CompileWarning"
        return "fallback", fallback_kind(compiled.fallback_reason)
    if compiled.replays == 0:
        return "no replay", f"traces {compiled.traces}"
    return "replayed", None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN and overflow in the cases with non-finite inputs
@pytest.mark.parametrize("seed", range(START, START + CASES))
def test_compiled_step_equals_eager(seed: int) -> None:
    run_case(seed)


def main(argv: list[str]) -> None:  # pragma: no cover - the long local run
    import time

    n = int(argv[1]) if len(argv) > 1 else 1000
    start = int(argv[2]) if len(argv) > 2 else 0
    outcomes: Counter = Counter()
    reasons: Counter = Counter()
    first: dict = {}
    failures = []
    t0 = time.perf_counter()
    for seed in range(start, start + n):
        try:
            kind, reason = run_case(seed)
        except AssertionError as exc:
            failures.append((seed, str(exc)[:400]))
            outcomes["MISMATCH"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - the case itself failed (eagerly): report it
            failures.append((seed, f"ERROR {type(exc).__name__}: {exc}"[:400]))
            outcomes["error"] += 1
            continue
        outcomes[kind] += 1
        if reason is not None:
            reasons[(kind, reason)] += 1
            first.setdefault((kind, reason), seed)
    print(f"{n} cases in {time.perf_counter() - t0:.1f} s: {dict(outcomes)}")
    for (kind, reason), c in reasons.most_common():
        print(f"  {c:5d} ({100 * c / n:.1f}%) {kind}: {reason} (first: seed {first[(kind, reason)]})")
    for seed, msg in failures:
        print(f"  seed {seed}: {msg}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
