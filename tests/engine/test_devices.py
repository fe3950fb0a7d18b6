"""Devices on the CPU, against torch 2.13.0 (a CPU build): `cr.device`, `device=` on the factories,
`Tensor.device`/`.to`/`.cpu`/`.cuda`, `Module.to`/`.cuda`, `cr.cuda`, `cr.accelerator`, `cr.backends`,
the default device, and the common "cuda if available else cpu" idioms."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.engine.device import DeviceUnavailableError


# ----------------------------------------------------------------------------- cr.device
@pytest.mark.parametrize("args", [("cpu",), ("cpu", 0), ("cpu:0",), ("cpu:3",), ("cuda",), ("cuda:1",), ("cuda", 2),
                                  ("mps",), ("meta",)])
def test_device_matches_torch(args):
    d, t = cr.device(*args), torch.device(*args)
    assert (d.type, d.index) == (t.type, t.index)
    assert str(d) == str(t)
    assert repr(d) == repr(t)
    assert cr.device(d) == d


def test_device_equality_and_hash_as_torch():
    assert cr.device("cpu") == cr.device("cpu")
    assert (cr.device("cpu") == cr.device("cpu:0")) == (torch.device("cpu") == torch.device("cpu:0")) is False
    # torch 2.13 compares a device with a string as unequal; chainrule does the same
    assert (cr.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert (cr.device("cpu") != "cpu") == (torch.device("cpu") != "cpu")
    assert {cr.device("cpu"): 1}[cr.device("cpu")] == 1
    assert len({cr.device("cpu"), cr.device("cpu"), cr.device("cuda")}) == 2
    d = pickle.loads(pickle.dumps(cr.device("cuda:1")))
    assert d == cr.device("cuda", 1)


@pytest.mark.parametrize("args", [("foo",), ("cuda", -1), ("cpu:x",), ("cuda:0", 1)])
def test_malformed_devices_raise_runtime_error_as_torch(args):
    with pytest.raises(RuntimeError):
        torch.device(*args)
    with pytest.raises(RuntimeError):
        cr.device(*args)


def test_integer_device_means_an_accelerator():
    with pytest.raises(RuntimeError, match="accelerator"):
        torch.device(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.device(0)


# ----------------------------------------------------------------------------- tensors
FACTORIES = [
    ("tensor", lambda m, **k: m.tensor([1.0, 2.0], **k)),
    ("zeros", lambda m, **k: m.zeros(2, 3, **k)),
    ("ones", lambda m, **k: m.ones((2,), **k)),
    ("empty", lambda m, **k: m.empty(2, **k)),
    ("full", lambda m, **k: m.full((2,), 1.5, **k)),
    ("arange", lambda m, **k: m.arange(4, **k)),
    ("linspace", lambda m, **k: m.linspace(0, 1, 5, **k)),
    ("logspace", lambda m, **k: m.logspace(0, 1, 5, **k)),
    ("eye", lambda m, **k: m.eye(3, **k)),
    ("rand", lambda m, **k: m.rand(2, **k)),
    ("randn", lambda m, **k: m.randn(2, **k)),
    ("randint", lambda m, **k: m.randint(0, 5, (3,), **k)),
    ("randperm", lambda m, **k: m.randperm(4, **k)),
    ("zeros_like", lambda m, **k: m.zeros_like(m.ones(2), **k)),
    ("ones_like", lambda m, **k: m.ones_like(m.ones(2), **k)),
    ("empty_like", lambda m, **k: m.empty_like(m.ones(2), **k)),
    ("full_like", lambda m, **k: m.full_like(m.ones(2), 3.0, **k)),
    ("rand_like", lambda m, **k: m.rand_like(m.ones(2), **k)),
    ("randn_like", lambda m, **k: m.randn_like(m.ones(2), **k)),
    ("randint_like", lambda m, **k: m.randint_like(m.ones(2), 5, **k)),
    ("new_zeros", lambda m, **k: m.ones(2).new_zeros(3, **k)),
    ("new_ones", lambda m, **k: m.ones(2).new_ones((3,), **k)),
    ("new_empty", lambda m, **k: m.ones(2).new_empty(3, **k)),
    ("new_full", lambda m, **k: m.ones(2).new_full((3,), 2.0, **k)),
    ("new_tensor", lambda m, **k: m.ones(2).new_tensor([1, 2], **k)),
    ("Tensor", lambda m, **k: m.Tensor([1, 2], **k)),
]


@pytest.mark.parametrize("name,make", FACTORIES, ids=[f[0] for f in FACTORIES])
@pytest.mark.parametrize("dev", ["cpu", "cpu:0", "device"])
def test_factories_accept_cpu_devices(name, make, dev):
    t = make(torch, device=torch.device("cpu") if dev == "device" else dev)
    c = make(cr, device=cr.device("cpu") if dev == "device" else dev)
    assert c.device == cr.device("cpu") and str(c.device) == str(t.device) == "cpu"
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).split(".")[1] == str(t.dtype).split(".")[1]


@pytest.mark.parametrize("name,make", FACTORIES, ids=[f[0] for f in FACTORIES])
@pytest.mark.parametrize("dev", ["cuda", "cuda:0", "mps"])
def test_factories_refuse_other_devices_clearly(name, make, dev):
    with pytest.raises((AssertionError, RuntimeError)):  # torch: AssertionError for cuda, RuntimeError for mps
        make(torch, device=dev)
    with pytest.raises(DeviceUnavailableError, match="CPU only") as info:
        make(cr, device=dev)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, AssertionError)
    assert dev in str(info.value)


def test_tensor_device_properties():
    x, t = cr.ones(2), torch.ones(2)
    assert isinstance(x.device, cr.device) and repr(x.device) == repr(t.device) == "device(type='cpu')"
    assert (x.is_cuda, x.is_cpu, x.get_device()) == (t.is_cuda, t.is_cpu, t.get_device()) == (False, True, -1)
    assert x.device.type == "cpu" and x.device.index is None


def test_to_forms_match_torch():
    for m in (cr, torch):
        x = m.ones(2, 3)
        f64 = m.float64
        assert x.to("cpu") is x
        assert x.to(m.device("cpu")) is x
        assert x.to("cpu", non_blocking=True) is x
        assert x.to(m.float32) is x
        assert x.to(device="cpu", dtype=m.float32) is x
        assert x.to("cpu", copy=True) is not x
        assert x.to(m.float32, False, True) is not x  # to(dtype, non_blocking, copy)
        assert x.to("cpu", f64).dtype == f64
        assert x.to(m.device("cpu"), f64, non_blocking=True).dtype == f64
        assert x.to(device="cpu", dtype=m.int64).dtype == m.int64
        assert x.to(m.ones(1, dtype=f64)).dtype == f64
        assert x.to(m.ones(1)) is x
        assert x.cpu() is x


def test_to_copy_keeps_values_and_the_graph():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    y = w.to("cpu", copy=True)
    assert y is not w and y.grad_fn is not None
    (y * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
    z = w.to("cpu", cr.float64)
    z.sum().backward()
    assert w.grad.tolist() == [4.0, 4.0] and w.grad.dtype == cr.float32


@pytest.mark.parametrize("dev", ["cuda", "cuda:0", "mps", "meta"])
def test_to_another_device_raises(dev):
    x = cr.ones(2)
    with pytest.raises(DeviceUnavailableError, match="CPU only"):
        x.to(dev)
    with pytest.raises(DeviceUnavailableError):
        x.to(cr.device(dev), cr.float64)
    with pytest.raises(DeviceUnavailableError):
        x.to(device=dev)


def test_cuda_call_raises_the_types_torch_users_catch():
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        torch.ones(2).cuda()
    with pytest.raises(AssertionError, match="CPU only"):
        cr.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.ones(2).cuda()
    with pytest.raises(RuntimeError):
        cr.ones(2).to("foo")


def test_to_rejects_unknown_keywords():
    with pytest.raises(TypeError, match="unexpected keyword"):
        cr.ones(2).to("cpu", devise="cpu")


# ----------------------------------------------------------------------------- modules
def test_module_to_device_and_dtype_as_torch():
    for m in (cr, torch):
        lin = m.nn.Linear(2, 2)
        assert lin.to("cpu") is lin and lin.cpu() is lin
        assert lin.to(m.device("cpu")) is lin
        assert lin.to(m.device("cpu"), m.float64).weight.dtype == m.float64
        assert lin.to(device="cpu", dtype=m.float32).weight.dtype == m.float32
        assert lin.to(m.float64).bias.dtype == m.float64
        assert lin.to(m.ones(1, dtype=m.float32)).weight.dtype == m.float32
        with pytest.raises(TypeError, match="floating point"):
            lin.to(m.int64)


def test_module_cuda_raises():
    with pytest.raises(AssertionError):
        torch.nn.Linear(2, 2).cuda()
    lin = cr.nn.Linear(2, 2)
    with pytest.raises(DeviceUnavailableError, match="CPU only"):
        lin.cuda()
    with pytest.raises(DeviceUnavailableError, match="CPU only"):
        lin.to("cuda")


# ----------------------------------------------------------------------------- cr.cuda, accelerator, backends
def test_cuda_namespace_as_a_cpu_only_torch():
    assert cr.cuda.is_available() is torch.cuda.is_available() is False
    assert cr.cuda.device_count() == torch.cuda.device_count() == 0
    assert cr.cuda.is_initialized() is torch.cuda.is_initialized() is False
    for fn in ("manual_seed", "manual_seed_all"):
        assert getattr(cr.cuda, fn)(0) is None and getattr(torch.cuda, fn)(0) is None
    assert cr.cuda.empty_cache() is None and cr.cuda.memory_allocated() == 0
    for fn in ("synchronize", "current_device", "get_device_name"):
        with pytest.raises(AssertionError):
            getattr(torch.cuda, fn)()
        with pytest.raises(AssertionError):
            getattr(cr.cuda, fn)()


def test_cuda_seeding_does_not_touch_the_cpu_generator():
    cr.manual_seed(5)
    cr.cuda.manual_seed_all(123)
    a = cr.rand(3)
    cr.manual_seed(5)
    assert np.array_equal(a.numpy(), cr.rand(3).numpy())


def test_accelerator_and_backends_as_torch():
    assert cr.accelerator.is_available() is torch.accelerator.is_available() is False
    assert cr.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert cr.accelerator.device_count() == torch.accelerator.device_count() == 0
    assert cr.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert cr.backends.mps.is_built() is torch.backends.mps.is_built() is False
    assert cr.backends.cudnn.is_available() is torch.backends.cudnn.is_available() is False
    for flag in ("benchmark", "deterministic", "enabled", "allow_tf32"):
        assert getattr(cr.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
    cr.backends.cudnn.benchmark = True
    cr.backends.cudnn.deterministic = True
    cr.backends.cuda.matmul.allow_tf32 = True
    import chainrule.backends.cudnn as cudnn

    assert cudnn.benchmark is True
    cr.backends.cudnn.benchmark = cr.backends.cudnn.deterministic = False


def test_default_device():
    assert cr.get_default_device() == cr.device("cpu") and str(torch.get_default_device()) == "cpu"
    cr.set_default_device("cpu")
    cr.set_default_device(cr.device("cpu"))
    cr.set_default_device(None)
    with pytest.raises(DeviceUnavailableError, match="set_default_device"):
        cr.set_default_device("cuda")
    assert cr.zeros(1).device == cr.device("cpu")


# ----------------------------------------------------------------------------- the idioms of real programs
def test_common_device_idioms_run():
    device = "cuda" if cr.cuda.is_available() else "cpu"
    dev = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    dev2 = cr.device("cuda:0" if cr.cuda.is_available() else "cpu")
    mps = cr.device("mps" if cr.backends.mps.is_available() else "cpu")
    acc = cr.accelerator.current_accelerator().type if cr.accelerator.is_available() else "cpu"
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 1)).to(device)
    for d in (device, dev, dev2, mps, acc):
        model.to(d)
        x = cr.randn(5, 3).to(d)
        y = cr.zeros(5, 1, device=d)
        loss = cr.nn.functional.mse_loss(model(x), y)
        loss.backward()
        assert x.device == dev and loss.item() >= 0
    assert next(model.parameters()).device == dev
    assert str(next(model.parameters()).device) == "cpu"
