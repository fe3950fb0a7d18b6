"""Optimizers against PyTorch over many steps: the same MLP, the same initial weights and the same
batches, trained 100 steps with chainrule and with PyTorch, must end with equal parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule as cr
from nn_helpers import close, copy_weights

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "maximize": False, "momentum": 0.5, "weight_decay": 0.01}),
    ("Adam", {"lr": 1e-2}),
    ("Adam", {"lr": 5e-3, "betas": (0.8, 0.99), "weight_decay": 1e-2, "amsgrad": True}),
    ("AdamW", {"lr": 1e-2}),
    ("AdamW", {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 1e-3}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9, "centered": True, "weight_decay": 1e-3}),
    ("Adagrad", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 1e-3, "weight_decay": 1e-3, "initial_accumulator_value": 0.1}),
]


def mlp(m):
    return m.Sequential(m.Linear(8, 16), m.Tanh(), m.Linear(16, 12), m.ReLU(), m.Linear(12, 3))


def data(steps: int, batch: int = 16) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((batch, 8)).astype(np.float32), rng.integers(0, 3, batch)) for _ in range(steps)]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_100_steps_end_with_pytorchs_parameters(name: str, kwargs: dict) -> None:
    cr.manual_seed(0)
    ours, theirs = mlp(cr.nn), mlp(torch.nn)
    copy_weights(ours, theirs)
    opt_c = getattr(cr.optim, name)(ours.parameters(), **kwargs)
    opt_t = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    for x, y in data(100):
        opt_c.zero_grad()
        opt_t.zero_grad()
        cr.nn.functional.cross_entropy(ours(cr.tensor(x)), cr.tensor(y)).backward()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt_c.step()
        opt_t.step()
    start = mlp(cr.nn)
    moved = 0.0
    torch_params = dict(theirs.named_parameters())
    for (key, p), p0 in zip(ours.named_parameters(), start.parameters()):
        close(p, torch_params[key], rtol=1e-4, atol=2e-5)
        moved = max(moved, float(np.abs(p.detach().numpy() - p0.detach().numpy()).max()))
    assert moved > 1e-3  # the parameters really were trained


def test_state_dict_matches_pytorchs_layout_and_resumes_identically() -> None:
    cr.manual_seed(1)
    ours, theirs = mlp(cr.nn), mlp(torch.nn)
    copy_weights(ours, theirs)
    opt_c = cr.optim.Adam(ours.parameters(), lr=1e-2)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    batches = data(20)
    for x, y in batches[:10]:
        for model, opt, lib in ((ours, opt_c, cr), (theirs, opt_t, torch)):
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y)).backward()
            opt.step()
    sd_c, sd_t = opt_c.state_dict(), opt_t.state_dict()
    assert sd_c["param_groups"][0]["params"] == sd_t["param_groups"][0]["params"]
    assert set(sd_c["state"]) == set(sd_t["state"])
    for i in sd_t["state"]:
        assert set(sd_c["state"][i]) == set(sd_t["state"][i])
        for k in sd_t["state"][i]:
            close(sd_c["state"][i][k], sd_t["state"][i][k], rtol=1e-4, atol=1e-6)
    # a fresh torch optimizer loaded from our state continues exactly like the original one
    resumed = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    resumed.load_state_dict(cr.interop.to_torch(sd_c))
    assert float(resumed.state_dict()["state"][0]["step"]) == 10.0
    copy = mlp(torch.nn)
    copy.load_state_dict(theirs.state_dict())
    twin = torch.optim.Adam(copy.parameters(), lr=1e-2)
    twin.load_state_dict(opt_t.state_dict())
    for x, y in batches[10:]:
        for model, opt in ((theirs, resumed), (copy, twin)):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(torch.tensor(x)), torch.tensor(y)).backward()
            opt.step()
    for p, q in zip(theirs.parameters(), copy.parameters()):
        close(p.detach().numpy(), q, rtol=1e-4, atol=1e-6)


def test_zero_grad_sets_to_none_or_zero() -> None:
    layer = cr.nn.Linear(2, 2)
    opt = cr.optim.SGD(layer.parameters(), lr=0.1)
    layer(cr.ones(1, 2)).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert np.all(layer.weight.grad.numpy() == 0)
    opt.zero_grad()
    assert layer.weight.grad is None


def test_param_groups_have_their_own_lr() -> None:
    a, b = cr.nn.Linear(2, 2), cr.nn.Linear(2, 2)
    opt = cr.optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.0}], lr=0.5)
    before_a, before_b = a.weight.detach().numpy().copy(), b.weight.detach().numpy().copy()
    (a(cr.ones(1, 2)).sum() + b(cr.ones(1, 2)).sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.weight.detach().numpy(), before_a - 0.5, rtol=1e-6)
    np.testing.assert_array_equal(b.weight.detach().numpy(), before_b)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.0]


@pytest.mark.parametrize("lr", [-0.1, float("nan")])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_negative_or_nan_lr_is_refused_at_construction(name: str, lr: float) -> None:
    with pytest.raises(ValueError, match=f"Invalid learning rate: lr={lr}"):
        getattr(cr.optim, name)(cr.nn.Linear(2, 2).parameters(), lr=lr)


@pytest.mark.parametrize("name,kwargs", [("StepLR", {"step_size": 3, "gamma": 0.5}),
                                         ("ExponentialLR", {"gamma": 0.9}),
                                         ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01})])
def test_lr_schedulers_match_pytorch(name: str, kwargs: dict) -> None:
    opt_c = cr.optim.SGD(cr.nn.Linear(2, 2).parameters(), lr=0.1)
    opt_t = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)
    sched_c = getattr(cr.optim.lr_scheduler, name)(opt_c, **kwargs)
    sched_t = getattr(torch.optim.lr_scheduler, name)(opt_t, **kwargs)
    for _ in range(14):
        opt_c.step()
        opt_t.step()
        sched_c.step()
        sched_t.step()
        assert math.isclose(sched_c.get_last_lr()[0], sched_t.get_last_lr()[0], rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_0d_parameter_is_updated_in_its_memory_so_aliases_follow(name):
    """As in PyTorch, `p.detach().numpy()` taken before `step()` sees the new value (the update writes in place)."""
    ours = cr.nn.Parameter(cr.tensor(1.0))
    ref = torch.nn.Parameter(torch.tensor(1.0))
    alias, ref_alias = ours.detach().numpy(), ref.detach().numpy()
    opt, ref_opt = getattr(cr.optim, name)([ours], lr=0.1), getattr(torch.optim, name)([ref], lr=0.1)
    for _ in range(3):
        ours.grad, ref.grad = cr.tensor(0.5), torch.tensor(0.5)
        opt.step()
        ref_opt.step()
    assert alias == ours.item() and ref_alias == ref.item()
    close(ours.item(), ref.item())
