"""The Transformer layers (`TransformerEncoderLayer`, `TransformerDecoderLayer`, `TransformerEncoder`,
`TransformerDecoder`, `Transformer`) against PyTorch in float64: the same weights (moved through `state_dict`)
and inputs give the same outputs and the same gradients of every input and every parameter, with each kind of
mask, batch_first both ways, unbatched input, norm_first, relu/gelu/callable activations, in eval mode (dropout
0.1) or training mode with dropout 0; plus submodule names, state_dict both ways, repr, the causal mask,
PyTorch's warning and errors, and a tiny classifier trained a few SGD steps in both libraries."""

from __future__ import annotations

import itertools
import warnings
import zlib
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

TOL = {"rtol": 1e-10, "atol": 1e-12}
D, HEADS, FF, S_, T_, N_ = 8, 2, 16, 5, 4, 3


def _rng(*key: object) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def data(*shape: int, key: object = None) -> np.ndarray:
    return _rng("data", shape, key).standard_normal(shape)


def close(a: Any, b: Any) -> None:
    a = a.detach().array if isinstance(a, cr.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert np.shape(a) == np.shape(b)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), **TOL)


def activation(lib: Any, kind: str) -> Any:
    functional = F if lib is cr else TF
    return {"relu": "relu", "gelu": "gelu", "relu_fn": functional.relu, "gelu_fn": functional.gelu,
            "gelu_module": lib.nn.GELU(), "silu_fn": functional.silu}[kind]


def build(lib: Any, what: str, **kw: Any) -> Any:
    """The same model in chainrule (lib=cr) or PyTorch (lib=torch), float64."""
    kw = dict(kw)
    act = activation(lib, kw.pop("activation", "relu"))
    layer_kw = {"dim_feedforward": FF, "dropout": kw.pop("dropout", 0.1), "activation": act,
                "dtype": lib.float64, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # enable_nested_tensor's warning (tested on its own)
        if what == "encoder_layer":
            return lib.nn.TransformerEncoderLayer(D, HEADS, **layer_kw)
        if what == "decoder_layer":
            return lib.nn.TransformerDecoderLayer(D, HEADS, **layer_kw)
        if what == "encoder":
            return lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, HEADS, **layer_kw), 2,
                                             lib.nn.LayerNorm(D, dtype=lib.float64))
        if what == "decoder":
            return lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(D, HEADS, **layer_kw), 2,
                                             lib.nn.LayerNorm(D, dtype=lib.float64))
        if what == "encoder_no_norm":
            return lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, HEADS, **layer_kw), 3)
        assert what == "transformer"
        return lib.nn.Transformer(D, HEADS, 2, 2, **layer_kw)


def pair(what: str, train: bool = False, **kw: Any) -> tuple[Any, Any]:
    """train=True: training mode with dropout 0; else eval mode with dropout 0.1."""
    if train:
        kw["dropout"] = 0.0
    ours, theirs = build(cr, what, **kw), build(torch, what, **kw)
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    ours.train(train)
    theirs.train(train)
    return ours, theirs


def seq(length: int, batched: bool, batch_first: bool, key: object) -> np.ndarray:
    shape = (length, D) if not batched else ((N_, length, D) if batch_first else (length, N_, D))
    return data(*shape, key=key)


def causal(n: int) -> np.ndarray:
    return np.triu(np.full((n, n), -np.inf), 1)


def blocked(rows: int, cols: int, key: object) -> np.ndarray:
    b = _rng("blocked", key).random((rows, cols)) < 0.3
    b[:, 0] = False
    return b


def padding(length: int, batched: bool, key: object, kind: str = "bool") -> np.ndarray:
    pad = _rng("pad", key).random((N_, length) if batched else (length,)) < 0.3
    pad[..., 0] = False
    return pad if kind == "bool" else np.where(pad, -np.inf, 0.0)


def run(ours: Any, theirs: Any, inputs: list[np.ndarray], kwargs: dict[str, Any], key: object) -> None:
    """Call both with the inputs (requiring grad) and kwargs (arrays become tensors), compare the output, then
    the gradients of the inputs and of every parameter after backpropagating a random weighting."""
    ins = [(cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)) for x in inputs]
    kc = {k: cr.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    oc = ours(*(c for c, _ in ins), **kc)
    ot = theirs(*(t for _, t in ins), **kt)
    close(oc, ot)
    assert oc.dtype == cr.float64
    w = _rng("w", key).standard_normal(tuple(ot.shape))
    (oc * cr.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for c, t in ins:
        close(c.grad, t.grad)
    torch_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(torch_params)
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        close(p.grad, torch_params[name].grad)


# ----------------------------------------------------------------------------- encoder layer
ENC_GRID = list(itertools.product([False, True], [False, True], ["relu", "gelu", "gelu_module", "silu_fn"],
                                  [True, False], [False, True]))


@pytest.mark.parametrize("case", ENC_GRID, ids=[f"bf{b}-nf{n}-{a}-batched{u}-train{t}" for b, n, a, u, t in ENC_GRID])
def test_encoder_layer_matches_torch(case: tuple) -> None:
    batch_first, norm_first, act, batched, train = case
    ours, theirs = pair("encoder_layer", train, batch_first=batch_first, norm_first=norm_first, activation=act)
    kwargs = {"src_mask": blocked(S_, S_, case), "src_key_padding_mask": padding(S_, batched, case)}
    run(ours, theirs, [seq(S_, batched, batch_first, case)], kwargs, case)


ENC_MASKS = {
    "none": lambda b: {},
    "causal_float": lambda b: {"src_mask": causal(S_)},
    "causal_hint": lambda b: {"src_mask": causal(S_), "is_causal": True},
    "bool_mask": lambda b: {"src_mask": blocked(S_, S_, "m")},
    "float_mask": lambda b: {"src_mask": data(S_, S_, key="fm")},
    "3d_mask": lambda b: {"src_mask": blocked(S_, S_, "3d")[None].repeat(N_ * HEADS if b else HEADS, 0)},
    "kpm_bool": lambda b: {"src_key_padding_mask": padding(S_, b, "k")},
    "kpm_float": lambda b: {"src_key_padding_mask": padding(S_, b, "kf", "float")},
    "kpm_and_causal_hint": lambda b: {"src_key_padding_mask": padding(S_, b, "kc"), "src_mask": causal(S_),
                                      "is_causal": True},
}
ENC_MASK_GRID = list(itertools.product(ENC_MASKS, [False, True], [True, False]))


@pytest.mark.parametrize("case", ENC_MASK_GRID, ids=[f"{m}-bf{b}-batched{u}" for m, b, u in ENC_MASK_GRID])
def test_encoder_layer_masks_match_torch(case: tuple) -> None:
    masks, batch_first, batched = case
    ours, theirs = pair("encoder_layer", True, batch_first=batch_first)
    run(ours, theirs, [seq(S_, batched, batch_first, case)], ENC_MASKS[masks](batched), case)


def test_encoder_layer_without_bias_matches_torch() -> None:
    ours, theirs = pair("encoder_layer", bias=False, layer_norm_eps=1e-3)
    assert ours.self_attn.in_proj_bias is None and ours.norm1.bias is None and ours.linear1.bias is None
    run(ours, theirs, [seq(S_, True, False, "nobias")], {"src_mask": causal(S_)}, "nobias")


# ----------------------------------------------------------------------------- decoder layer
DEC_MASKS = {
    "none": lambda b: {},
    "tgt_causal": lambda b: {"tgt_mask": causal(T_)},
    "tgt_causal_hint": lambda b: {"tgt_mask": causal(T_), "tgt_is_causal": True},
    "bool_masks": lambda b: {"tgt_mask": blocked(T_, T_, "t"), "memory_mask": blocked(T_, S_, "mm")},
    "float_memory_mask": lambda b: {"memory_mask": data(T_, S_, key="mf")},
    "padding": lambda b: {"tgt_key_padding_mask": padding(T_, b, "tk"),
                          "memory_key_padding_mask": padding(S_, b, "mk")},
    "everything": lambda b: {"tgt_mask": causal(T_), "memory_mask": data(T_, S_, key="e"),
                             "tgt_key_padding_mask": padding(T_, b, "et", "float"),
                             "memory_key_padding_mask": padding(S_, b, "em", "float")},
}
DEC_GRID = list(itertools.product(DEC_MASKS, [False, True], [False, True], [True, False]))


@pytest.mark.parametrize("case", DEC_GRID, ids=[f"{m}-bf{b}-nf{n}-batched{u}" for m, b, n, u in DEC_GRID])
def test_decoder_layer_matches_torch(case: tuple) -> None:
    masks, batch_first, norm_first, batched = case
    ours, theirs = pair("decoder_layer", train=norm_first, batch_first=batch_first, norm_first=norm_first,
                        activation="gelu" if norm_first else "relu_fn")
    inputs = [seq(T_, batched, batch_first, (case, "t")), seq(S_, batched, batch_first, (case, "m"))]
    run(ours, theirs, inputs, DEC_MASKS[masks](batched), case)


# ----------------------------------------------------------------------------- stacks
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("what", ["encoder", "encoder_no_norm"])
@pytest.mark.parametrize("masks", ["none", "causal_detected", "causal_hint", "kpm_and_mask", "bool_causal"])
def test_encoder_matches_torch(what: str, batch_first: bool, masks: str) -> None:
    ours, theirs = pair(what, train=batch_first, batch_first=batch_first)
    kwargs: dict[str, Any] = {
        "none": {},
        "causal_detected": {"mask": causal(S_)},  # is_causal=None: recognized as the causal mask
        "causal_hint": {"mask": causal(S_), "is_causal": True},
        "kpm_and_mask": {"mask": blocked(S_, S_, "enc"), "src_key_padding_mask": padding(S_, True, "enc")},
        "bool_causal": {"mask": np.triu(np.ones((S_, S_), bool), 1)},
    }[masks]
    run(ours, theirs, [seq(S_, True, batch_first, (what, masks))], kwargs, (what, masks, batch_first))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "tgt_causal", "everything"])
def test_decoder_matches_torch(batch_first: bool, masks: str) -> None:
    ours, theirs = pair("decoder", batch_first=batch_first)
    inputs = [seq(T_, True, batch_first, (masks, "t")), seq(S_, True, batch_first, (masks, "m"))]
    run(ours, theirs, inputs, DEC_MASKS[masks](True), (masks, batch_first))


TRANSFORMER_GRID = list(itertools.product([False, True], [False, True], [True, False], [False, True]))


@pytest.mark.parametrize("case", TRANSFORMER_GRID,
                         ids=[f"bf{b}-nf{n}-batched{u}-masks{m}" for b, n, u, m in TRANSFORMER_GRID])
def test_transformer_matches_torch(case: tuple) -> None:
    batch_first, norm_first, batched, with_masks = case
    ours, theirs = pair("transformer", train=norm_first, batch_first=batch_first, norm_first=norm_first)
    kwargs: dict[str, Any] = {}
    if with_masks:
        kwargs = {"src_mask": blocked(S_, S_, case), "tgt_mask": causal(T_), "memory_mask": blocked(T_, S_, case),
                  "src_key_padding_mask": padding(S_, batched, (case, "s")),
                  "tgt_key_padding_mask": padding(T_, batched, (case, "t")),
                  "memory_key_padding_mask": padding(S_, batched, (case, "s")), "tgt_is_causal": True}
    inputs = [seq(S_, batched, batch_first, (case, "src")), seq(T_, batched, batch_first, (case, "tgt"))]
    run(ours, theirs, inputs, kwargs, case)


def test_transformer_without_bias_and_with_custom_encoder() -> None:
    ours, theirs = pair("transformer", bias=False)
    assert all("bias" not in name for name, _ in ours.named_parameters())
    run(ours, theirs, [seq(S_, True, False, "nb-s"), seq(T_, True, False, "nb-t")], {"tgt_mask": causal(T_)}, "nb")
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF), 1, enable_nested_tensor=False)
    model = nn.Transformer(D, HEADS, num_decoder_layers=1, dim_feedforward=FF, custom_encoder=encoder)
    assert model.encoder is encoder and len(model.decoder.layers) == 1
    assert model(cr.randn(S_, N_, D), cr.randn(T_, N_, D)).shape == (T_, N_, D)


# ----------------------------------------------------------------------------- structure
@pytest.mark.parametrize("what", ["encoder_layer", "decoder_layer", "encoder", "decoder", "transformer"])
@pytest.mark.parametrize("options", [{}, {"bias": False, "norm_first": True, "batch_first": True}])
def test_names_state_dict_and_repr_as_pytorch(what: str, options: dict) -> None:
    ours, theirs = build(cr, what, **options), build(torch, what, **options)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    ours.load_state_dict(cr.interop.from_torch(theirs.state_dict()))  # torch -> chainrule (strict)
    fresh = build(torch, what, **options)
    fresh.load_state_dict(cr.interop.to_torch(ours.state_dict()))  # chainrule -> torch (strict)
    for name, value in theirs.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value), name


def test_attributes_as_pytorch() -> None:
    ours, theirs = build(cr, "encoder_layer", norm_first=True), build(torch, "encoder_layer", norm_first=True)
    for attr in ("norm_first", "activation_relu_or_gelu"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    for kind, code in (("relu", 1), ("relu_fn", 1), ("gelu", 2), ("gelu_module", 2), ("silu_fn", 0)):
        assert build(cr, "encoder_layer", activation=kind).activation_relu_or_gelu == code
    assert build(cr, "encoder_layer").activation is F.relu
    assert build(cr, "decoder_layer", activation="gelu").activation is F.gelu
    t_ours, t_theirs = build(cr, "transformer", batch_first=True), build(torch, "transformer", batch_first=True)
    for attr in ("d_model", "nhead", "batch_first"):
        assert getattr(t_ours, attr) == getattr(t_theirs, attr)
    for attr in ("num_layers", "enable_nested_tensor", "use_nested_tensor", "mask_check"):
        assert getattr(t_ours.encoder, attr) == getattr(t_theirs.encoder, attr), attr


def test_initialization() -> None:
    cr.manual_seed(0)
    model = nn.Transformer(32, 4, 1, 1, 64)
    for name, p in model.named_parameters():
        if p.ndim > 1:  # xavier_uniform_ over every matrix
            bound = np.sqrt(6.0 / (p.shape[0] + p.shape[1]))
            assert np.abs(p.array).max() <= bound, name
    layer = nn.TransformerEncoderLayer(32, 4, 64)
    assert np.all(layer.self_attn.in_proj_bias.array == 0) and np.all(layer.norm1.weight.array == 1)


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_generate_square_subsequent_mask(size: int, dtype: str | None) -> None:
    ours = nn.Transformer.generate_square_subsequent_mask(size, dtype=getattr(cr, dtype) if dtype else None)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=getattr(torch, dtype) if dtype else None)
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    assert str(ours.dtype).removeprefix("chainrule.") == str(theirs.dtype).removeprefix("torch.")
    assert not ours.requires_grad
    assert nn.Transformer.generate_square_subsequent_mask(3, device="cpu").shape == (3, 3)


@pytest.mark.parametrize("layer_kw", [{}, {"batch_first": True}, {"batch_first": True, "norm_first": True},
                                      {"batch_first": True, "bias": False}, {"batch_first": True, "activation": "x"},
                                      {"batch_first": True, "layer_norm_eps": 1e-3}])
@pytest.mark.parametrize("heads", [2, 1])
@pytest.mark.parametrize("enable", [True, False])
def test_enable_nested_tensor_warning_as_pytorch(layer_kw: dict, heads: int, enable: bool) -> None:
    def make(lib: Any) -> Any:
        kw = dict(layer_kw)
        if kw.get("activation") == "x":
            kw["activation"] = (F if lib is cr else TF).silu
        layer = lib.nn.TransformerEncoderLayer(D, heads, FF, **kw)
        if "layer_norm_eps" in kw:
            layer.norm2.eps = 1e-4
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            encoder = lib.nn.TransformerEncoder(layer, 1, enable_nested_tensor=enable)
        return [str(w.message) for w in caught], encoder.use_nested_tensor

    assert make(cr) == make(torch)


def test_custom_layer_in_encoder_warns_as_pytorch() -> None:
    def make(lib: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.TransformerEncoder(lib.nn.Linear(D, D), 1)
        return [str(w.message) for w in caught]

    assert make(cr) == make(torch)


ERRORS: dict[str, Any] = {
    "batch mismatch": lambda m: m.nn.Transformer(D, HEADS, 1, 1, FF)(m.ones(S_, 2, D), m.ones(T_, 3, D)),
    "batch mismatch bf": lambda m: m.nn.Transformer(D, HEADS, 1, 1, FF, batch_first=True)(m.ones(2, S_, D),
                                                                                           m.ones(3, T_, D)),
    "d_model mismatch": lambda m: m.nn.Transformer(D, HEADS, 1, 1, FF)(m.ones(S_, 2, D), m.ones(T_, 2, D + 1)),
    "bad activation": lambda m: m.nn.TransformerEncoderLayer(D, HEADS, FF, activation="tanh"),
    "bad activation decoder": lambda m: m.nn.TransformerDecoderLayer(D, HEADS, FF, activation="sigmoid"),
    "nhead does not divide": lambda m: m.nn.TransformerEncoderLayer(D, 3, FF),
    "wrong width": lambda m: m.nn.TransformerEncoderLayer(D, HEADS, FF)(m.ones(S_, 2, D + 2)),
    "integer mask": lambda m: m.nn.TransformerEncoderLayer(D, HEADS, FF)(m.ones(S_, 2, D),
                                                                         src_mask=m.ones(S_, S_, dtype=m.int64)),
    "mask shape": lambda m: m.nn.TransformerEncoderLayer(D, HEADS, FF)(m.ones(S_, 2, D),
                                                                       src_mask=m.ones(S_, S_ + 1, dtype=m.bool)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_as_pytorch(name: str) -> None:
    with pytest.raises(Exception) as torch_info:
        ERRORS[name](torch)
    with pytest.raises(type(torch_info.value)):
        ERRORS[name](cr)


def test_other_devices_are_refused() -> None:
    for make in (lambda: nn.TransformerEncoderLayer(D, HEADS, device="cuda"),
                 lambda: nn.Transformer(D, HEADS, 1, 1, device="cuda"),
                 lambda: nn.Transformer.generate_square_subsequent_mask(3, device="cuda")):
        with pytest.raises(RuntimeError, match="not available"):
            make()


# ----------------------------------------------------------------------------- end to end
def classifier(lib: Any) -> Any:
    class Classifier(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = lib.nn.Linear(3, D, dtype=lib.float64)
            layer = lib.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True, dtype=lib.float64)
            self.encoder = lib.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.head = lib.nn.Linear(D, 4, dtype=lib.float64)

        def forward(self, x: Any, pad: Any) -> Any:
            h = self.encoder(self.embed(x), src_key_padding_mask=pad)
            keep = (~pad).unsqueeze(-1).to(h.dtype)
            return self.head((h * keep).sum(1) / keep.sum(1))

    return Classifier()


def test_tiny_encoder_classifier_trains_as_in_pytorch() -> None:
    cr.manual_seed(0)
    ours, theirs = classifier(cr), classifier(torch)
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    x = data(6, 5, 3, key="x")
    y = _rng("y").integers(0, 4, 6)
    pad = np.zeros((6, 5), bool)
    pad[1, 3:] = pad[4, 2:] = True
    opt_c = cr.optim.SGD(ours.parameters(), lr=0.2, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(6):
        opt_c.zero_grad()
        opt_t.zero_grad()
        loss_c = F.cross_entropy(ours(cr.tensor(x), cr.tensor(pad)), cr.tensor(y))
        loss_t = TF.cross_entropy(theirs(torch.tensor(x), torch.tensor(pad)), torch.tensor(y))
        np.testing.assert_allclose(loss_c.item(), loss_t.item(), rtol=1e-10)
        losses.append(loss_c.item())
        loss_c.backward()
        loss_t.backward()
        opt_c.step()
        opt_t.step()
    assert losses[-1] < losses[0]
    for name, p in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].array, p.numpy(), rtol=1e-9, atol=1e-11)


def test_eval_without_grad_agrees_with_pytorchs_fast_path_off_the_padding() -> None:
    """PyTorch's encoder fast path (eval, no_grad, batch_first, a padding mask) returns 0 at padded positions;
    chainrule always runs the plain path: the values at the unpadded positions agree."""
    ours, theirs = pair("encoder", batch_first=True)
    theirs.enable_nested_tensor = theirs.use_nested_tensor = True
    x = seq(S_, True, True, "fast")
    pad = np.zeros((N_, S_), bool)  # left-aligned, as the fast path requires
    pad[0, 3:] = pad[2, 4:] = True
    with torch.no_grad():
        ot = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
    with cr.no_grad():
        oc = ours(cr.tensor(x), src_key_padding_mask=cr.tensor(pad)).array
    assert np.all(ot[pad] == 0) and not np.any(oc[pad] == 0)
    np.testing.assert_allclose(oc[~pad], ot[~pad], **TOL)


def test_compiled_training_step_equals_eager_bit_for_bit() -> None:
    """No Python branch on tensor values in the layers: `cr.compile` replays a step of a Transformer (dropout,
    padding masks that change between calls, the causal hint, gelu, norm_first) and a MultiheadAttention with
    kdim/vdim, add_bias_kv, add_zero_attn and weights, without falling back, with eager's numbers."""
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tr = nn.Transformer(D, HEADS, 1, 1, FF, dropout=0.1, norm_first=True, activation="gelu")
            self.mha = nn.MultiheadAttention(D, HEADS, dropout=0.2, add_bias_kv=True, add_zero_attn=True, kdim=5,
                                             vdim=5)
            self.head = nn.Linear(D, 4)

        def forward(self, src: Any, tgt: Any, mem: Any, pad: Any, tgt_mask: Any) -> Any:
            h = self.tr(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=pad, memory_key_padding_mask=pad,
                        tgt_is_causal=True)
            a, w = self.mha(h, mem, mem)
            return self.head((h + a).mean(0)), w

    rng = _rng("compile")
    batches = []
    for i in range(4):
        pad = np.zeros((N_, S_), bool)
        pad[i % N_, 2 + i % 3:] = True
        batches.append([cr.tensor(rng.standard_normal(s).astype(np.float32)) for s in
                        ((S_, N_, D), (T_, N_, D), (6, N_, 5))] + [cr.tensor(pad), cr.tensor(rng.integers(0, 4, N_))])
    mask = nn.Transformer.generate_square_subsequent_mask(T_)
    def train(compiled: bool) -> tuple[list[float], dict[str, np.ndarray]]:
        cr.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = Model()
        opt = cr.optim.AdamW(model.parameters(), lr=0.01)

        def step(src: Any, tgt: Any, mem: Any, pad: Any, y: Any, tgt_mask: Any) -> Any:
            opt.zero_grad()
            logits, w = model(src, tgt, mem, pad, tgt_mask)
            loss = F.cross_entropy(logits, y) + 0.01 * w.sum()
            loss.backward()
            opt.step()
            return loss

        run_step = cr.compile(step) if compiled else step
        cr.manual_seed(1)
        losses = [run_step(*b, mask).item() for b in batches]
        if compiled:
            assert run_step.fallback_reason is None
        return losses, {k: v.array.copy() for k, v in model.state_dict().items()}

    results = [train(False), train(True)]
    assert results[0][0] == results[1][0]
    for name, value in results[0][1].items():
        np.testing.assert_array_equal(results[1][1][name], value, err_msg=name)
