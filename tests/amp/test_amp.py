"""`cr.amp.GradScaler` step for step against `torch.amp.GradScaler("cpu")` (scaled losses, unscaled
gradients, skipped steps on inf/NaN, backoff and growth, state dicts, errors), the disabled scaler, and
`autocast` (accepted; ops keep their dtypes, with a warning)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule as cr


def _run(lib, steps, poison, growth_interval=3):
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    opt = lib.optim.SGD([w], lr=0.01, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=growth_interval)
    log = []
    for i in range(steps):
        opt.zero_grad()
        loss = (w * w * lib.tensor([1.0, 2.0, 3.0])).sum()
        if i in poison:
            loss = loss * float("inf")
        scaler.scale(loss).backward()
        if i % 2:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_([w], 1.0)
        scaler.step(opt)
        scaler.update()
        log.append([scaler.get_scale(), w.detach().tolist()])
    return log, scaler.state_dict()


def test_scaled_training_matches_torch_with_skipped_steps_backoff_and_growth():
    ours, theirs = _run(cr, 12, poison={2, 7}), _run(torch, 12, poison={2, 7})
    for (s1, w1), (s2, w2) in zip(ours[0], theirs[0]):
        assert s1 == s2
        np.testing.assert_allclose(w1, w2, rtol=1e-6, atol=1e-7)
    assert ours[1] == theirs[1]


def test_state_dict_round_trip_and_disabled_scaler():
    s = cr.amp.GradScaler("cpu", init_scale=8.0)
    s2 = cr.amp.GradScaler("cpu")
    s2.load_state_dict(s.state_dict())
    assert s2.get_scale() == 8.0
    with pytest.warns(UserWarning, match="Disabling"):
        off = cr.amp.GradScaler()  # the default device is cuda, as in PyTorch
    with pytest.warns(UserWarning, match="Disabling"):
        torch.amp.GradScaler()
    assert not off.is_enabled() and off.get_scale() == 1.0 and off.state_dict() == {}
    w = cr.nn.Parameter(cr.tensor([1.0]))
    opt = cr.optim.SGD([w], lr=0.5)
    loss = (w * w).sum()
    assert off.scale(loss) is loss
    loss.backward()
    off.step(opt)
    off.update()
    assert w.item() == 0.0
    with pytest.raises(RuntimeError, match="empty"):
        s2.load_state_dict({})


def test_errors_like_torch():
    for lib in (cr, torch):
        w = lib.nn.Parameter(lib.tensor([1.0]))
        opt = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((w * w).sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            scaler.update()
            scaler.step(opt, closure=lambda: None)
        with pytest.raises(AssertionError, match="growth factor"):
            lib.amp.GradScaler("cpu", growth_factor=0.5)


def test_autocast_runs_ops_in_their_own_dtypes():
    import chainrule.amp.autocast_mode as mode

    mode._warned = False
    x = cr.ones(2, 2)
    with pytest.warns(UserWarning, match="inputs' dtypes"), cr.autocast(device_type="cpu", dtype=cr.float16):
        assert cr.amp.is_autocast_enabled()
        y = x @ x
    assert y.dtype == cr.float32 and not cr.amp.is_autocast_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with cr.autocast("cpu", enabled=False):
            assert not cr.amp.is_autocast_enabled()
    with pytest.warns(UserWarning, match="Disabling"), cr.autocast("cuda"):
        assert not cr.amp.is_autocast_enabled()

    @cr.autocast("cpu", enabled=False)
    def f(a):
        return a * 2

    assert f(x).tolist() == [[2.0, 2.0], [2.0, 2.0]]
