"""`cr.func.functional_call` (and `cr.nn.utils.stateless.functional_call`) against torch.func: outputs and
gradients with substituted parameters and buffers, dict tuples, strictness, restoring the module, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.func import functional_call as t_call

import chainrule as cr
from chainrule.func import functional_call


def _pair():
    ours = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4), cr.nn.Tanh(), cr.nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 2))
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    ours.eval()
    theirs.eval()
    return ours, theirs


def _params(lib, model, scale):
    return {k: lib.tensor(np.asarray(v.detach().numpy()) * scale, requires_grad=True)
            for k, v in model.named_parameters()}


def test_outputs_gradients_and_restoring_match_torch():
    ours, theirs = _pair()
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    p_ours, p_theirs = _params(cr, ours, 0.5), _params(torch, theirs, 0.5)
    buffers = {"1.running_mean": np.full(4, 0.25, np.float32)}
    out_c = functional_call(ours, (p_ours, {k: cr.tensor(v) for k, v in buffers.items()}), (cr.tensor(x),))
    out_t = t_call(theirs, (p_theirs, {k: torch.tensor(v) for k, v in buffers.items()}), (torch.tensor(x),))
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    out_c.pow(2).sum().backward()
    out_t.pow(2).sum().backward()
    for k in p_ours:
        np.testing.assert_allclose(p_ours[k].grad.numpy(), p_theirs[k].grad.numpy(), rtol=1e-4, atol=1e-6)
    # the module's own tensors are back, and got no gradient
    assert all(p.grad is None for p in ours.parameters())
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert ours[1].running_mean is dict(ours.named_buffers())["1.running_mean"]


def test_single_tensor_args_kwargs_and_partial_dicts():
    lin = cr.nn.Linear(2, 1)
    out = cr.nn.utils.stateless.functional_call(lin, {"weight": cr.ones(1, 2)}, cr.ones(2))
    np.testing.assert_allclose(out.detach().numpy(), 2 + lin.bias.detach().numpy())
    assert lin.weight.shape == (1, 2) and not np.allclose(lin.weight.detach().numpy(), 1)


def test_errors_like_torch():
    lin, t_lin = cr.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        functional_call(lin, {"weight": cr.ones(1, 2)}, (cr.ones(2),), strict=True)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        t_call(t_lin, {"weight": torch.ones(1, 2)}, (torch.ones(2),), strict=True)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        functional_call(lin, ({"weight": cr.ones(1, 2)}, {"weight": cr.zeros(1, 2)}), cr.ones(2))
    with pytest.raises(AttributeError, match="has no attribute `x`"):
        functional_call(lin, {"x.weight": cr.ones(1, 2)}, cr.ones(2))
    with pytest.raises(AttributeError, match="has no attribute `x`"):
        t_lin.get_submodule("x.y")
    functional_call(lin, {"nope": cr.ones(1)}, (cr.ones(2),))  # as torch (strict=False): used for the call only
    assert not hasattr(lin, "nope")


def test_per_sample_gradients_with_vmap():
    model = cr.nn.Linear(3, 1)
    params = {k: v.detach() for k, v in model.named_parameters()}
    data, targets = cr.randn(4, 3), cr.randn(4)

    def loss(p, x, t):
        return (functional_call(model, p, (x.unsqueeze(0),)).squeeze() - t) ** 2

    per_sample = cr.func.vmap(cr.func.grad(loss), in_dims=(None, 0, 0))(params, data, targets)
    for i in range(4):
        model.zero_grad()
        ((model(data[i:i + 1]).squeeze() - targets[i]) ** 2).backward()
        np.testing.assert_allclose(per_sample["weight"][i].numpy(), model.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
