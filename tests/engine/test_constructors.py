"""`cr.Tensor(...)` with `torch.Tensor(...)`'s semantics, the typed constructors (`cr.FloatTensor`, ...) and
`cr.randint`'s overloads, against torch 2.13.0."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _dt(t) -> str:
    return str(t.dtype).split(".")[1]


@pytest.mark.parametrize("data", [[1, 2], [[1, 2], [3, 4]], [True, False], [1.5, 2.5], (2, 3), np.arange(3),
                                  np.array([1.0, 2.0], np.float64)])
def test_tensor_of_data_is_the_default_float_dtype(data):
    c, t = cr.Tensor(data), torch.Tensor(data)
    assert _dt(c) == _dt(t) == "float32"
    assert c.tolist() == t.tolist()
    assert c.requires_grad is False and c.grad_fn is None


def test_tensor_of_a_tensor_converts_to_float():
    assert cr.Tensor(cr.tensor([1, 2])).dtype == cr.float32
    assert cr.Tensor(cr.tensor([1.0, 2.0], dtype=cr.float64)).dtype == cr.float32


@pytest.mark.parametrize("args", [(2, 3), (4,), (0,), (torch.Size([2, 3]),), ()])
def test_tensor_of_a_shape_is_uninitialised_storage(args):
    c_args = tuple(cr.Size(a) if isinstance(a, torch.Size) else a for a in args)
    c, t = cr.Tensor(*c_args), torch.Tensor(*args)
    assert tuple(c.shape) == tuple(t.shape) and _dt(c) == _dt(t)


def test_tensor_follows_the_default_dtype():
    cr.set_default_dtype(cr.float64)
    try:
        assert cr.Tensor([1, 2]).dtype == cr.float64 and cr.Tensor(2).dtype == cr.float64
        assert cr.FloatTensor([1]).dtype == cr.float32
    finally:
        cr.set_default_dtype(cr.float32)


def test_tensor_constructor_errors():
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.Tensor(-1)
    with pytest.raises(RuntimeError, match="negative dimension"):
        cr.Tensor(-1)
    with pytest.raises(TypeError):
        torch.Tensor(2, "a")
    with pytest.raises(TypeError):
        cr.Tensor(2, "a")
    with pytest.raises(TypeError):
        cr.Tensor([1], [2])


def test_cr_tensor_still_infers_int64():
    assert cr.tensor([1, 2]).dtype == cr.int64 and cr.tensor(3).shape == ()
    assert (cr.ones(2) + 1).dtype == cr.float32 and (cr.tensor([1, 2]) + [1, 1]).dtype == cr.int64


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
                                  "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"])
def test_typed_constructors(name):
    c, t = getattr(cr, name)([1, 0, 1]), getattr(torch, name)([1, 0, 1])
    assert _dt(c) == _dt(t) and c.tolist() == t.tolist()
    c, t = getattr(cr, name)(2, 3), getattr(torch, name)(2, 3)
    assert _dt(c) == _dt(t) and tuple(c.shape) == (2, 3)
    assert isinstance(c, getattr(cr, name)) and isinstance(c, cr.Tensor)
    assert isinstance(t, getattr(torch, name))


def test_typed_isinstance_checks_the_dtype():
    assert isinstance(cr.zeros(2), cr.FloatTensor) == isinstance(torch.zeros(2), torch.FloatTensor) is True
    assert isinstance(cr.zeros(2, dtype=cr.float64), cr.FloatTensor) is False
    assert isinstance(cr.tensor([1]), cr.LongTensor) and not isinstance([1], cr.LongTensor)


# ----------------------------------------------------------------------------- randint
RANDINT = [
    ((5, (3,)), {}),
    ((2, 5, (3,)), {}),
    ((5,), {"size": (2, 2)}),
    ((), {"low": 0, "high": 5, "size": (2,)}),
    ((), {"high": 5, "size": (2,)}),
    ((2,), {"high": 5, "size": (4,)}),
    ((3, 10, (2,)), {"dtype": "float32"}),
    ((-4, -1, [5]), {"dtype": "int32"}),
]


@pytest.mark.parametrize("args,kwargs", RANDINT)
def test_randint_overloads_as_torch(args, kwargs):
    kc, kt = dict(kwargs), dict(kwargs)
    if "dtype" in kwargs:
        kc["dtype"], kt["dtype"] = getattr(cr, kwargs["dtype"]), getattr(torch, kwargs["dtype"])
    c, t = cr.randint(*args, **kc), torch.randint(*args, **kt)
    assert tuple(c.shape) == tuple(t.shape) and _dt(c) == _dt(t)
    low = kwargs.get("low", args[0] if len(args) == 3 or (len(args) == 2 and "high" in kwargs) else 0)
    high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args and "high" not in kwargs else None)
    values = cr.randint(*args, **kc).numpy() if c.numel() else np.array([])
    assert values.min() >= low and values.max() < high


def test_randint_covers_its_range_and_is_seeded():
    cr.manual_seed(0)
    a = cr.randint(3, (2000,))
    assert sorted(set(a.tolist())) == [0, 1, 2]
    cr.manual_seed(0)
    assert np.array_equal(a.numpy(), cr.randint(3, (2000,)).numpy())
    g1, g2 = cr.Generator(4), cr.Generator(4)
    assert np.array_equal(cr.randint(0, 9, (8,), generator=g1).numpy(), cr.randint(9, (8,), generator=g2).numpy())


def test_randint_errors_as_torch():
    for m in (torch, cr):
        with pytest.raises(RuntimeError, match="from=5 >= to=5"):
            m.randint(5, 5, (2,))
        with pytest.raises(TypeError):
            m.randint(5)
        with pytest.raises(RuntimeError):
            m.randint(0, 5, (2,), requires_grad=True)
    with pytest.raises(TypeError, match="size"):
        cr.randint(5)


def test_randint_like():
    for m in (torch, cr):
        x = m.ones(2, 3)
        assert m.randint_like(x, 5).dtype == m.float32 and tuple(m.randint_like(x, 5).shape) == (2, 3)
        v = m.randint_like(x, 3, 5)
        assert v.min().item() >= 3 and v.max().item() < 5
