"""optim.LBFGS against torch.optim.LBFGS: Rosenbrock and a small regression model, fixed step and strong-Wolfe,
float64 (tight) and float32 (looser); state and state_dict keys; bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr

X0 = np.array([-1.5, 2.0])


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _run_rosenbrock(lib, dtype, steps, **kw):
    p = lib.tensor(X0, dtype=getattr(lib, dtype), requires_grad=True)
    opt = lib.optim.LBFGS([p], **kw)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        return loss

    losses = [float(opt.step(closure)) for _ in range(steps)]
    return p.detach().numpy().copy(), losses, opt


@pytest.mark.parametrize("kw", [{"lr": 0.1, "history_size": 5, "max_iter": 10},
                                {"line_search_fn": "strong_wolfe", "history_size": 5, "max_iter": 10},
                                {"line_search_fn": "strong_wolfe"},
                                {"lr": 0.05, "history_size": 2, "max_iter": 4, "max_eval": 6}])
def test_rosenbrock_float64_matches_torch(kw):
    ours, our_losses, opt = _run_rosenbrock(cr, "float64", 4, **kw)
    theirs, their_losses, topt = _run_rosenbrock(torch, "float64", 4, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-7, atol=1e-12)
    (state,), (tstate,) = opt.state.values(), topt.state.values()
    assert state["func_evals"] == tstate["func_evals"] and state["n_iter"] == tstate["n_iter"]


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_rosenbrock_float32_first_step_matches_torch(ls):
    ours, our_losses, _ = _run_rosenbrock(cr, "float32", 1, lr=1 if ls else 0.1, line_search_fn=ls, max_iter=5)
    theirs, their_losses, _ = _run_rosenbrock(torch, "float32", 1, lr=1 if ls else 0.1, line_search_fn=ls,
                                              max_iter=5)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def _regression(lib, dtype, ls, steps=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4))
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * rng.standard_normal((32, 1))
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))
    init = np.random.default_rng(1)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(init.standard_normal(tuple(p.shape)) * 0.5))
    model = model.to(getattr(lib, dtype))
    xs, ys = lib.tensor(x, dtype=getattr(lib, dtype)), lib.tensor(y, dtype=getattr(lib, dtype))
    opt = lib.optim.LBFGS(model.parameters(), line_search_fn=ls, history_size=10, max_iter=15)

    def closure():
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(xs), ys)
        loss.backward()
        return loss

    losses = [float(opt.step(closure)) for _ in range(steps)]
    return [p.detach().numpy().copy() for p in model.parameters()], losses, opt


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_regression_model_matches_torch(ls):
    ours, our_losses, opt = _regression(cr, "float64", ls)
    theirs, their_losses, topt = _regression(torch, "float64", ls)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert our_losses[-1] < our_losses[0] / 10
    ours32, losses32, _ = _regression(cr, "float32", ls, steps=1)
    theirs32, tlosses32, _ = _regression(torch, "float32", ls, steps=1)
    np.testing.assert_allclose(losses32, tlosses32, rtol=1e-5)
    for a, b in zip(ours32, theirs32):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-2, atol=1e-3)


def test_state_and_state_dict_keys_match_torch_and_round_trip():
    _, _, opt = _run_rosenbrock(cr, "float64", 2, line_search_fn="strong_wolfe", history_size=3)
    _, _, topt = _run_rosenbrock(torch, "float64", 2, line_search_fn="strong_wolfe", history_size=3)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert sd["param_groups"] == tsd["param_groups"]
    assert len(sd["state"][0]["old_dirs"]) == len(tsd["state"][0]["old_dirs"])
    assert len(sd["state"][0]["al"]) == 3
    # resuming from the state dict continues exactly like the original optimizer
    p = cr.tensor(opt.param_groups[0]["params"][0].detach().numpy(), requires_grad=True)
    fresh = cr.optim.LBFGS([p], line_search_fn="strong_wolfe", history_size=3)
    fresh.load_state_dict(sd)

    def closure_for(param, o):
        def closure():
            o.zero_grad()
            loss = rosenbrock(param)
            loss.backward()
            return loss
        return closure

    original = opt.param_groups[0]["params"][0]
    opt.step(closure_for(original, opt))
    fresh.step(closure_for(p, fresh))
    np.testing.assert_array_equal(p.detach().numpy(), original.detach().numpy())
    assert "LBFGS (" in repr(opt) and "history_size: 3" in repr(opt)


def test_converged_start_returns_at_once_and_matches_torch_counts():
    p = cr.tensor([1.0, 1.0], dtype=cr.float64, requires_grad=True)
    opt = cr.optim.LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert opt.state[p]["func_evals"] == 1 and opt.state[p]["n_iter"] == 0


def test_bad_input():
    p = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        cr.optim.LBFGS([p], lr=-1)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        cr.optim.LBFGS([{"params": [p]}, {"params": [cr.tensor([2.0], requires_grad=True)]}])
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        cr.optim.LBFGS([p], lr=cr.tensor([0.1, 0.2]))
    opt = cr.optim.LBFGS([p], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    with pytest.raises(RuntimeError, match="requires a closure"):
        cr.optim.LBFGS([p]).step()
    assert cr.optim.LBFGS([p]).defaults["max_eval"] == 25
