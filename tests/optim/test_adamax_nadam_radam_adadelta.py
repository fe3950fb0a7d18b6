"""Adamax, NAdam, RAdam and Adadelta against PyTorch: 100 steps on the MLP and batches of
test_optim_parity.py end with PyTorch's parameters; parameter groups with their own hyperparameters;
state_dict keys and values as PyTorch's, and resuming (in chainrule and in PyTorch) continues identically;
bad hyperparameters are refused at construction with PyTorch's exception type."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from nn_helpers import close, copy_weights

NAMES = ["Adamax", "NAdam", "RAdam", "Adadelta"]

CONFIGS = [
    ("Adamax", {}),
    ("Adamax", {"lr": 5e-3, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 1e-2}),
    ("Adamax", {"lr": 2e-3, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 5e-3, "betas": (0.85, 0.995), "weight_decay": 1e-2, "momentum_decay": 1e-2}),
    ("NAdam", {"lr": 5e-3, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 1e-2, "betas": (0.9, 0.98), "weight_decay": 1e-2}),
    ("RAdam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 1e-2, "betas": (0.9, 0.9)}),  # rho_t > 5 from an early step: the rectified branch
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 1e-3}),
    ("Adadelta", {"lr": 2.0}),
    ("Adadelta", {"lr": 0.5, "maximize": True}),  # ascent at lr=2 amplifies float32 noise past tolerance
]

STATE_KEYS = {"Adamax": {"step", "exp_avg", "exp_inf"}, "NAdam": {"step", "mu_product", "exp_avg", "exp_avg_sq"},
              "RAdam": {"step", "exp_avg", "exp_avg_sq"}, "Adadelta": {"step", "square_avg", "acc_delta"}}


def mlp(m):
    return m.Sequential(m.Linear(8, 16), m.Tanh(), m.Linear(16, 12), m.ReLU(), m.Linear(12, 3))


def data(steps: int, batch: int = 16) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((batch, 8)).astype(np.float32), rng.integers(0, 3, batch)) for _ in range(steps)]


def train(pairs, batches) -> None:
    for x, y in batches:
        for model, opt, lib in pairs:
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y)).backward()
            opt.step()


def models(seed: int = 0):
    cr.manual_seed(seed)
    ours, theirs = mlp(cr.nn), mlp(torch.nn)
    copy_weights(ours, theirs)
    return ours, theirs


def assert_same_parameters(ours, theirs, start=None) -> None:
    torch_params = dict(theirs.named_parameters())
    moved = 0.0
    for key, p in ours.named_parameters():
        close(p, torch_params[key], rtol=1e-4, atol=2e-5)
        if start is not None:
            moved = max(moved, float(np.abs(p.detach().numpy() - start[key]).max()))
    if start is not None:
        assert moved > 1e-3  # the parameters really were trained


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_100_steps_end_with_pytorchs_parameters(name: str, kwargs: dict) -> None:
    ours, theirs = models()
    start = {k: p.detach().numpy().copy() for k, p in ours.named_parameters()}
    opt_c = getattr(cr.optim, name)(ours.parameters(), **kwargs)
    opt_t = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    train([(ours, opt_c, cr), (theirs, opt_t, torch)], data(100))
    assert_same_parameters(ours, theirs, start)


GROUPS = {
    "Adamax": ({"lr": 1e-2, "betas": (0.8, 0.99)}, {"weight_decay": 0.01}),
    "NAdam": ({"lr": 1e-2, "momentum_decay": 0.01}, {"weight_decay": 0.05, "decoupled_weight_decay": True}),
    "RAdam": ({"lr": 2e-2, "betas": (0.9, 0.95)}, {"weight_decay": 0.05, "decoupled_weight_decay": True}),
    "Adadelta": ({"lr": 0.5, "rho": 0.8}, {"eps": 1e-4}),
}


@pytest.mark.parametrize("name", NAMES)
def test_parameter_groups_with_their_own_hyperparameters(name: str) -> None:
    ours, theirs = models(2)
    first, second = GROUPS[name]

    def groups(model):
        layers = list(model.children())
        return [{"params": layers[0].parameters(), **first},
                {"params": list(layers[2].parameters()) + list(layers[4].parameters()), **second}]

    opt_c = getattr(cr.optim, name)(groups(ours))
    opt_t = getattr(torch.optim, name)(groups(theirs))
    train([(ours, opt_c, cr), (theirs, opt_t, torch)], data(60))
    assert_same_parameters(ours, theirs)
    for gc, gt in zip(opt_c.param_groups, opt_t.param_groups):
        for k, v in gc.items():
            if k != "params":
                assert gt[k] == v, k


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_matches_pytorch_and_resumes_identically(name: str) -> None:
    ours, theirs = models(1)
    kwargs = {"weight_decay": 1e-3}
    opt_c = getattr(cr.optim, name)(ours.parameters(), **kwargs)
    opt_t = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    batches = data(30)
    train([(ours, opt_c, cr), (theirs, opt_t, torch)], batches[:10])
    sd_c, sd_t = opt_c.state_dict(), opt_t.state_dict()
    assert set(sd_c["state"]) == set(sd_t["state"])
    for i in sd_t["state"]:
        assert set(sd_c["state"][i]) == set(sd_t["state"][i]) == STATE_KEYS[name]
        for k, v in sd_t["state"][i].items():
            assert sd_c["state"][i][k].dtype == cr.float32, k
            close(sd_c["state"][i][k], v, rtol=1e-4, atol=1e-6)
    for k, v in sd_c["param_groups"][0].items():
        assert sd_t["param_groups"][0][k] == v, k
    # torch loaded from our state, and chainrule loaded from torch's, both continue like the originals
    resumed_t = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    resumed_t.load_state_dict(cr.interop.to_torch(sd_c))
    copy_c = mlp(cr.nn)
    copy_c.load_state_dict(ours.state_dict())
    resumed_c = getattr(cr.optim, name)(copy_c.parameters(), **kwargs)
    resumed_c.load_state_dict(cr.interop.from_torch(sd_t))
    train([(theirs, resumed_t, torch), (copy_c, resumed_c, cr), (ours, opt_c, cr)], batches[10:])
    assert_same_parameters(ours, theirs)
    assert_same_parameters(copy_c, theirs)
    assert float(resumed_c.state_dict()["state"][0]["step"]) == 30.0


BAD = [
    ("lr", -1e-3, "Invalid learning rate: lr=-0.001"),
    ("lr", float("nan"), "Invalid learning rate: lr=nan"),
    ("eps", -1e-8, "Invalid epsilon value: -1e-08"),
    ("weight_decay", -0.1, "Invalid weight_decay value: -0.1"),
]
BAD_BETAS = [((1.0, 0.999), "beta parameter at index 0 value: 1.0"),
             ((0.9, -0.1), "beta parameter at index 1 value: -0.1")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("arg,value,match", BAD, ids=[f"{a}={v}" for a, v, _ in BAD])
def test_bad_hyperparameters_are_refused_at_construction(name: str, arg: str, value: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        getattr(cr.optim, name)(cr.nn.Linear(2, 2).parameters(), **{arg: value})
    if not (arg == "lr" and value != value):  # PyTorch lets a NaN lr through
        with pytest.raises(ValueError):
            getattr(torch.optim, name)(torch.nn.Linear(2, 2).parameters(), **{arg: value})


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam"])
@pytest.mark.parametrize("betas,match", BAD_BETAS)
def test_bad_betas_are_refused(name: str, betas: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        getattr(cr.optim, name)(cr.nn.Linear(2, 2).parameters(), betas=betas)
    with pytest.raises(ValueError):
        getattr(torch.optim, name)(torch.nn.Linear(2, 2).parameters(), betas=betas)


@pytest.mark.parametrize("name,kwargs,match", [
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("Adadelta", {"rho": -0.1}, "Invalid rho value: -0.1"),
    ("NAdam", {"momentum_decay": -1e-3}, "Invalid momentum_decay value: -0.001"),
])
def test_other_bad_hyperparameters(name: str, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        getattr(cr.optim, name)(cr.nn.Linear(2, 2).parameters(), **kwargs)
    with pytest.raises(ValueError):
        getattr(torch.optim, name)(torch.nn.Linear(2, 2).parameters(), **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_a_0d_parameter_and_a_parameter_without_grad(name: str) -> None:
    ours, still = cr.nn.Parameter(cr.tensor(1.0)), cr.nn.Parameter(cr.tensor([2.0, 3.0]))
    ref = torch.nn.Parameter(torch.tensor(1.0))
    alias = ours.detach().numpy()
    opt = getattr(cr.optim, name)([ours, still], lr=0.1)
    ref_opt = getattr(torch.optim, name)([ref], lr=0.1)
    for _ in range(5):
        ours.grad, ref.grad = cr.tensor(0.5), torch.tensor(0.5)
        opt.step()
        ref_opt.step()
    assert alias == ours.item()
    close(ours.item(), ref.item())
    assert still.tolist() == [2.0, 3.0] and still not in opt.state


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam"])
def test_one_cycle_cycles_beta1_of_the_new_optimizers(name: str) -> None:
    opt = getattr(cr.optim, name)(cr.nn.Linear(2, 2).parameters())
    sched = cr.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=10)
    ref_opt = getattr(torch.optim, name)(torch.nn.Linear(2, 2).parameters())
    ref = torch.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=0.01, total_steps=10)
    for _ in range(5):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
    assert opt.param_groups[0]["betas"] == pytest.approx(ref_opt.param_groups[0]["betas"])
    assert sched.get_last_lr() == pytest.approx(ref.get_last_lr())
