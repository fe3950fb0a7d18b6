"""`F.scaled_dot_product_attention`, `F.multi_head_attention_forward` and `nn.MultiheadAttention` against
PyTorch in float64: the same inputs (and the same weights, moved through `state_dict`) give the same outputs,
attention weights, and gradients of every input, of a float mask and of every parameter; plus parameter names
and shapes, `state_dict` both ways, initialization, repr, dropout, and PyTorch's exception types for bad
inputs."""

from __future__ import annotations

import itertools
import math
import warnings
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _rng(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def data(*shape: int, key: object = None) -> np.ndarray:
    return _rng("data", shape, key).standard_normal(shape)


def close(a: Any, b: Any) -> None:
    a = a.detach().array if isinstance(a, cr.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert np.shape(a) == np.shape(b)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), **TOL)


def backward_both(outs_c: list[cr.Tensor], outs_t: list[torch.Tensor], key: object) -> None:
    """Compare each pair of results, then backpropagate the same random weighting of all results."""
    loss_c: Any = 0
    loss_t: Any = 0
    rng = _rng("weights", key)
    for a, b in zip(outs_c, outs_t, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype).removeprefix("chainrule.") == str(b.dtype).removeprefix("torch.")
        close(a, b)
        w = rng.standard_normal(tuple(b.shape))
        loss_c = loss_c + (a * cr.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_c.backward()
    loss_t.backward()


def leaf_pair(x: np.ndarray | None, grad: bool = True) -> tuple[Any, Any]:
    if x is None:
        return None, None
    g = grad and x.dtype.kind == "f"
    return cr.tensor(x, requires_grad=g), torch.tensor(x, requires_grad=g)


def same_exception(ours: Callable[[], Any], theirs: Callable[[], Any]) -> BaseException:
    """Both calls fail, with the same exception type; return chainrule's exception."""
    with pytest.raises(Exception) as torch_info:
        theirs()
    with pytest.raises(type(torch_info.value)) as info:
        ours()
    return info.value


# ----------------------------------------------------------------------------- scaled_dot_product_attention
SDPA_SHAPES = {
    "4d": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    "3d": ((3, 4, 5), (3, 6, 5), (3, 6, 5)),
    "2d": ((4, 5), (6, 5), (6, 3)),
    "broadcast": ((2, 3, 4, 5), (1, 3, 6, 5), (2, 1, 6, 7)),
    "square": ((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)),
}


def _masks(L: int, S: int, key: object) -> dict[str, np.ndarray | None]:
    rng = _rng("mask", key)
    keep = rng.random((L, S)) > 0.3
    keep[:, 0] = True  # every query keeps a key
    return {"none": None, "bool": keep, "bool4d": np.broadcast_to(keep, (2, 1, L, S)).copy(),
            "float": rng.standard_normal((L, S)), "float_inf": np.where(keep, rng.standard_normal((L, S)), -np.inf)}


SDPA_GRID = [(shape, mask, causal, scale) for shape, mask, causal, scale in
             itertools.product(SDPA_SHAPES, ["none", "bool", "bool4d", "float", "float_inf"], [False, True],
                               [None, 0.3])
             if not (causal and mask != "none") and not (mask == "bool4d" and shape in ("3d", "2d"))]


@pytest.mark.parametrize("case", SDPA_GRID, ids=["-".join(map(str, c)) for c in SDPA_GRID])
def test_sdpa_matches_torch(case: tuple) -> None:
    shape, mask_kind, causal, scale = case
    qs, ks, vs = SDPA_SHAPES[shape]
    arrays = [data(*s, key=(case, i)) for i, s in enumerate((qs, ks, vs))]
    mask = _masks(qs[-2], ks[-2], case)[mask_kind]
    pairs = [leaf_pair(a) for a in arrays]
    mc, mt = leaf_pair(mask)
    oc = F.scaled_dot_product_attention(*(p[0] for p in pairs), attn_mask=mc, is_causal=causal, scale=scale)
    ot = TF.scaled_dot_product_attention(*(p[1] for p in pairs), attn_mask=mt, is_causal=causal, scale=scale)
    backward_both([oc], [ot], case)
    for c, t in pairs + ([(mc, mt)] if mask is not None and mask.dtype.kind == "f" else []):
        close(c.grad, t.grad)


@pytest.mark.parametrize("L,S", [(3, 5), (5, 3), (1, 4)])
def test_sdpa_causal_is_upper_left_aligned_for_non_square(L: int, S: int) -> None:
    arrays = [data(2, L, 4, key="q"), data(2, S, 4, key="k"), data(2, S, 3, key="v")]
    pairs = [leaf_pair(a) for a in arrays]
    oc = F.scaled_dot_product_attention(*(p[0] for p in pairs), is_causal=True)
    ot = TF.scaled_dot_product_attention(*(p[1] for p in pairs), is_causal=True)
    backward_both([oc], [ot], (L, S))
    for c, t in pairs:
        close(c.grad, t.grad)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_give_zeros_and_zero_gradients(kind: str) -> None:
    """PyTorch's safe softmax: a query whose every key is masked attends to nothing (not NaN)."""
    keep = np.ones((4, 6), bool)
    keep[1] = False
    keep[3, 2:] = False
    mask = keep if kind == "bool" else np.where(keep, 0.0, -np.inf)
    pairs = [leaf_pair(data(2, 4, 5, key="q")), leaf_pair(data(2, 6, 5, key="k")), leaf_pair(data(2, 6, 7, key="v"))]
    oc = F.scaled_dot_product_attention(*(p[0] for p in pairs), attn_mask=cr.tensor(mask))
    ot = TF.scaled_dot_product_attention(*(p[1] for p in pairs), attn_mask=torch.tensor(mask))
    assert np.all(oc.detach().array[:, 1] == 0)
    backward_both([oc], [ot], kind)
    for c, t in pairs:
        assert np.all(np.isfinite(c.grad.array))
        close(c.grad, t.grad)


@pytest.mark.parametrize("kv_heads", [(1, 1), (2, 2), (3, 1), (6, 2)])
def test_sdpa_grouped_query_attention(kv_heads: tuple[int, int]) -> None:
    hk, hv = kv_heads
    pairs = [leaf_pair(data(2, 6, 4, 5, key="q")), leaf_pair(data(2, hk, 3, 5, key=("k", hk))),
             leaf_pair(data(2, hv, 3, 2, key=("v", hv)))]
    oc = F.scaled_dot_product_attention(*(p[0] for p in pairs), enable_gqa=True)
    ot = TF.scaled_dot_product_attention(*(p[1] for p in pairs), enable_gqa=True)
    backward_both([oc], [ot], kv_heads)
    for c, t in pairs:
        close(c.grad, t.grad)


def test_sdpa_float32_and_a_float32_mask_on_float64() -> None:
    q, k, v = data(2, 4, 5, key=1), data(2, 6, 5, key=2), data(2, 6, 3, key=3)
    mask = data(4, 6, key=4).astype(np.float32)
    oc = F.scaled_dot_product_attention(*(cr.tensor(a) for a in (q, k, v)), attn_mask=cr.tensor(mask))
    ot = TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(mask))
    assert oc.dtype == cr.float64
    close(oc, ot)
    oc = F.scaled_dot_product_attention(*(cr.tensor(a.astype(np.float32)) for a in (q, k, v)))
    ot = TF.scaled_dot_product_attention(*(torch.tensor(a.astype(np.float32)) for a in (q, k, v)))
    assert oc.dtype == cr.float32
    np.testing.assert_allclose(oc.array, ot.numpy(), rtol=1e-5, atol=1e-6)


def test_sdpa_gradcheck_with_a_float_mask() -> None:
    inputs = [cr.tensor(data(2, 3, 4, key="gq"), requires_grad=True), cr.tensor(data(2, 5, 4, key="gk"),
              requires_grad=True), cr.tensor(data(2, 5, 3, key="gv"), requires_grad=True),
              cr.tensor(data(3, 5, key="gm"), requires_grad=True)]
    assert cr.autograd.gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), inputs)


def test_sdpa_dropout() -> None:
    q, k, v = (cr.tensor(data(2, 4, 5, key=i), requires_grad=True) for i in range(3))
    plain = F.scaled_dot_product_attention(q, k, v)
    cr.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    cr.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.detach().array, b.detach().array)  # the mask comes from cr's generator
    assert not np.allclose(a.detach().array, plain.detach().array)
    a.sum().backward()
    assert np.all(np.isfinite(q.grad.array))
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).detach().array == 0)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=-0.5).detach().array,
                                  plain.detach().array)  # PyTorch accepts a negative p: no dropout


SDPA_ERRORS: dict[str, Callable[[Any, Any], Any]] = {
    "1-d query": lambda m, f: f.scaled_dot_product_attention(m.ones(5), m.ones(6, 5), m.ones(6, 5)),
    "dtypes differ": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5, dtype=m.float64),
                                                                 m.ones(6, 5)),
    "integer inputs": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5, dtype=m.int32),
                                                                  m.ones(6, 5, dtype=m.int32),
                                                                  m.ones(6, 5, dtype=m.int32)),
    "integer mask": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5),
                                                                attn_mask=m.ones(4, 6, dtype=m.int64)),
    "mask and is_causal": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5),
                                                                      attn_mask=m.ones(4, 6, dtype=m.bool),
                                                                      is_causal=True),
    "dropout_p > 1": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5),
                                                                 dropout_p=1.5),
    "E differs": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 4), m.ones(6, 5)),
    "S differs": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(5, 5)),
    "mask shape": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5),
                                                              attn_mask=m.ones(4, 5, dtype=m.bool)),
    "batch mismatch": lambda m, f: f.scaled_dot_product_attention(m.ones(2, 4, 5), m.ones(3, 6, 5), m.ones(3, 6, 5)),
    "gqa heads": lambda m, f: f.scaled_dot_product_attention(m.ones(1, 3, 4, 5), m.ones(1, 2, 6, 5),
                                                             m.ones(1, 2, 6, 5), enable_gqa=True),
    "gqa 2-d": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5), enable_gqa=True),
    "mask not a tensor": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5), 1),
    "scale positional": lambda m, f: f.scaled_dot_product_attention(m.ones(4, 5), m.ones(6, 5), m.ones(6, 5), None,
                                                                    0.0, False, 0.5),
}


@pytest.mark.parametrize("name", list(SDPA_ERRORS))
def test_sdpa_errors_as_pytorch(name: str) -> None:
    make = SDPA_ERRORS[name]
    same_exception(lambda: make(cr, F), lambda: make(torch, TF))


# ----------------------------------------------------------------------------- MultiheadAttention
E, HEADS, L_, S_, N_ = 8, 2, 4, 5, 3


def mha_pair(**kwargs: Any) -> tuple[nn.MultiheadAttention, torch.nn.MultiheadAttention]:
    ours = nn.MultiheadAttention(E, HEADS, dtype=cr.float64, **kwargs)
    theirs = torch.nn.MultiheadAttention(E, HEADS, dtype=torch.float64, **kwargs)
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    return ours, theirs


def params_close(ours: nn.Module, theirs: torch.nn.Module) -> None:
    torch_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(torch_params)
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        close(p.grad, torch_params[name].grad)


def run_mha(ours: nn.MultiheadAttention, theirs: torch.nn.MultiheadAttention, kind: str, batched: bool,
            key: object, **kwargs: Any) -> None:
    """kind: "self" (query is key is value), "kv" (key is value), "qkv" (three tensors). Masks in kwargs are
    NumPy arrays."""
    bf = ours.batch_first
    kdim, vdim = ours.kdim, ours.vdim

    def shape(length: int, width: int) -> tuple[int, ...]:
        if not batched:
            return (length, width)
        return (N_, length, width) if bf else (length, N_, width)

    src = L_ if kind == "self" else S_
    q = leaf_pair(data(*shape(L_, E), key=(key, "q")))
    k = q if kind == "self" else leaf_pair(data(*shape(src, kdim), key=(key, "k")))
    v = k if kind in ("self", "kv") else leaf_pair(data(*shape(src, vdim), key=(key, "v")))
    masks = {name: leaf_pair(value, grad=False) for name, value in kwargs.items() if isinstance(value, np.ndarray)}
    flags = {name: value for name, value in kwargs.items() if not isinstance(value, np.ndarray)}
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        rc = ours(q[0], k[0], v[0], **{n: m[0] for n, m in masks.items()}, **flags)
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        rt = theirs(q[1], k[1], v[1], **{n: m[1] for n, m in masks.items()}, **flags)
    assert sorted(str(w.message) for w in ours_warned) == sorted(str(w.message) for w in torch_warned
                                                                 if "fast path" not in str(w.message))
    assert (rc[1] is None) == (rt[1] is None)
    outs_c, outs_t = [r for r in rc if r is not None], [r for r in rt if r is not None]
    backward_both(outs_c, outs_t, key)
    seen = []
    for c, t in (q, k, v):
        if any(c is s for s in seen):
            continue
        seen.append(c)
        close(c.grad, t.grad)
    params_close(ours, theirs)


MHA_GRID = list(itertools.product(["self", "kv", "qkv"], [False, True], [True, False], [True, False]))


@pytest.mark.parametrize("case", MHA_GRID, ids=[f"{k}-bf{b}-w{w}-avg{a}" for k, b, w, a in MHA_GRID])
def test_mha_matches_torch(case: tuple) -> None:
    kind, batch_first, need_weights, average = case
    ours, theirs = mha_pair(batch_first=batch_first)
    run_mha(ours, theirs, kind, True, case, need_weights=need_weights, average_attn_weights=average)


OPTIONS = {
    "kdim_vdim": {"kdim": 3, "vdim": 5},
    "add_bias_kv": {"add_bias_kv": True},
    "add_zero_attn": {"add_zero_attn": True},
    "bias_kv_zero_attn": {"add_bias_kv": True, "add_zero_attn": True},
    "no_bias": {"bias": False},
    "kdim_no_bias": {"kdim": 6, "vdim": 6, "bias": False},
}
OPTION_GRID = list(itertools.product(OPTIONS, [False, True], [True, False], [True, False]))


@pytest.mark.parametrize("case", OPTION_GRID, ids=[f"{o}-bf{b}-w{w}-batched{u}" for o, b, w, u in OPTION_GRID])
def test_mha_options_match_torch(case: tuple) -> None:
    option, batch_first, need_weights, batched = case
    ours, theirs = mha_pair(batch_first=batch_first, **OPTIONS[option])
    kind = "qkv" if "kdim" in OPTIONS[option] else "kv"
    run_mha(ours, theirs, kind, batched, case, need_weights=need_weights, average_attn_weights=False)


def _kpm(batched: bool, length: int, kind: str, key: object) -> np.ndarray:
    pad = _rng("kpm", key).random((N_, length) if batched else (length,)) < 0.3
    pad[..., 0] = False  # no row is all padding
    return pad if kind == "bool" else np.where(pad, -np.inf, _rng("kpmf", key).standard_normal(pad.shape))


def _attn_mask(dims: int, L: int, S: int, kind: str, key: object, batched: bool = True) -> np.ndarray:
    shape = (L, S) if dims == 2 else ((N_ if batched else 1) * HEADS, L, S)
    blocked = _rng("am", key).random(shape) < 0.3
    blocked[..., 0] = False
    return blocked if kind == "bool" else np.where(blocked, -np.inf, _rng("amf", key).standard_normal(shape))


MASK_GRID = [c for c in itertools.product(["kpm", "attn2", "attn3", "both2", "both3"], ["bool", "float"],
                                          [True, False], [True, False], [False, True])]


@pytest.mark.parametrize("case", MASK_GRID, ids=[f"{m}-{t}-w{w}-batched{b}-bf{f}" for m, t, w, b, f in MASK_GRID])
def test_mha_masks_match_torch(case: tuple) -> None:
    which, kind, need_weights, batched, batch_first = case
    ours, theirs = mha_pair(batch_first=batch_first, add_bias_kv=(which == "both3"), add_zero_attn=(which == "both2"))
    masks: dict[str, Any] = {}
    if which == "kpm" or which.startswith("both"):
        masks["key_padding_mask"] = _kpm(batched, S_, kind, case)
    if which.startswith("attn") or which.startswith("both"):
        masks["attn_mask"] = _attn_mask(int(which[-1]), L_, S_, kind, case, batched)
    run_mha(ours, theirs, "qkv", batched, case, need_weights=need_weights, **masks)


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal_hint(need_weights: bool, with_kpm: bool) -> None:
    ours, theirs = mha_pair(batch_first=True)
    causal = np.triu(np.full((L_, L_), -np.inf), 1)
    masks: dict[str, Any] = {"attn_mask": causal}
    if with_kpm:
        masks["key_padding_mask"] = _kpm(True, L_, "float", "causal")
    run_mha(ours, theirs, "self", True, ("causal", need_weights, with_kpm), is_causal=True,
            need_weights=need_weights, **masks)


def test_mha_mixed_mask_types_warn_as_pytorch() -> None:
    ours, theirs = mha_pair()
    run_mha(ours, theirs, "qkv", True, "mixed", key_padding_mask=_kpm(True, S_, "bool", "mixed"),
            attn_mask=_attn_mask(2, L_, S_, "float", "mixed"))


def test_mha_fully_masked_rows_nan_with_weights_zero_without() -> None:
    ours, theirs = mha_pair()
    pad = np.zeros((N_, S_), bool)
    pad[1] = True
    for need_weights in (True, False):
        q, k = leaf_pair(data(L_, N_, E, key="fq"), grad=False), leaf_pair(data(S_, N_, E, key="fk"), grad=False)
        oc = ours(q[0], k[0], k[0], key_padding_mask=cr.tensor(pad), need_weights=need_weights)[0]
        ot = theirs(q[1], k[1], k[1], key_padding_mask=torch.tensor(pad), need_weights=need_weights)[0]
        np.testing.assert_allclose(oc.detach().array, ot.detach().numpy(), **TOL)  # NaN where torch has NaN
        assert np.isnan(oc.detach().array[:, 1]).all() == need_weights


def test_mha_eval_mode_ignores_dropout_and_train_mode_drops() -> None:
    ours, theirs = mha_pair(dropout=0.4)
    ours.eval()
    theirs.eval()
    run_mha(ours, theirs, "self", True, "eval")
    ours.train()
    x = cr.tensor(data(L_, N_, E, key="drop"))
    cr.manual_seed(0)
    out, w = ours(x, x, x)
    ours.eval()
    ref, w_ref = ours(x, x, x)
    assert not np.allclose(out.detach().array, ref.detach().array)
    dropped = w.detach().array == 0
    assert dropped.any() and not (w_ref.detach().array == 0).any()


def test_functional_mha_with_static_k_and_v() -> None:
    ours, theirs = mha_pair()
    head_dim = E // HEADS
    sk, sv = leaf_pair(data(N_ * HEADS, 6, head_dim, key="sk")), leaf_pair(data(N_ * HEADS, 6, head_dim, key="sv"))
    q = leaf_pair(data(L_, N_, E, key="sq"))
    results = []
    for lib, mod, i in ((F, ours, 0), (TF, theirs, 1)):
        results.append(lib.multi_head_attention_forward(
            q[i], q[i], q[i], E, HEADS, mod.in_proj_weight, mod.in_proj_bias, None, None, False, 0.0,
            mod.out_proj.weight, mod.out_proj.bias, static_k=sk[i], static_v=sv[i]))
    backward_both(list(results[0]), list(results[1]), "static")
    for c, t in (q, sk, sv):
        close(c.grad, t.grad)
    params_close(ours, theirs)


@pytest.mark.parametrize("option", ["default", *OPTIONS])
def test_mha_parameters_state_dict_and_repr_as_pytorch(option: str) -> None:
    kwargs = OPTIONS.get(option, {})
    ours, theirs = nn.MultiheadAttention(E, HEADS, **kwargs), torch.nn.MultiheadAttention(E, HEADS, **kwargs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    assert isinstance(ours.out_proj, nn.Linear)
    assert (ours.bias_k is None) == (theirs.bias_k is None)
    # torch -> chainrule, then chainrule -> a fresh torch module: the same values, keys and shapes both ways
    ours.load_state_dict(cr.interop.from_torch(theirs.state_dict()))
    back = torch.nn.MultiheadAttention(E, HEADS, **kwargs)
    back.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    for name, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[name], value), name
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first", "add_zero_attn",
                 "_qkv_same_embed_dim"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_mha_initialization_as_pytorch() -> None:
    cr.manual_seed(0)
    m = nn.MultiheadAttention(12, 3, add_bias_kv=True, kdim=5, vdim=7)
    assert np.all(m.in_proj_bias.array == 0) and np.all(m.out_proj.bias.array == 0)
    for w in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight):  # xavier_uniform_
        bound = math.sqrt(6.0 / (w.shape[0] + w.shape[1]))
        assert np.abs(w.array).max() <= bound and np.abs(w.array).max() > 0.5 * bound
    big = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6.0 / (64 + 192))
    assert np.abs(big.in_proj_weight.array).max() <= bound
    assert abs(big.in_proj_weight.array.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert abs(big.bias_k.array.std() - math.sqrt(2.0 / 128)) < 0.35 * math.sqrt(2.0 / 128)  # xavier_normal_
    assert nn.MultiheadAttention(4, 2, bias=False).out_proj.bias is None


MHA_ERRORS: dict[str, Callable[[Any], Any]] = {
    "embed_dim not divisible": lambda m: m.nn.MultiheadAttention(6, 4),
    "embed_dim zero": lambda m: m.nn.MultiheadAttention(0, 2),
    "num_heads zero": lambda m: m.nn.MultiheadAttention(4, 0),
    "4-d query": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(1, 2, 3, 4), m.ones(1, 2, 3, 4), m.ones(1, 2, 3, 4)),
    "key not 3-d": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(2, 4), m.ones(2, 4)),
    "key not 2-d": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 4), m.ones(2, 3, 4), m.ones(2, 3, 4)),
    "wrong embed_dim": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 6), m.ones(2, 3, 6), m.ones(2, 3, 6)),
    "key/value shapes": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(4, 3, 4)),
    "kpm 1-d for batched": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                                  key_padding_mask=m.ones(5, dtype=m.bool)),
    "kpm wrong length": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                               key_padding_mask=m.ones(3, 4, dtype=m.bool)),
    "kpm wrong batch": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                              key_padding_mask=m.ones(2, 5, dtype=m.bool)),
    "attn_mask 2-d shape": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                                  attn_mask=m.ones(2, 4, dtype=m.bool)),
    "attn_mask 3-d shape": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                                  attn_mask=m.ones(3, 2, 5, dtype=m.bool)),
    "attn_mask 4-d": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                            attn_mask=m.ones(1, 6, 2, 5, dtype=m.bool)),
    "unbatched 3-d attn_mask": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 4), m.ones(5, 4), m.ones(5, 4),
                                                                      attn_mask=m.ones(3, 2, 5, dtype=m.bool)),
    "integer mask": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(5, 3, 4), m.ones(5, 3, 4),
                                                           attn_mask=m.ones(2, 5, dtype=m.int64)),
    "is_causal without mask": lambda m: m.nn.MultiheadAttention(4, 2)(m.ones(2, 3, 4), m.ones(2, 3, 4),
                                                                     m.ones(2, 3, 4), is_causal=True),
    "kdim mismatch": lambda m: m.nn.MultiheadAttention(4, 2, kdim=3, vdim=3)(m.ones(2, 3, 4), m.ones(5, 3, 4),
                                                                             m.ones(5, 3, 3)),
}


@pytest.mark.parametrize("name", list(MHA_ERRORS))
def test_mha_errors_as_pytorch(name: str) -> None:
    make = MHA_ERRORS[name]
    same_exception(lambda: make(cr), lambda: make(torch))


def test_mha_refuses_other_devices() -> None:
    with pytest.raises(RuntimeError, match="not available"):
        nn.MultiheadAttention(4, 2, device="cuda")


@pytest.mark.parametrize("mask", ["none", "bool", "float"])
def test_sdpa_second_order_gradients_match_torch(mask: str) -> None:
    """create_graph=True: the gradient of (the squared gradient norm) with respect to every input."""
    arrays = [data(2, 4, 5, key="sq"), data(2, 6, 5, key="sk"), data(2, 6, 3, key="sv")]
    m = _masks(4, 6, "second")[mask]
    results = []
    for lib, fn in ((cr, F), (torch, TF)):
        ins = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn.scaled_dot_product_attention(*ins, attn_mask=None if m is None else lib.tensor(m))
        w = lib.tensor(_rng("so").standard_normal((2, 4, 3)))
        grads = (cr.autograd.grad if lib is cr else torch.autograd.grad)((out * w).sum(), ins, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        results.append((cr.autograd.grad if lib is cr else torch.autograd.grad)(total, ins))
    for a, b in zip(*results, strict=True):
        close(a, b)


def test_mha_float32_matches_torch() -> None:
    ours = nn.MultiheadAttention(E, HEADS, add_bias_kv=True)
    theirs = torch.nn.MultiheadAttention(E, HEADS, add_bias_kv=True)
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    q, k = data(L_, N_, E, key="f32q").astype(np.float32), data(S_, N_, E, key="f32k").astype(np.float32)
    pad = _kpm(True, S_, "bool", "f32")
    oc, wc = ours(cr.tensor(q), cr.tensor(k), cr.tensor(k), key_padding_mask=cr.tensor(pad))
    ot, wt = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k), key_padding_mask=torch.tensor(pad))
    assert oc.dtype == cr.float32 and wc.dtype == cr.float32
    np.testing.assert_allclose(oc.detach().array, ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wc.detach().array, wt.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("masks", ["none", "kpm", "attn2", "attn3", "both2", "both3"])
def test_mha_merge_masks_as_pytorch(masks: str) -> None:
    ours, theirs = mha_pair()
    kpm = np.where(_kpm(True, L_, "bool", masks), -np.inf, 0.0) if masks in ("kpm", "both2", "both3") else None
    attn = (_attn_mask(int(masks[-1]), L_, L_, "float", masks) if masks.startswith(("attn", "both")) else None)
    query = data(N_, L_, E, key="merge")
    mc, tc = ours.merge_masks(*(None if a is None else cr.tensor(a) for a in (attn, kpm)), cr.tensor(query))
    mt, tt = theirs.merge_masks(*(None if a is None else torch.tensor(a) for a in (attn, kpm)), torch.tensor(query))
    assert tc == tt
    assert (mc is None) == (mt is None)
    if mc is not None:
        np.testing.assert_array_equal(mc.array, mt.numpy())
