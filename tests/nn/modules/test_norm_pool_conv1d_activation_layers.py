"""The added layers against PyTorch 2.13: BatchNorm2d, adaptive average pooling, Unflatten, the 1-D
convolution and pooling, GroupNorm, Dropout2d and the activation modules (values, input and parameter
gradients, running statistics, eval mode, state_dict keys, repr, float32/float64), plus a bad input per
layer whose error names the layer and the shapes."""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from nn_helpers import check_module, close, copy_weights

RNG = np.random.default_rng(0)


def randn(*shape: int, dtype: type = np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def tol(dtype: type) -> dict:
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


def pair(build, dtype: type = np.float32) -> tuple:
    ours, theirs = build(cr.nn), build(torch.nn)
    if dtype == np.float64:
        ours.double()
        theirs.double()
    return ours, theirs


LAYERS = [
    ("batchnorm2d", lambda m: m.BatchNorm2d(3), (4, 3, 5, 6)),
    ("batchnorm2d_no_affine", lambda m: m.BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
    ("batchnorm2d_no_stats", lambda m: m.BatchNorm2d(2, track_running_stats=False), (3, 2, 3, 5)),
    ("adaptive_avg_pool2d_divisible", lambda m: m.AdaptiveAvgPool2d(2), (2, 3, 6, 4)),
    ("adaptive_avg_pool2d_uneven", lambda m: m.AdaptiveAvgPool2d((3, 4)), (2, 2, 7, 5)),
    ("adaptive_avg_pool2d_larger", lambda m: m.AdaptiveAvgPool2d((5, 7)), (1, 2, 3, 4)),
    ("adaptive_avg_pool2d_none", lambda m: m.AdaptiveAvgPool2d((None, 3)), (2, 1, 5, 7)),
    ("adaptive_avg_pool2d_global", lambda m: m.AdaptiveAvgPool2d(1), (2, 3, 5, 5)),
    ("adaptive_avg_pool2d_unbatched", lambda m: m.AdaptiveAvgPool2d(3), (2, 7, 8)),
    ("adaptive_avg_pool1d", lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 7)),
    ("unflatten", lambda m: m.Unflatten(1, (2, 5)), (3, 10)),
    ("unflatten_neg", lambda m: m.Unflatten(-1, (-1, 3)), (2, 4, 6)),
    ("conv1d", lambda m: m.Conv1d(3, 4, 3), (2, 3, 9)),
    ("conv1d_stride_pad", lambda m: m.Conv1d(2, 5, 4, stride=2, padding=1, bias=False), (3, 2, 11)),
    ("conv1d_unbatched", lambda m: m.Conv1d(2, 3, 2), (2, 6)),
    ("max_pool1d", lambda m: m.MaxPool1d(2), (2, 3, 8)),
    ("max_pool1d_stride_pad", lambda m: m.MaxPool1d(3, stride=2, padding=1), (2, 2, 9)),
    ("max_pool1d_unbatched", lambda m: m.MaxPool1d(3), (2, 7)),
    ("avg_pool1d", lambda m: m.AvgPool1d(2), (2, 3, 8)),
    ("avg_pool1d_stride_pad", lambda m: m.AvgPool1d(3, stride=2, padding=1), (2, 2, 9)),
    ("group_norm", lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    ("group_norm_4d", lambda m: m.GroupNorm(3, 6), (2, 6, 3, 4)),
    ("group_norm_2d_no_affine", lambda m: m.GroupNorm(1, 4, affine=False), (3, 4)),
    ("instance_like_group_norm", lambda m: m.GroupNorm(4, 4), (2, 4, 6)),
    ("softplus", lambda m: m.Softplus(), (4, 6)),
    ("softplus_beta", lambda m: m.Softplus(beta=2.0, threshold=3.0), (4, 6)),
    ("logsigmoid", lambda m: m.LogSigmoid(), (4, 6)),
    ("mish", lambda m: m.Mish(), (4, 6)),
    ("hardswish", lambda m: m.Hardswish(), (5, 7)),
    ("hardsigmoid", lambda m: m.Hardsigmoid(), (5, 7)),
    ("prelu", lambda m: m.PReLU(), (4, 6)),
    ("prelu_channels", lambda m: m.PReLU(3, init=0.1), (2, 3, 4)),
    ("prelu_1d", lambda m: m.PReLU(), (7,)),
    ("selu", lambda m: m.SELU(), (4, 6)),
    ("celu", lambda m: m.CELU(), (4, 6)),
    ("celu_alpha", lambda m: m.CELU(0.5), (4, 6)),
    ("softsign", lambda m: m.Softsign(), (4, 6)),
    ("glu", lambda m: m.GLU(), (4, 6)),
    ("glu_dim", lambda m: m.GLU(dim=1), (2, 4, 3)),
    ("cnn1d", lambda m: m.Sequential(m.Conv1d(2, 4, 3, padding=1), m.BatchNorm1d(4), m.Mish(), m.MaxPool1d(2),
                                     m.Conv1d(4, 4, 3), m.GroupNorm(2, 4), m.Hardswish(), m.AvgPool1d(2),
                                     m.Flatten(), m.Linear(8, 3)), (3, 2, 12)),
    ("cnn2d", lambda m: m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.PReLU(4),
                                     m.AdaptiveAvgPool2d((3, 2)), m.Flatten(), m.Unflatten(1, (4, 6)),
                                     m.GLU(dim=1), m.Flatten(), m.Linear(12, 2)), (2, 1, 7, 5)),
]


def _spread(x: np.ndarray, name: str) -> np.ndarray:
    """hardswish/hardsigmoid/softplus-threshold inputs that cover every branch (away from the kinks)."""
    if name in ("hardswish", "hardsigmoid", "softplus_beta"):
        return (x * 3).astype(x.dtype)
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,build,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_torch(name: str, build, shape: tuple, dtype: type) -> None:
    ours, theirs = pair(build, dtype)
    x = _spread(randn(*shape, dtype=dtype), name)
    t = tol(dtype)
    if name == "hardsigmoid" and dtype == np.float64:
        t = {"rtol": 1e-7, "atol": 1e-12}  # PyTorch's float64 backward multiplies by the float32 constant 1/6
    check_module(ours, theirs, x, **t)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    y = ours(cr.tensor(x))
    assert y.dtype == (cr.float32 if dtype == np.float32 else cr.float64)
    for p in ours.parameters():
        assert p.grad.dtype == y.dtype


REPRS = [
    lambda m: m.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda m: m.AdaptiveAvgPool2d((2, None)),
    lambda m: m.Unflatten(1, [2, 5]),
    lambda m: m.Conv1d(3, 4, (3,), stride=(2,), padding=1),
    lambda m: m.MaxPool1d(3, 2, 1),
    lambda m: m.AvgPool1d(3, 2, 1),
    lambda m: m.GroupNorm(2, 4, eps=1e-3, affine=False),
    lambda m: m.Dropout2d(0.2, inplace=True),
    lambda m: m.Softplus(2, 10),
    lambda m: m.Mish(inplace=True),
    lambda m: m.Hardswish(inplace=True),
    lambda m: m.Hardsigmoid(inplace=True),
    lambda m: m.SELU(inplace=True),
    lambda m: m.CELU(0.5, inplace=True),
    lambda m: m.PReLU(3, 0.1),
    lambda m: m.GLU(1),
    lambda m: m.SmoothL1Loss(beta=0.5),
    lambda m: m.HuberLoss(delta=2.0),
    lambda m: m.KLDivLoss(reduction="batchmean", log_target=True),
]


@pytest.mark.parametrize("build", REPRS, ids=range(len(REPRS)))
def test_repr_and_state_dict_keys_match_torch(build) -> None:
    ours, theirs = build(cr.nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


# ----------------------------------------------------------------------------- BatchNorm2d
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batchnorm2d_running_stats_and_eval(momentum) -> None:
    ours, theirs = cr.nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.uniform_()
        theirs.bias.uniform_()
    ours.load_state_dict(cr.interop.from_torch(theirs.state_dict()))
    for _ in range(3):
        check_module(ours, theirs, randn(4, 3, 5, 5) * 2 + 1, rtol=1e-4, atol=1e-5)
        close(ours.running_mean, theirs.running_mean, rtol=1e-5, atol=1e-6)
        close(ours.running_var, theirs.running_var, rtol=1e-5, atol=1e-6)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, randn(2, 3, 4, 4), rtol=1e-4, atol=1e-5)
    assert int(ours.num_batches_tracked.item()) == 3  # eval does not count
    for key, value in theirs.state_dict().items():
        close(ours.state_dict()[key], value)


def test_batchnorm2d_without_running_stats_uses_batch_statistics_in_eval() -> None:
    ours, theirs = cr.nn.BatchNorm2d(2, track_running_stats=False), torch.nn.BatchNorm2d(2, track_running_stats=False)
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, randn(3, 2, 4, 4), rtol=1e-4, atol=1e-5)
    assert ours.running_mean is None and list(ours.state_dict()) == ["weight", "bias"]


def test_functional_batch_norm_on_4d_input() -> None:
    x = randn(3, 2, 4, 5)
    rm, rv = cr.zeros(2), cr.ones(2)
    trm, trv = torch.zeros(2), torch.ones(2)
    close(F.batch_norm(cr.tensor(x), rm, rv, training=True, momentum=0.2),
          TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2), rtol=1e-5, atol=1e-5)
    close(rm, trm)
    close(rv, trv)
    close(F.batch_norm(cr.tensor(x), rm, rv), TF.batch_norm(torch.tensor(x), trm, trv), rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- adaptive pooling
@pytest.mark.parametrize("size,out", [((7, 5), (3, 4)), ((10, 3), (4, 3)), ((3, 3), (5, 2)), ((9, 9), 4)])
def test_adaptive_avg_pool2d_windows_as_pytorch(size: tuple, out) -> None:
    x = randn(2, 3, *size)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = F.adaptive_avg_pool2d(xc, out), TF.adaptive_avg_pool2d(xt, out)
    close(yc, yt)
    w = randn(*yt.shape)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xc.grad, xt.grad)


def test_adaptive_avg_pool1d_and_integer_input() -> None:
    x = randn(2, 3, 11)
    close(F.adaptive_avg_pool1d(cr.tensor(x), 4), TF.adaptive_avg_pool1d(torch.tensor(x), 4))
    assert F.adaptive_avg_pool2d(cr.ones(1, 2, 4, 4, dtype=cr.int64), 2).dtype == cr.float32


# ----------------------------------------------------------------------------- functional forms
def _compare(ours, theirs, x: np.ndarray, *args, rtol: float = 1e-5, atol: float = 1e-6, **kwargs) -> None:
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc = ours(xc, *[cr.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    yt = theirs(xt, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs)
    close(yc, yt, rtol, atol)
    w = randn(*yt.shape).astype(x.dtype)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xc.grad, xt.grad, rtol, atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_functional_forms_match_torch(dtype: type) -> None:
    x3, x4 = randn(2, 3, 9, dtype=dtype), randn(2, 4, 5, 6, dtype=dtype)
    w1 = randn(4, 3, 3, dtype=dtype)
    t = tol(dtype)
    _compare(F.conv1d, TF.conv1d, x3, w1, randn(4, dtype=dtype), stride=2, padding=1, **t)
    _compare(F.max_pool1d, TF.max_pool1d, x3, 3, 2, 1, **t)
    _compare(F.avg_pool1d, TF.avg_pool1d, x3, 2, **t)
    _compare(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, x4, (3, 4), **t)
    _compare(F.group_norm, TF.group_norm, x4, 2, randn(4, dtype=dtype), randn(4, dtype=dtype), **t)
    for name in ("mish", "hardswish", "hardsigmoid", "selu", "celu", "softsign", "logsigmoid", "softplus"):
        loose = name == "hardsigmoid" and dtype == np.float64  # PyTorch's backward uses float32(1/6)
        _compare(getattr(F, name), getattr(TF, name), x4 * 3, **({"rtol": 1e-7, "atol": 1e-12} if loose else t))
    # PyTorch's float64 celu backward with alpha != 1 is off by ~1e-8 relative (a constant rounded to float32)
    _compare(F.celu, TF.celu, x4, alpha=0.7, **(t if dtype == np.float32 else {"rtol": 1e-7, "atol": 1e-12}))
    _compare(F.glu, TF.glu, x4, 1, **t)
    _compare(F.prelu, TF.prelu, x4, np.array([0.1, -0.2, 0.3, 0.5], dtype), **t)


def test_conv1d_weight_and_bias_gradients_match_torch() -> None:
    x, w, b = randn(2, 3, 10), randn(4, 3, 3), randn(4)
    args_c = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    args_t = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    F.conv1d(*args_c, stride=3, padding=2).tanh().sum().backward()
    TF.conv1d(*args_t, stride=3, padding=2).tanh().sum().backward()
    for a, b_ in zip(args_c, args_t):
        close(a.grad, b_.grad, rtol=1e-4, atol=1e-5)


def test_hardswish_derivative_at_the_kinks_is_pytorchs() -> None:
    x = np.array([-4.0, -3.0, -1.0, 0.0, 3.0, 4.0], np.float32)
    _compare(F.hardswish, TF.hardswish, x)
    _compare(F.hardsigmoid, TF.hardsigmoid, x)


def test_prelu_weight_gradient_matches_torch() -> None:
    ours, theirs = cr.nn.PReLU(3), torch.nn.PReLU(3)
    x = randn(4, 3, 5)
    check_module(ours, theirs, x)
    assert ours.weight.grad.shape == (3,)


@pytest.mark.parametrize("name", ["mish", "selu", "celu", "hardswish", "hardsigmoid"])
def test_inplace_activations(name: str) -> None:
    x = randn(3, 4) * 3
    a = cr.tensor(x, requires_grad=True)
    b = a * 1.0
    out = getattr(F, name)(b, inplace=True)
    assert out is b
    close(out, getattr(TF, name)(torch.tensor(x)), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    getattr(TF, name)(xt * 1.0, inplace=True).sum().backward()
    close(a.grad, xt.grad, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(cr.tensor(x, requires_grad=True), inplace=True)


def test_dropout2d_zeroes_whole_channels_and_is_identity_in_eval() -> None:
    cr.manual_seed(0)
    layer = cr.nn.Dropout2d(0.5)
    x = cr.ones(8, 16, 3, 3, requires_grad=True)
    y = layer(x)
    per_channel = y.detach().numpy().reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))  # whole maps kept or dropped
    assert 0.3 < (per_channel[..., 0] != 0).mean() < 0.7
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    layer.eval()
    assert layer(x) is x
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        assert F.dropout2d(cr.ones(2, 3, 4)).shape == (2, 3, 4)


def test_dropout2d_inplace() -> None:
    cr.manual_seed(1)
    x = cr.ones(2, 3, 2, 2)
    assert F.dropout2d(x, 0.5, inplace=True) is x
    assert set(np.unique(x.detach().numpy())) <= {0.0, 2.0}


# ----------------------------------------------------------------------------- containers
def test_module_dict_registration_state_dict_and_repr() -> None:
    cr.manual_seed(0)
    ours = cr.nn.ModuleDict({"b": cr.nn.Linear(2, 3), "a": cr.nn.ReLU()})
    theirs = torch.nn.ModuleDict({"b": torch.nn.Linear(2, 3), "a": torch.nn.ReLU()})
    ours["c"] = cr.nn.Linear(3, 1)
    theirs["c"] = torch.nn.Linear(3, 1)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["b.weight", "b.bias", "c.weight", "c.bias"]
    assert list(ours) == ["b", "a", "c"] and "a" in ours and len(ours) == 3
    copy_weights(ours, theirs)
    assert len(list(ours.parameters())) == 4
    popped = ours.pop("c")
    assert isinstance(popped, cr.nn.Linear) and list(ours.keys()) == ["b", "a"]
    del ours["a"]
    assert list(ours.state_dict()) == ["b.weight", "b.bias"]
    ours.update([("z", cr.nn.Tanh())])
    assert list(ours.keys()) == ["b", "z"] and isinstance(ours.z, cr.nn.Tanh)
    model = cr.nn.Sequential(cr.nn.ModuleDict({"enc": cr.nn.Linear(2, 2)}))
    assert list(model.state_dict()) == ["0.enc.weight", "0.enc.bias"]
    ours.clear()
    assert len(ours) == 0 and repr(ours) == "ModuleDict()"


def test_module_dict_bad_keys() -> None:
    d = cr.nn.ModuleDict()
    with pytest.raises(KeyError, match="attribute 'update' already exists"):
        d["update"] = cr.nn.ReLU()
    with pytest.raises(KeyError, match=r"'\.'"):
        d["a.b"] = cr.nn.ReLU()
    with pytest.raises(TypeError, match="module name should be a string"):
        d[1] = cr.nn.ReLU()
    with pytest.raises(ValueError, match="element #0 should be a \\(key, value\\) pair"):
        cr.nn.ModuleDict([cr.nn.ReLU()])


def test_parameter_list_registration_gradients_state_dict_and_repr() -> None:
    values = [randn(2, 3), randn(3)]
    ours = cr.nn.ParameterList([cr.nn.Parameter(cr.tensor(values[0])), cr.tensor(values[1])])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(values[0])), torch.tensor(values[1])])
    assert isinstance(ours[1], cr.nn.Parameter) and ours[1].requires_grad  # a plain tensor is wrapped
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert repr(ours) == repr(theirs).replace("torch.", "chainrule.")
    ours.append(cr.nn.Parameter(cr.zeros(1, dtype=cr.float64)))
    theirs.append(torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))
    assert repr(ours) == repr(theirs).replace("torch.", "chainrule.")
    assert ours[-1] is list(ours)[2] and len(ours[1:]) == 2
    (ours[0].sum() * ours[1].sum()).backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), np.full((2, 3), values[1].sum()), rtol=1e-6)

    class Model(cr.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.params = cr.nn.ParameterList([cr.nn.Parameter(cr.ones(2))])

    def torch_init(self) -> None:
        torch.nn.Module.__init__(self)
        self.params = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2))])

    TorchModel = type("Model", (torch.nn.Module,), {"__init__": torch_init})
    assert list(Model().state_dict()) == list(TorchModel().state_dict()) == ["params.0"]
    assert repr(Model()) == repr(TorchModel()).replace("torch.", "chainrule.")
    assert repr(cr.nn.ParameterList()) == repr(torch.nn.ParameterList())
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ours[3]
    with pytest.raises(TypeError, match="ParameterList holds tensors"):
        ours.append(3)


def test_parameter_dict_registration_state_dict_and_repr() -> None:
    ours = cr.nn.ParameterDict({"w": cr.nn.Parameter(cr.ones(2, 3)), "b": cr.zeros(3)})
    theirs = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.ones(2, 3)), "b": torch.zeros(3)})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["b", "w"]  # a plain dict is sorted
    assert list(ours) == ["b", "w"] and "w" in ours and isinstance(ours["b"], cr.nn.Parameter)
    expected = repr(theirs).replace("torch.FloatTensor", "chainrule.Parameter[float32]")
    assert repr(ours) == expected
    ours["c"] = cr.nn.Parameter(cr.ones(1))
    assert len(list(ours.parameters())) == 3 and ours.get("zz") is None
    assert ours.pop("c").shape == (1,) and list(ours.keys()) == ["b", "w"]
    ordered = cr.nn.ParameterDict(OrderedDict([("z", cr.ones(1)), ("a", cr.ones(1))]))
    assert list(ordered) == list(torch.nn.ParameterDict(OrderedDict([("z", torch.ones(1)), ("a", torch.ones(1))])))
    ours.update({"b": cr.nn.Parameter(cr.full((3,), 2.0))})
    np.testing.assert_array_equal(ours["b"].detach().numpy(), [2.0, 2.0, 2.0])
    ours.load_state_dict({"w": cr.zeros(2, 3), "b": cr.zeros(3)})
    assert float(ours["w"].sum().item()) == 0.0
    with pytest.raises(KeyError, match="attribute 'keys' already exists"):
        ours["keys"] = cr.nn.Parameter(cr.ones(1))


# ----------------------------------------------------------------------------- bad inputs
BAD = [
    (lambda: nn.BatchNorm2d(3)(cr.zeros(2, 3)), ValueError,
     r"BatchNorm2d\(3, .*expected input of shape \(N, 3, H, W\), got \(2, 3\)"),
    (lambda: nn.BatchNorm2d(3)(cr.zeros(2, 4, 2, 2)), ValueError, r"BatchNorm2d\(3,.*got \(2, 4, 2, 2\)"),
    (lambda: nn.BatchNorm2d(3)(cr.zeros(1, 3, 1, 1)), ValueError, "Expected more than 1 value per channel"),
    (lambda: nn.AdaptiveAvgPool2d(2)(cr.zeros(3, 10)), RuntimeError,
     r"AdaptiveAvgPool2d\(output_size=2\): expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(3, 10\)"),
    (lambda: F.adaptive_avg_pool2d(cr.zeros(1, 1, 4, 4), (2, 0)), ValueError, "output_size must be positive"),
    (lambda: nn.Unflatten(1, (2, 4))(cr.zeros(3, 10)), RuntimeError,
     r"Unflatten\(dim=1, unflattened_size=\(2, 4\)\): the sizes \(2, 4\) don't multiply up to the size 10 of dim 1 "
     r"of the input of shape \(3, 10\)"),
    (lambda: nn.Unflatten(1, 4), TypeError, "unflattened_size must be a tuple or list of ints"),
    (lambda: nn.Conv1d(3, 2, 2)(cr.zeros(3, 2, 10)), RuntimeError,
     r"Conv1d\(3, 2, kernel_size=\(2,\), stride=\(1,\)\): expected input of shape \(N, 3, L\), got input of shape "
     r"\(3, 2, 10\) \(weight has shape \(2, 3, 2\)\)"),
    (lambda: nn.Conv1d(3, 2, 5)(cr.zeros(1, 3, 4)), RuntimeError,
     r"conv1d: the kernel size 5 is larger than the padded input length 4 \(input shape \(1, 3, 4\)\)"),
    (lambda: nn.Conv1d(3, 2, 2, stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: nn.Conv1d(3, 2, 2, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: F.conv1d(cr.zeros(1, 2, 5), cr.zeros(3, 2, 2, 2)), RuntimeError, r"expected a 3-D weight"),
    (lambda: nn.MaxPool1d(2)(cr.zeros(2, 3, 4, 5)), RuntimeError,
     r"max_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 3, 4, 5\)"),
    (lambda: nn.MaxPool1d(4, padding=3)(cr.zeros(1, 1, 8)), RuntimeError,
     "pad should be at most half of the kernel size, got padding=3 and kernel_size=4"),
    (lambda: nn.AvgPool1d(5)(cr.zeros(1, 1, 3)), RuntimeError,
     "kernel size 5 is larger than the padded input length 3"),
    (lambda: nn.AvgPool1d(2, ceil_mode=True), NotImplementedError, "ceil_mode=True is not supported"),
    (lambda: nn.GroupNorm(3, 4), ValueError, r"num_channels \(4\) must be divisible by num_groups \(3\)"),
    (lambda: nn.GroupNorm(2, 4)(cr.zeros(2, 6, 3)), RuntimeError,
     r"GroupNorm\(2, 4, eps=1e-05, affine=True, bias=True\): expected input of shape \(N, 4, \*\), got \(2, 6, 3\)"),
    (lambda: F.group_norm(cr.zeros(2, 6, 3), 4), RuntimeError, r"channels \(6\).*divisible by num_groups=4"),
    (lambda: nn.Dropout2d(1.5), ValueError, "dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: nn.PReLU(3)(cr.zeros(2, 4)), RuntimeError,
     r"PReLU\(num_parameters=3\): expected input with 3 channels \(dim 1\), got input of shape \(2, 4\)"),
    (lambda: F.prelu(cr.zeros(3), cr.zeros(3)), RuntimeError,
     "Found parameter numbers = 3 and channel size = 1"),
    (lambda: nn.GLU()(cr.zeros(2, 5)), RuntimeError, "Halving dimension must be even, but dimension 1 is size 5"),
    (lambda: nn.CELU(0.0)(cr.zeros(2)), RuntimeError, "alpha must not be 0"),
    (lambda: nn.SmoothL1Loss()(cr.zeros(3), cr.zeros(2)), RuntimeError,  # after PyTorch's broadcast warning
     r"smooth_l1_loss: shapes \(3,\) and \(2,\) are not broadcastable"),
    (lambda: nn.HuberLoss(delta=0.0)(cr.zeros(3), cr.zeros(3)), RuntimeError, "non-positive values for delta"),
    (lambda: nn.KLDivLoss(reduction="avg"), ValueError, "'avg' is not a valid value for reduction"),
]


@pytest.mark.parametrize("fn,exc,pattern", BAD, ids=range(len(BAD)))
@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")
def test_bad_input_is_named(fn, exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        fn()


def test_layer_errors_carry_the_sequential_note() -> None:
    model = nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm2d(3))
    with pytest.raises(ValueError, match=re.escape("BatchNorm2d(3")) as info:
        model(cr.zeros(2, 2, 8))
    assert info.value.__notes__ == ["raised by layer (1) of the Sequential, BatchNorm2d"]


def test_replacing_an_entry_keeps_its_position() -> None:
    plist = cr.nn.ParameterList([cr.ones(1), cr.ones(2), cr.ones(3)])
    plist[1] = cr.zeros(5)
    assert [tuple(p.shape) for p in plist] == [(1,), (5,), (3,)] and list(plist.state_dict()) == ["0", "1", "2"]
    pdict = cr.nn.ParameterDict(OrderedDict([("a", cr.ones(1)), ("b", cr.ones(2))]))
    pdict["a"] = cr.zeros(4)
    assert list(pdict) == ["a", "b"] and pdict.a.shape == (4,)
    mdict = cr.nn.ModuleDict({"x": cr.nn.ReLU(), "y": cr.nn.Tanh()})
    mdict["x"] = cr.nn.Linear(1, 1)
    tdict = torch.nn.ModuleDict({"x": torch.nn.ReLU(), "y": torch.nn.Tanh()})
    tdict["x"] = torch.nn.Linear(1, 1)
    assert repr(mdict) == repr(tdict) and list(mdict.state_dict()) == ["x.weight", "x.bias"]
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        mdict["z"] = 3
