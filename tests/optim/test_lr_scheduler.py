"""The learning-rate schedulers against PyTorch: lr sequences step for step over many steps (two
parameter groups with different lrs), momentum/betas cycled by OneCycleLR, last_epoch, state_dict
round trips, composite schedulers, and the errors for bad arguments."""

from __future__ import annotations

import math

import pytest
import torch

import chainrule as cr

STEPS = 120


class Halve:
    """A callable object: its __dict__ is what LambdaLR's state_dict keeps."""

    def __init__(self, every: int) -> None:
        self.every = every

    def __call__(self, epoch: int) -> float:
        return 0.5 ** (epoch // self.every)


def optimizers(name: str = "SGD", **kwargs):
    lin_c, lin_t = cr.nn.Linear(2, 2), torch.nn.Linear(2, 2)

    def groups(lin):
        return [{"params": [lin.weight]}, {"params": [lin.bias], "lr": 0.03}]

    return (getattr(cr.optim, name)(groups(lin_c), lr=0.1, **kwargs),
            getattr(torch.optim, name)(groups(lin_t), lr=0.1, **kwargs))


def scheduler(lib, opt, name: str, kwargs: dict):
    return getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)


CONFIGS = [
    ("MultiStepLR", {"milestones": [3, 7, 7, 40], "gamma": 0.5}),
    ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (1 + e)}),
    ("LambdaLR", {"lr_lambda": [lambda e: 0.97**e, Halve(10)]}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.95}),
    ("MultiplicativeLR", {"lr_lambda": [lambda e: 0.99, lambda e: 1.0 if e % 3 else 0.9]}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.7, "total_iters": 37}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 90}),
    ("ConstantLR", {}),
    ("ConstantLR", {"factor": 0.3, "total_iters": 17}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 80, "power": 2.0}),
    ("PolynomialLR", {"total_iters": 50, "power": 0.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 10}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 1e-3}),
    ("StepLR", {"step_size": 7, "gamma": 0.8}),
    ("ExponentialLR", {"gamma": 0.97}),
    ("CosineAnnealingLR", {"T_max": 13, "eta_min": 1e-3}),
]


def same(a: list[float], b: list[float]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15), (a, b)


def run(opt_c, opt_t, sched_c, sched_t, steps: int = STEPS, extra=None) -> None:
    same(sched_c.get_last_lr(), sched_t.get_last_lr())
    for _ in range(steps):
        opt_c.step()
        opt_t.step()
        sched_c.step()
        sched_t.step()
        same(sched_c.get_last_lr(), sched_t.get_last_lr())
        same([g["lr"] for g in opt_c.param_groups], [g["lr"] for g in opt_t.param_groups])
        assert getattr(sched_c, "last_epoch", None) == getattr(sched_t, "last_epoch", None)
        if extra:
            extra()


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_lr_sequence_matches_pytorch(name: str, kwargs: dict) -> None:
    opt_c, opt_t = optimizers()
    run(opt_c, opt_t, scheduler(cr, opt_c, name, kwargs), scheduler(torch, opt_t, name, kwargs))


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_state_dict_resumes_like_pytorch(name: str, kwargs: dict) -> None:
    opt_c, opt_t = optimizers()
    sched_c, sched_t = scheduler(cr, opt_c, name, kwargs), scheduler(torch, opt_t, name, kwargs)
    for _ in range(23):
        opt_c.step()
        opt_t.step()
        sched_c.step()
        sched_t.step()
    sd_c, sd_t = sched_c.state_dict(), sched_t.state_dict()
    assert "optimizer" not in sd_c and sd_c["last_epoch"] == sd_t["last_epoch"] == 23
    if "lr_lambdas" in sd_t:
        assert sd_c["lr_lambdas"] == sd_t["lr_lambdas"]
    # a new scheduler on a new optimizer, both loaded from the saved states, continues the sequence
    opt2, _ = optimizers()
    opt2.load_state_dict(opt_c.state_dict())
    fresh_kwargs = dict(kwargs)
    if "lr_lambda" in kwargs:
        fresh_kwargs["lr_lambda"] = ([Halve(99) if isinstance(f, Halve) else f for f in kwargs["lr_lambda"]]
                                     if isinstance(kwargs["lr_lambda"], list) else kwargs["lr_lambda"])
    sched2 = scheduler(cr, opt2, name, fresh_kwargs)
    sched2.load_state_dict(sd_c)
    assert sched2.last_epoch == 23
    if isinstance(kwargs.get("lr_lambda"), list) and isinstance(kwargs["lr_lambda"][1], Halve):
        assert sched2.lr_lambdas[1].every == 10  # the callable object's state came back
    for group, saved in zip(opt2.param_groups, opt_c.param_groups):
        group["lr"] = saved["lr"]
    run(opt2, opt_t, sched2, sched_t, steps=40)


@pytest.mark.parametrize("last_epoch", [0, 5])
def test_resuming_with_last_epoch_matches_pytorch(last_epoch: int) -> None:
    for name, kwargs in [("CosineAnnealingLR", {"T_max": 10}), ("ExponentialLR", {"gamma": 0.9}),
                         ("LinearLR", {"total_iters": 8}), ("PolynomialLR", {"total_iters": 9, "power": 1.5})]:
        opt_c, opt_t = optimizers()
        for opt in (opt_c, opt_t):
            for g in opt.param_groups:
                g["initial_lr"] = g["lr"]
        run(opt_c, opt_t, scheduler(cr, opt_c, name, {**kwargs, "last_epoch": last_epoch}),
            scheduler(torch, opt_t, name, {**kwargs, "last_epoch": last_epoch}), steps=20)


def test_resuming_without_initial_lr_is_a_key_error() -> None:
    opt_c, _ = optimizers()
    with pytest.raises(KeyError, match="initial_lr.*last_epoch=4"):
        cr.optim.lr_scheduler.StepLR(opt_c, 3, last_epoch=4)


def test_closed_form_via_step_epoch_matches_pytorch() -> None:
    for name, kwargs in CONFIGS:
        if name in ("LambdaLR", "MultiplicativeLR", "CosineAnnealingWarmRestarts"):
            continue
        opt_c, opt_t = optimizers()
        sched_c, sched_t = scheduler(cr, opt_c, name, kwargs), scheduler(torch, opt_t, name, kwargs)
        for epoch in (4, 9, 30, 2):
            with pytest.warns(UserWarning):
                sched_c.step(epoch)
            with pytest.warns(UserWarning):
                sched_t.step(epoch)
            same(sched_c.get_last_lr(), sched_t.get_last_lr())


ONE_CYCLE = [
    ("SGD", {"momentum": 0.9}, {"max_lr": 1.0, "total_steps": 100}),
    ("SGD", {"momentum": 0.9}, {"max_lr": [1.0, 0.4], "epochs": 7, "steps_per_epoch": 13, "anneal_strategy": "linear"}),
    ("SGD", {"momentum": 0.9}, {"max_lr": 0.5, "total_steps": 90, "three_phase": True, "pct_start": 0.25,
                                "base_momentum": [0.8, 0.7], "max_momentum": 0.99}),
    ("SGD", {}, {"max_lr": 0.5, "total_steps": 60, "cycle_momentum": False, "div_factor": 10.0,
                 "final_div_factor": 100.0}),
    ("Adam", {}, {"max_lr": 0.01, "total_steps": 75}),
    ("AdamW", {"betas": (0.9, 0.98)}, {"max_lr": 0.01, "total_steps": 80, "three_phase": True,
                                       "anneal_strategy": "linear"}),
]


@pytest.mark.parametrize("opt_name,opt_kwargs,kwargs", ONE_CYCLE, ids=[str(i) for i in range(len(ONE_CYCLE))])
def test_one_cycle_lr_and_momentum_match_pytorch(opt_name: str, opt_kwargs: dict, kwargs: dict) -> None:
    opt_c, opt_t = optimizers(opt_name, **opt_kwargs)
    sched_c = cr.optim.lr_scheduler.OneCycleLR(opt_c, **kwargs)
    sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, **kwargs)
    key = "betas" if "betas" in opt_c.defaults else "momentum"

    def momenta() -> None:
        for gc, gt in zip(opt_c.param_groups, opt_t.param_groups):
            a, b = gc[key], gt[key]
            assert (list(a) if key == "betas" else [a]) == pytest.approx(list(b) if key == "betas" else [b],
                                                                         rel=1e-12)

    momenta()
    total = sched_t.total_steps
    run(opt_c, opt_t, sched_c, sched_t, steps=total, extra=momenta)
    opt_c.step()
    with pytest.raises(ValueError, match=f"Tried to step {total + 1} times"):
        sched_c.step()


def test_one_cycle_errors() -> None:
    opt_c, _ = optimizers("SGD", momentum=0.9)
    OneCycleLR = cr.optim.lr_scheduler.OneCycleLR  # noqa: N806
    with pytest.raises(ValueError, match="total_steps OR"):
        OneCycleLR(opt_c, max_lr=1.0)
    with pytest.raises(ValueError, match="total_steps=0"):
        OneCycleLR(opt_c, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="epochs=-1"):
        OneCycleLR(opt_c, max_lr=1.0, epochs=-1, steps_per_epoch=3)
    with pytest.raises(ValueError, match="pct_start=1.5"):
        OneCycleLR(opt_c, max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy='exp'"):
        OneCycleLR(opt_c, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        OneCycleLR(opt_c, max_lr=[1.0, 2.0, 3.0], total_steps=10)
    adagrad = cr.optim.Adagrad(cr.nn.Linear(2, 2).parameters())
    with pytest.raises(ValueError, match="momentum or beta1.*Adagrad"):
        OneCycleLR(adagrad, max_lr=1.0, total_steps=10)
    OneCycleLR(adagrad, max_lr=1.0, total_steps=10, cycle_momentum=False)


PLATEAU = [
    {},
    {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.1, "threshold_mode": "abs", "cooldown": 3},
    {"mode": "min", "factor": 0.3, "patience": 0, "threshold_mode": "abs", "min_lr": [0.02, 0.001]},
    {"mode": "max", "factor": 0.7, "patience": 1, "threshold": 0.05, "cooldown": 1, "min_lr": 0.01, "eps": 1e-3},
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(i) for i in range(len(PLATEAU))])
def test_reduce_lr_on_plateau_matches_pytorch(kwargs: dict) -> None:
    opt_c, opt_t = optimizers()
    sched_c = cr.optim.lr_scheduler.ReduceLROnPlateau(opt_c, **kwargs)
    sched_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    metrics = [1.0 / (1 + i % 17) + 0.01 * math.sin(i) + (i // 30) * 0.1 for i in range(150)]
    for i, m in enumerate(metrics):
        metric = cr.tensor(m, dtype=cr.float64) if i % 2 else m  # a 0-d tensor works as the metric, as in PyTorch
        sched_c.step(metric)
        sched_t.step(m)
        same(sched_c.get_last_lr(), sched_t.get_last_lr())
        assert (sched_c.num_bad_epochs, sched_c.cooldown_counter, sched_c.last_epoch) == (
            sched_t.num_bad_epochs, sched_t.cooldown_counter, sched_t.last_epoch)
        assert sched_c.best == sched_t.best
        if i == 70:
            sd = sched_c.state_dict()
            again = cr.optim.lr_scheduler.ReduceLROnPlateau(opt_c)
            again.load_state_dict(sd)
            sched_c = again
    assert sched_t.get_last_lr() != [0.1, 0.03]  # the lr really was reduced


def test_reduce_lr_on_plateau_errors() -> None:
    opt_c, _ = optimizers()
    Plateau = cr.optim.lr_scheduler.ReduceLROnPlateau  # noqa: N806
    with pytest.raises(ValueError, match="factor=1.0"):
        Plateau(opt_c, factor=1.0)
    with pytest.raises(ValueError, match="mode 'best' is unknown"):
        Plateau(opt_c, mode="best")
    with pytest.raises(ValueError, match="threshold mode 'pct' is unknown"):
        Plateau(opt_c, threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        Plateau(opt_c, min_lr=[0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        Plateau([], factor=0.5)


def composite(lib, opt, kind: str):
    S = lib.optim.lr_scheduler  # noqa: N806
    if kind == "sequential":
        return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=5),
                                    S.ExponentialLR(opt, gamma=0.9),
                                    S.CosineAnnealingLR(opt, T_max=20, eta_min=1e-3)], milestones=[5, 30])
    if kind == "sequential-constant":
        return S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=3), S.MultiStepLR(opt, [5, 10])],
                              milestones=[8])
    if kind == "chained":
        return S.ChainedScheduler([S.ConstantLR(opt, factor=0.1, total_iters=2), S.ExponentialLR(opt, gamma=0.9),
                                   S.StepLR(opt, 7)])
    return S.ChainedScheduler([S.LinearLR(opt, start_factor=0.5, total_iters=10),
                               S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=3),
                                                    S.PolynomialLR(opt, total_iters=30)], milestones=[4])],
                              optimizer=opt)


@pytest.mark.parametrize("kind", ["sequential", "sequential-constant", "chained", "nested"])
def test_composite_schedulers_match_pytorch(kind: str) -> None:
    opt_c, opt_t = optimizers()
    sched_c, sched_t = composite(cr, opt_c, kind), composite(torch, opt_t, kind)
    run(opt_c, opt_t, sched_c, sched_t, steps=25)
    sd = sched_c.state_dict()
    assert len(sd["_schedulers"]) == len(sched_t.state_dict()["_schedulers"])
    opt2, _ = optimizers()
    opt2.load_state_dict(opt_c.state_dict())
    again = composite(cr, opt2, kind)
    again.load_state_dict(sd)
    for group, saved in zip(opt2.param_groups, opt_c.param_groups):
        group["lr"] = saved["lr"]
    run(opt2, opt_t, again, sched_t, steps=25)


def test_composite_errors() -> None:
    S = cr.optim.lr_scheduler  # noqa: N806
    opt_c, _ = optimizers()
    other, _ = optimizers()
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.SequentialLR(opt_c, [], [])
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.ChainedScheduler([])
    with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
        S.SequentialLR(opt_c, [S.StepLR(opt_c, 2), S.StepLR(opt_c, 3)], milestones=[1, 2])
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt_c, [S.StepLR(opt_c, 2), S.StepLR(other, 3)], milestones=[1])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.ChainedScheduler([S.StepLR(opt_c, 2), S.ReduceLROnPlateau(opt_c)])
    with pytest.raises(TypeError, match="index 1 should have `optimizer`"):
        S.ChainedScheduler([S.StepLR(opt_c, 2), object()])


@pytest.mark.parametrize("name,kwargs,exc,match", [
    ("ConstantLR", {"factor": 1.5}, ValueError, "factor=1.5"),
    ("ConstantLR", {"factor": -0.1}, ValueError, "factor=-0.1"),
    ("LinearLR", {"start_factor": 0.0}, ValueError, "start_factor=0.0"),
    ("LinearLR", {"end_factor": 2.0}, ValueError, "end_factor=2.0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, ValueError, "T_0=0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2.5}, ValueError, "T_0=2.5"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 0}, ValueError, "T_mult=0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "eta_min": "0"}, ValueError, "eta_min='0'"),
    ("LambdaLR", {"lr_lambda": [lambda e: 1.0]}, ValueError, "Expected 2 lr_lambdas, but got 1"),
    ("MultiplicativeLR", {"lr_lambda": 0.5}, TypeError, "lr_lambda=0.5"),
])
def test_bad_arguments_raise_the_same_exception_type_as_pytorch(name, kwargs, exc, match) -> None:
    opt_c, opt_t = optimizers()
    with pytest.raises(exc, match=match):
        scheduler(cr, opt_c, name, kwargs)
    with pytest.raises(exc):
        scheduler(torch, opt_t, name, kwargs)


def test_warm_restarts_fractional_epochs_match_pytorch() -> None:
    opt_c, opt_t = optimizers()
    kwargs = {"T_0": 4, "T_mult": 2, "eta_min": 0.001}
    sched_c, sched_t = (scheduler(cr, opt_c, "CosineAnnealingWarmRestarts", kwargs),
                        scheduler(torch, opt_t, "CosineAnnealingWarmRestarts", kwargs))
    for epoch in [0.5, 1.25, 3.9, 4.0, 7.5, 13.0, 30.2, 2.0]:
        sched_c.step(epoch)
        sched_t.step(epoch)
        same(sched_c.get_last_lr(), sched_t.get_last_lr())
        assert getattr(sched_c, "last_epoch", None) == getattr(sched_t, "last_epoch", None)
    with pytest.raises(ValueError, match="epoch=-1"):
        sched_c.step(-1)


def test_scheduler_needs_an_optimizer() -> None:
    with pytest.raises(TypeError, match="str is not an Optimizer"):
        cr.optim.lr_scheduler.MultiStepLR("sgd", [1])


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_state_dict_keys_are_pytorchs_and_pytorchs_state_loads(name: str, kwargs: dict) -> None:
    opt_c, opt_t = optimizers()
    sched_c, sched_t = scheduler(cr, opt_c, name, kwargs), scheduler(torch, opt_t, name, kwargs)
    for _ in range(9):
        opt_t.step()
        sched_t.step()
    assert set(sched_c.state_dict()) == set(sched_t.state_dict()) - {"_get_lr_called_within_step"}
    sched_c.load_state_dict(sched_t.state_dict())
    for group, theirs in zip(opt_c.param_groups, opt_t.param_groups):
        group["lr"] = theirs["lr"]
    run(opt_c, opt_t, sched_c, sched_t, steps=30)
