"""Module mechanics: registration by attribute, traversal, state_dict (PyTorch's keys and order) and its
strict loading errors, train/eval, zero_grad, repr."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
        self.scale = nn.Parameter(cr.ones(1))
        self.register_buffer("steps", cr.zeros(1))
        self.not_registered = cr.ones(2)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        return self.block(self.act(self.fc1(x))) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 3)
        self.act = torch.nn.ReLU()
        self.block = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3))
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.act(self.fc1(x))) * self.scale


def test_registration_and_traversal() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "block.0.weight",
                                                      "block.0.bias", "block.1.weight", "block.1.bias"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "block"]
    assert len(list(net.modules())) == 6
    assert [n for n, _ in net.named_buffers()] == ["steps", "block.1.running_mean", "block.1.running_var",
                                                   "block.1.num_batches_tracked"]
    assert all(p.requires_grad for p in net.parameters())
    assert "not_registered" not in dict(net.named_buffers())


def test_state_dict_keys_and_order_equal_pytorchs() -> None:
    assert list(Net().state_dict()) == list(TorchNet().state_dict())


def test_state_dict_round_trip_through_torch() -> None:
    net, tnet = Net(), TorchNet()
    tnet.load_state_dict(cr.interop.to_torch(net.state_dict()))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    net.eval()
    tnet.eval()
    np.testing.assert_allclose(net(cr.tensor(x)).detach().numpy(), tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    back = Net()
    back.load_state_dict(cr.interop.from_torch(tnet.state_dict()))
    for (k, a), b in zip(net.state_dict().items(), back.state_dict().values()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=k)


def test_load_state_dict_copies_in_place() -> None:
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    weight = a.weight
    opt = cr.optim.SGD(a.parameters(), lr=0.1)
    a.load_state_dict(b.state_dict())
    assert a.weight is weight and opt.param_groups[0]["params"][0] is weight
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def test_load_state_dict_errors_name_missing_unexpected_and_mismatched_keys() -> None:
    small, big = nn.Sequential(nn.Linear(4, 3)), nn.Sequential(nn.Linear(4, 5))
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight: copying a param with shape \(5, 4\) "
                                           r"from checkpoint, the shape in current model is \(3, 4\)"):
        small.load_state_dict(big.state_dict())
    sd = small.state_dict()
    sd["extra.weight"] = cr.zeros(1)
    del sd["0.bias"]
    with pytest.raises(RuntimeError) as info:
        small.load_state_dict(sd)
    assert 'Missing key(s) in state_dict: "0.bias"' in str(info.value)
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in str(info.value)
    result = small.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra.weight"]


def test_train_eval_propagate() -> None:
    net = Net()
    assert net.training and net.block[1].training
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad() -> None:
    net = Net()
    net.train()
    net(cr.randn(4, 4)).sum().backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert np.all(net.fc1.weight.grad.numpy() == 0)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_lists_the_layers_like_pytorch() -> None:
    m = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))
    t = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(32, 10))
    assert repr(m) == repr(t)
    assert repr(nn.Conv2d(1, 8, 3, padding=1)) == repr(torch.nn.Conv2d(1, 8, 3, padding=1))
    for build in (lambda m: m.BatchNorm1d(3, affine=False), lambda m: m.LayerNorm(3), lambda m: m.MaxPool2d(2),
                  lambda m: m.AvgPool2d(2), lambda m: m.Embedding(3, 2), lambda m: m.Flatten(), lambda m: m.GELU(),
                  lambda m: m.Softmax(1), lambda m: m.LeakyReLU(), lambda m: m.CrossEntropyLoss()):
        assert repr(build(nn)) == repr(build(torch.nn))


def test_parameter_shares_storage_and_requires_grad() -> None:
    t = cr.zeros(3)
    p = nn.Parameter(t)
    p.data.add_(1.0)
    assert t.detach().numpy()[0] == 1.0 and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:")
    assert isinstance(copy.deepcopy(p), nn.Parameter)


def test_deepcopy_of_a_model_is_independent() -> None:
    net = nn.Linear(2, 2)
    twin = copy.deepcopy(net)
    with cr.no_grad():
        twin.weight.add_(1.0)
    assert not np.allclose(net.weight.detach().numpy(), twin.weight.detach().numpy())
    assert isinstance(twin.weight, nn.Parameter)


def test_assigning_a_tensor_to_a_parameter_slot_is_refused() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = cr.zeros(2, 2)


def test_module_to_float64_for_gradcheck() -> None:
    layer = nn.Linear(3, 2).double()
    assert layer.weight.dtype == cr.float64
    x = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    assert cr.gradcheck(lambda x: layer(x).tanh(), [x])


def test_init_functions_fill_in_place_with_the_right_statistics() -> None:
    cr.manual_seed(0)
    w = nn.Parameter(cr.empty(200, 300))
    storage = w.detach().numpy()
    nn.init.xavier_uniform_(w)
    assert w.detach().numpy() is storage
    bound = np.sqrt(6 / 500)
    assert np.abs(w.detach().numpy()).max() <= bound and np.abs(w.detach().numpy()).max() > 0.99 * bound
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.detach().numpy().std() - np.sqrt(2 / 300)) < 0.01 * np.sqrt(2 / 300) * 5
    nn.init.xavier_normal_(w)
    assert abs(w.detach().numpy().std() - np.sqrt(2 / 500)) < 0.05 * np.sqrt(2 / 500)
    nn.init.kaiming_uniform_(w, a=0.0, mode="fan_out")
    assert np.abs(w.detach().numpy()).max() <= np.sqrt(6 / 200)
    nn.init.normal_(w, 2.0, 0.5)
    assert abs(w.detach().numpy().mean() - 2.0) < 0.01
    nn.init.uniform_(w, -1, 1)
    assert w.detach().numpy().min() >= -1 and w.detach().numpy().max() <= 1
    nn.init.constant_(w, 0.3)
    assert np.all(w.detach().numpy() == np.float32(0.3))
    nn.init.zeros_(w)
    assert not w.detach().numpy().any()
    nn.init.ones_(w)
    assert np.all(w.detach().numpy() == 1)
    assert w.grad_fn is None and w.requires_grad


def test_init_is_reproducible_with_manual_seed() -> None:
    cr.manual_seed(42)
    a = nn.Linear(5, 5).weight.detach().numpy().copy()
    cr.manual_seed(42)
    assert np.array_equal(a, nn.Linear(5, 5).weight.detach().numpy())
