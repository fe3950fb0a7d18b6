"""dtypes, type promotion, creation functions and reprs, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _ops_harness import TORCH, assert_close, dtype_name

import chainrule as cr

# ----------------------------------------------------------------------------- type promotion
PROMOTION = {
    "int_times_float_scalar": lambda m: m.tensor([1, 2, 3]) * 1.5,
    "float_scalar_times_int": lambda m: 1.5 * m.tensor([1, 2, 3]),
    "int_times_int_scalar": lambda m: m.tensor([1, 2, 3]) * 2,
    "int_div_int": lambda m: m.tensor([1, 2, 3]) / m.tensor([2, 2, 2]),
    "int_div_int_scalar": lambda m: m.tensor([1, 2, 3]) / 2,
    "int_scalar_div_int": lambda m: 3 / m.tensor([1, 2, 4]),
    "int_floordiv_int": lambda m: m.tensor([7, -7, 3]) // m.tensor([2, 2, 2]),
    "int_floordiv_scalar": lambda m: m.tensor([7, -7, 3]) // 2,
    "float_floordiv_negative": lambda m: m.tensor([7.5, -7.5]) // 2,
    "int_remainder": lambda m: m.tensor([7, -7]) % 3,
    "float32_plus_float64_0d": lambda m: m.tensor([1.0, 2.0]) + m.tensor(1.0, dtype=m.float64),
    "float32_0d_plus_float64_0d": lambda m: m.tensor(1.0) + m.tensor(1.0, dtype=m.float64),
    "float32_plus_float64": lambda m: m.tensor([1.0, 2.0]) + m.tensor([1.0, 2.0], dtype=m.float64),
    "int_plus_float64_0d": lambda m: m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64),
    "int32_plus_int64_0d": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor(3),
    "int32_plus_int_scalar": lambda m: m.tensor([1, 2], dtype=m.int32) + 3,
    "int32_plus_int64": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([3, 4]),
    "uint8_plus_int8": lambda m: m.tensor([1, 2], dtype=m.uint8) + m.tensor([1, 2], dtype=m.int8),
    "float16_plus_float32_0d": lambda m: m.tensor([1.0, 2.0], dtype=m.float16) + m.tensor(1.0),
    "bool_plus_int": lambda m: m.tensor([True, False]) + m.tensor([1, 2]),
    "bool_plus_int_scalar": lambda m: m.tensor([True, False]) + 1,
    "bool_times_float_scalar": lambda m: m.tensor([True, False]) * 1.5,
    "bool_plus_bool": lambda m: m.tensor([True, False]) + m.tensor([True, True]),
    "bool_0d_plus_int": lambda m: m.tensor(True) + m.tensor([1, 2]),
    "int_pow_float": lambda m: m.tensor([1, 2]) ** 0.5,
    "int_pow_int": lambda m: m.tensor([1, 2]) ** 2,
    "int_scalar_pow_int": lambda m: 2 ** m.tensor([1, 2]),
    "float_scalar_pow_int": lambda m: 2.0 ** m.tensor([1, 2]),
    "int_sub_float_tensor": lambda m: m.tensor([1, 2]) - m.tensor([0.5, 0.5]),
    "int_matmul_int": lambda m: m.tensor([[1, 2], [3, 4]]) @ m.tensor([[1], [1]]),
    "int_matmul_float": lambda m: m.tensor([[1, 2]]).float() @ m.tensor([[0.5], [1.5]]),
    "sum_int32": lambda m: m.tensor([1, 2], dtype=m.int32).sum(),
    "sum_bool": lambda m: m.tensor([True, True, False]).sum(),
    "sum_float16": lambda m: m.tensor([1.0, 2.0], dtype=m.float16).sum(),
    "prod_int": lambda m: m.tensor([2, 3]).prod(),
    "cumsum_int32": lambda m: m.tensor([1, 2], dtype=m.int32).cumsum(0),
    "exp_int": lambda m: m.exp(m.tensor([0, 1])),
    "sqrt_bool": lambda m: m.sqrt(m.tensor([True, False])),
    "sigmoid_int": lambda m: m.sigmoid(m.tensor([0, 1])),
    "abs_int": lambda m: m.abs(m.tensor([-1, 2])),
    "neg_int": lambda m: -m.tensor([-1, 2]),
    "sign_int": lambda m: m.sign(m.tensor([-3, 0, 2])),
    "square_int": lambda m: m.square(m.tensor([-3, 2])),
    "floor_round_int": lambda m: m.floor(m.tensor([-3, 2])) + m.round(m.tensor([1, 2])),
    "clamp_int_tensor_float_bound": lambda m: m.clamp(m.tensor([1, 2]), m.tensor([0.5, 1.5])),
    "relu_int": lambda m: m.relu(m.tensor([-1, 2])),
    "clamp_int": lambda m: m.clamp(m.tensor([-1, 2, 5]), 0, 3),
    "clamp_int_float_bound": lambda m: m.clamp(m.tensor([-1, 2, 5]), 0.5),
    "maximum_int_float": lambda m: m.maximum(m.tensor([1, 5]), m.tensor([2.5, 0.5])),
    "where_int_float_scalar": lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), 0.5),
    "where_scalars_int": lambda m: m.where(m.tensor([True, False]), 1, 0),
    "cat_int_float": lambda m: m.cat([m.tensor([1, 2]), m.tensor([0.5])]),
    "stack_float32_float64": lambda m: m.stack([m.tensor([1.0]), m.tensor([2.0], dtype=m.float64)]),
    "amax_int": lambda m: m.tensor([[1, 5], [7, 2]]).amax(0),
    "max_int_dim": lambda m: m.tensor([[1, 5], [7, 2]]).max(1)[0],
    "argmax_dtype": lambda m: m.tensor([1.0, 3.0]).argmax(),
    "compare_int_float": lambda m: m.tensor([1, 2]) < 1.5,
    "eq_bool_int": lambda m: m.tensor([True, False]) == m.tensor([1, 1]),
    "to_float64": lambda m: m.tensor([1, 2]).to(m.float64),
    "to_dtype_kw": lambda m: m.tensor([1.5, 2.5]).to(dtype=m.int64),
    "to_other_tensor": lambda m: m.tensor([1, 2]).to(m.tensor([1.0], dtype=m.float64)),
    "float_method": lambda m: m.tensor([1, 2]).float(),
    "double_method": lambda m: m.tensor([1.5]).double(),
    "long_method": lambda m: m.tensor([1.7, -1.7]).long(),
    "int_method": lambda m: m.tensor([1.7]).int(),
    "bool_method": lambda m: m.tensor([0.0, 2.0]).bool(),
    "half_method": lambda m: m.tensor([1.0]).half(),
    "sum_dtype_arg": lambda m: m.tensor([1, 2]).sum(dtype=m.float64),
    "tensor_from_mixed_list": lambda m: m.tensor([1, 2.5]),
    "tensor_from_bools": lambda m: m.tensor([True, False]),
    "tensor_from_int": lambda m: m.tensor(3),
    "tensor_from_float": lambda m: m.tensor(3.5),
    "tensor_from_nested_empty": lambda m: m.tensor([[], []]),
    "tensor_from_empty": lambda m: m.tensor([]),
    "tensor_from_numpy_int32": lambda m: m.tensor(np.array([1, 2], dtype=np.int32)),
    "tensor_from_numpy_float64": lambda m: m.tensor(np.array([1.5])),
    "tensor_from_numpy_scalar": lambda m: m.tensor(np.float64(2.5)),
    "numpy_scalar_is_weak": lambda m: m.tensor([1.0, 2.0]) * np.float64(2.0),
    "from_numpy": lambda m: m.from_numpy(np.array([1.0, 2.0])),
}


@pytest.mark.parametrize("name", sorted(PROMOTION))
def test_type_promotion_matches_torch(name):
    c, t = PROMOTION[name](cr), PROMOTION[name](TORCH)
    assert dtype_name(c) == dtype_name(t), f"{name}: {c.dtype} vs torch {t.dtype}"
    assert_close(c, t, (1e-6, 1e-7), name)


# ----------------------------------------------------------------------------- default dtype
@pytest.fixture
def float64_default():
    cr.set_default_dtype(cr.float64)
    torch.set_default_dtype(torch.float64)
    yield
    cr.set_default_dtype(cr.float32)
    torch.set_default_dtype(torch.float32)


DEFAULT_DTYPE = {
    "python_float": lambda m: m.tensor(1.5),
    "float_list": lambda m: m.tensor([1.0, 2.0]),
    "int_list": lambda m: m.tensor([1, 2]),
    "int_times_float": lambda m: m.tensor([1, 2]) * 0.5,
    "int_div": lambda m: m.tensor([1, 2]) / 2,
    "zeros": lambda m: m.zeros(2),
    "ones": lambda m: m.ones(2, 2),
    "full_float": lambda m: m.full((2,), 1.5),
    "full_int": lambda m: m.full((2,), 7),
    "full_bool": lambda m: m.full((2,), True),
    "arange_float": lambda m: m.arange(0.0, 1.0, 0.25),
    "arange_int": lambda m: m.arange(4),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "eye": lambda m: m.eye(2, 3),
    "exp_int": lambda m: m.exp(m.tensor([1])),
    "float32_stays": lambda m: m.tensor([1.0], dtype=m.float32) + 1.0,
}


@pytest.mark.parametrize("name", sorted(DEFAULT_DTYPE))
def test_default_dtype_float32(name):
    c, t = DEFAULT_DTYPE[name](cr), DEFAULT_DTYPE[name](TORCH)
    assert dtype_name(c) == dtype_name(t)
    assert_close(c, t, (1e-6, 1e-7), name)


@pytest.mark.parametrize("name", sorted(DEFAULT_DTYPE))
def test_set_default_dtype_float64(name, float64_default):
    assert cr.get_default_dtype() is cr.float64
    c, t = DEFAULT_DTYPE[name](cr), DEFAULT_DTYPE[name](TORCH)
    assert dtype_name(c) == dtype_name(t)
    assert_close(c, t, (1e-12, 1e-14), name)


def test_set_default_dtype_rejects_int():
    with pytest.raises(TypeError):
        cr.set_default_dtype(cr.int64)
    assert cr.get_default_dtype() is cr.float32


def test_dtype_objects():
    assert cr.float is cr.float32 and cr.double is cr.float64 and cr.long is cr.int64
    assert repr(cr.float32) == "chainrule.float32"
    assert cr.float32.is_floating_point and not cr.int64.is_floating_point
    assert cr.tensor([1.0]).is_floating_point() and not cr.tensor([1]).is_floating_point()


# ----------------------------------------------------------------------------- creation functions
CREATION = {
    "zeros_varargs": lambda m: m.zeros(2, 3),
    "zeros_tuple": lambda m: m.zeros((2, 3)),
    "zeros_0d": lambda m: m.zeros(()),
    "ones_dtype": lambda m: m.ones(3, dtype=m.int64),
    "full": lambda m: m.full((2, 2), 2.5),
    "full_dtype": lambda m: m.full((2,), 3, dtype=m.float64),
    "empty_shape": lambda m: m.zeros_like(m.empty(2, 0)),
    "arange_one": lambda m: m.arange(5),
    "arange_start_end": lambda m: m.arange(2, 7),
    "arange_step": lambda m: m.arange(1, 10, 3),
    "arange_negative_step": lambda m: m.arange(5, 0, -2),
    "arange_float_step": lambda m: m.arange(0, 1, 0.1),
    "linspace": lambda m: m.linspace(-1, 1, 7),
    "linspace_one": lambda m: m.linspace(2, 3, 1),
    "eye_square": lambda m: m.eye(3),
    "eye_rect": lambda m: m.eye(2, 4),
    "zeros_like": lambda m: m.zeros_like(m.tensor([[1, 2]])),
    "ones_like_dtype": lambda m: m.ones_like(m.tensor([1, 2]), dtype=m.float32),
    "full_like": lambda m: m.full_like(m.tensor([1.0, 2.0]), 7.0),
    "empty_like_shape": lambda m: m.zeros_like(m.empty_like(m.tensor([[1.0], [2.0]]))),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_matches_torch(name):
    c, t = CREATION[name](cr), CREATION[name](TORCH)
    assert dtype_name(c) == dtype_name(t), f"{name}: {c.dtype} vs torch {t.dtype}"
    assert_close(c, t, (1e-6, 1e-7), name)
    assert not c.requires_grad and c.is_leaf


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_creation_requires_grad(fn):
    x = getattr(cr, fn)(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.shape == (2, 3) and x.dtype is cr.float32
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0, np.float32))


def test_random_creation_is_seeded():
    cr.manual_seed(0)
    a = (cr.rand(3), cr.randn(2, 2), cr.randint(0, 10, (4,)))
    cr.manual_seed(0)
    b = (cr.rand(3), cr.randn(2, 2), cr.randint(0, 10, (4,)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert a[0].dtype is cr.float32 and a[2].dtype is cr.int64
    assert ((a[0].numpy() >= 0) & (a[0].numpy() < 1)).all()
    assert ((a[2].numpy() >= 0) & (a[2].numpy() < 10)).all()
    like = (cr.rand_like(a[1]), cr.randn_like(a[1]), cr.randint_like(a[2], 3))
    assert [t.shape for t in like] == [(2, 2), (2, 2), (4,)]
    assert like[2].dtype is cr.int64
    assert cr.randint(5, size=(3,)).dtype is cr.int64


def test_from_numpy_shares_memory():
    arr = np.array([1.0, 2.0])
    t = cr.from_numpy(arr)
    arr[0] = 5.0
    assert t.tolist() == [5.0, 2.0] and t.dtype is cr.float64


def test_tensor_copies_its_data():
    arr = np.array([1.0, 2.0])
    t = cr.tensor(arr)
    arr[0] = 5.0
    assert t.tolist() == [1.0, 2.0]


def test_conversions():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.ndim == 2 and x.size() == (2, 2) and x.size(1) == 2 and x.size(-1) == 2
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and len(x) == 2 and x.numel() == 4 and x.dim() == 2
    assert isinstance(x.numpy(), np.ndarray) and np.asarray(x).dtype == np.float32
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert cr.tensor(2.5).item() == 2.5 and cr.tensor([7]).item() == 7
    assert isinstance(cr.tensor(3).item(), int) and isinstance(cr.tensor(True).item(), bool)
    assert float(cr.tensor(1.5)) == 1.5 and int(cr.tensor(2)) == 2
    assert [10, 20, 30][cr.tensor(1)] == 20
    assert x.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x.to(cr.float64).dtype is cr.float64 and x.to("cpu") is x
    assert x.double().dtype is cr.float64 and x.float() is x


# ----------------------------------------------------------------------------- repr
def _linked(m):
    w = m.tensor(0.5, requires_grad=True)
    x = m.tensor(3.0)
    b = m.tensor(0.0, requires_grad=True)
    loss = (2.0 * m.relu(w * x + b) - 1.0 - 4.0) ** 2
    loss.backward()
    return w.grad


REPRS = {
    "float_requires_grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "neg_scalar": lambda m: m.tensor(-24.0),
    "chapter_w1_grad": _linked,
    "ints": lambda m: m.tensor([1, 2, 3]),
    "int_0d": lambda m: m.tensor(3),
    "bools": lambda m: m.tensor([True, False]),
    "fractions": lambda m: m.tensor([1.5, 2.25]),
    "matrix": lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "matrix_fractions": lambda m: m.tensor([[1.5, -2.0], [0.125, 4.0]]),
    "float64": lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "empty": lambda m: m.tensor([]),
    "empty_2d": lambda m: m.zeros(0, 3),
    "scientific": lambda m: m.tensor([1e-5, 1e3]),
    "nan_inf": lambda m: m.tensor([float("nan"), float("inf"), -float("inf")]),
    "mul_backward": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2.0,
    "add_backward": lambda m: m.tensor(1.0, requires_grad=True) + 1.0,
    "sub_backward": lambda m: m.tensor(1.0, requires_grad=True) - 1.0,
    "div_backward": lambda m: m.tensor(1.0, requires_grad=True) / 2.0,
    "neg_backward": lambda m: -m.tensor(1.0, requires_grad=True),
    "exp_backward": lambda m: m.tensor(0.0, requires_grad=True).exp(),
    "tanh_backward": lambda m: m.tensor(0.0, requires_grad=True).tanh(),
    "sigmoid_backward": lambda m: m.tensor(0.0, requires_grad=True).sigmoid(),
    "relu_backward": lambda m: m.relu(m.tensor(1.0, requires_grad=True)),
    "pow_backward": lambda m: m.tensor(2.0, requires_grad=True) ** 2,
    "mm_backward": lambda m: m.ones(2, 2, requires_grad=True) @ m.ones(2, 2),
    "sum_backward": lambda m: m.ones(2, requires_grad=True).sum(),
    "mean_backward": lambda m: m.ones(2, requires_grad=True).mean(),
    "view_backward": lambda m: m.ones(4, requires_grad=True).reshape(2, 2),
    "permute_backward": lambda m: m.ones(1, 2, requires_grad=True).permute(1, 0),
    "expand_backward": lambda m: m.ones(1, requires_grad=True).expand(2),
    "cat_backward": lambda m: m.cat([m.ones(1, requires_grad=True), m.ones(1)]),
    "stack_backward": lambda m: m.stack([m.ones(1, requires_grad=True), m.ones(1)]),
    "softmax_backward": lambda m: m.softmax(m.ones(2, requires_grad=True), 0),
    "log_softmax_backward": lambda m: m.log_softmax(m.ones(2, requires_grad=True), 0),
    "clone_backward": lambda m: m.ones(1, requires_grad=True).clone(),
    "float64_grad_fn": lambda m: m.ones(1, dtype=m.float64, requires_grad=True) * 2,
    "sum_dim_backward": lambda m: m.ones(2, 2, requires_grad=True).sum(0),
    "mean_dim_backward": lambda m: m.ones(2, 2, requires_grad=True).mean(1),
    "prod_dim_backward": lambda m: m.ones(2, 2, requires_grad=True).prod(1),
    "max_all_backward": lambda m: m.ones(2, requires_grad=True).max(),
    "min_all_backward": lambda m: m.ones(2, requires_grad=True).min(),
    "max_dim_backward": lambda m: m.ones(2, 2, requires_grad=True).max(0)[0],
    "amax_backward": lambda m: m.ones(2, requires_grad=True).amax(),
    "transpose_backward": lambda m: m.ones(2, 2, requires_grad=True).transpose(0, 1),
    "t_backward": lambda m: m.ones(2, 2, requires_grad=True).t(),
    "T_backward": lambda m: m.ones(2, 2, requires_grad=True).T,
    "unsqueeze_backward": lambda m: m.ones(2, requires_grad=True).unsqueeze(0),
    "squeeze_backward": lambda m: m.ones(1, 2, requires_grad=True).squeeze(),
    "squeeze_dim_backward": lambda m: m.ones(1, 2, requires_grad=True).squeeze(0),
    "squeeze_dims_backward": lambda m: m.ones(1, 2, requires_grad=True).squeeze((0,)),
    "flatten_backward": lambda m: m.ones(2, 2, requires_grad=True).flatten(),
    "select_backward": lambda m: m.ones(2, 2, requires_grad=True)[0],
    "select_trailing_backward": lambda m: m.ones(2, 2, requires_grad=True)[:, 0],
    "slice_backward": lambda m: m.ones(3, requires_grad=True)[1:],
    "slice_full_backward": lambda m: m.ones(3, requires_grad=True)[:],
    "slice_after_select_backward": lambda m: m.ones(2, 3, requires_grad=True)[0, 1:],
    "unsqueeze_index_backward": lambda m: m.ones(2, requires_grad=True)[None],
    "alias_backward": lambda m: m.ones(2, 2, requires_grad=True)[:, :],
    "index_backward": lambda m: m.ones(3, requires_grad=True)[m.tensor([0, 0])],
    "index_select_backward": lambda m: m.ones(3, requires_grad=True).index_select(0, m.tensor([0, 2])),
    "gather_backward": lambda m: m.ones(2, 2, requires_grad=True).gather(1, m.tensor([[0], [1]])),
    "split_backward": lambda m: m.ones(4, requires_grad=True).split(2)[1],
    "chunk_backward": lambda m: m.ones(4, requires_grad=True).chunk(2)[0],
    "unbind_backward": lambda m: m.ones(2, 2, requires_grad=True).unbind(0)[1],
    "setitem_copy_slices": lambda m: _setitem_repr(m),
    "masked_fill_backward": lambda m: m.ones(2, requires_grad=True).masked_fill(m.tensor([True, False]), 0.0),
    "where_backward": lambda m: m.where(m.tensor([True, False]), m.ones(2, requires_grad=True), 0.0),
    "clamp_backward": lambda m: m.ones(2, requires_grad=True).clamp(0.0, 0.5),
    "clamp_min_backward": lambda m: m.ones(2, requires_grad=True).clamp(min=0.0),
    "dot_backward": lambda m: m.ones(2, requires_grad=True).dot(m.ones(2)),
    "mv_backward": lambda m: m.ones(2, 2, requires_grad=True).mv(m.ones(2)),
    "bmm_backward": lambda m: m.bmm(m.ones(1, 2, 2, requires_grad=True), m.ones(1, 2, 2)),
    "norm_backward": lambda m: m.ones(2, requires_grad=True).norm(),
    "pad_backward": lambda m: m.pad(m.ones(2, requires_grad=True), (1, 1)),
    "flip_backward": lambda m: m.ones(2, requires_grad=True).flip(0),
    "repeat_backward": lambda m: m.ones(2, requires_grad=True).repeat(2),
    "cumsum_backward": lambda m: m.ones(2, requires_grad=True).cumsum(0),
    "logsumexp_backward": lambda m: m.ones(2, requires_grad=True).logsumexp(0),
    "var_backward": lambda m: m.ones(3, requires_grad=True).var(),
    "gelu_backward": lambda m: m.gelu(m.ones(2, requires_grad=True)),
    "to_copy_backward": lambda m: m.ones(2, requires_grad=True).double(),
    "pow_tensor_backward": lambda m: m.ones(2, requires_grad=True) ** m.ones(2),
    "pow_scalar_base_backward": lambda m: 2.0 ** m.ones(2, requires_grad=True),
    "pow_fn_tensor_backward": lambda m: m.pow(m.ones(2), m.ones(2, requires_grad=True)),
    "rsub_backward": lambda m: 1.0 - m.ones(2, requires_grad=True),
    "rsub_fn_backward": lambda m: m.rsub(m.ones(2, requires_grad=True), 3.0),
    "square_backward": lambda m: m.ones(2, requires_grad=True).square(),
}


def _setitem_repr(m):
    y = m.ones(3, requires_grad=True) * 2
    y[0] = 5.0
    return y


_REPR_KNOWN = {  # engine/formatting.py (not owned by the ops suite): see docs/semantics.md
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=_REPR_KNOWN[n], strict=True))
                                  if n in _REPR_KNOWN else n for n in sorted(REPRS)])
def test_repr_matches_torch(name):
    c, t = REPRS[name](cr), REPRS[name](TORCH)
    assert repr(c) == repr(t).replace("torch.", "chainrule."), name
    assert str(c) == repr(c)


def test_repr_chapter_example():
    assert repr(_linked(cr)) == "tensor(-24.)"
    assert repr(cr.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(cr.tensor(2.0, requires_grad=True) * 3.0) == "tensor(6., grad_fn=<MulBackward0>)"


def test_repr_under_float64_default(float64_default):
    for name in ("float64", "fractions", "float_requires_grad"):
        c, t = REPRS[name](cr), REPRS[name](TORCH)
        assert repr(c) == repr(t).replace("torch.", "chainrule."), name
    assert repr(cr.tensor([1.0], dtype=cr.float32)) == "tensor([1.], dtype=chainrule.float32)"


def test_tensor_method_names_are_torch_names():
    from chainrule.engine import tensor_methods

    names = [n for cls in map(tensor_methods.__dict__.get, tensor_methods.__all__) for n in vars(cls)
             if not n.startswith("_") or (n.startswith("__") and n not in ("__slots__", "__doc__", "__module__"))]
    assert len(names) > 200
    names += ["numpy", "item", "tolist", "size", "dim", "numel", "detach", "clone", "backward",
              "requires_grad_", "retain_grad", "register_hook", "is_leaf", "grad_fn", "ndim", "shape", "dtype"]
    assert [n for n in names if not hasattr(torch.Tensor, n)] == []
    assert [n for n in names if not hasattr(cr.Tensor, n)] == []
