"""Layers and functions small models use: padding layers, F.interpolate and Upsample, F.unfold/F.fold and
Unfold/Fold, RMSNorm, InstanceNorm1d/2d, PixelShuffle/PixelUnshuffle, Softmin, Threshold, the shrink activations,
CosineSimilarity and PairwiseDistance. Values, first and second order gradients (the op table's harness, float32
and float64), module outputs and gradients, reprs and errors against PyTorch 2.13."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from ops._ops_harness import Case, check_parity


def F(m):
    return m.nn.functional


C = Case
INF = float("inf")

CASES = [
    # ------------------------------------------------------------------ activations
    C("softmin", lambda m, a: (F(m).softmin(a, 1), F(m).softmin(a, dim=0, dtype=m.float64)), ((3, 4),)),
    C("threshold", lambda m, a: (F(m).threshold(a, 0.1, 20.0), F(m).threshold(a, -0.5, -3.0)), ((3, 4),),
      domain="distinct"),
    C("shrink", lambda m, a: (F(m).hardshrink(a), F(m).hardshrink(a, 0.3), F(m).softshrink(a), F(m).softshrink(a, 1.0),
                              F(m).tanhshrink(a)), ((3, 4),), domain="distinct"),
    C("shrink_at_lambda", lambda m, a: (F(m).hardshrink(a, 0.5), F(m).softshrink(a, 0.5), F(m).threshold(a, 0.5, 2.0)),
      data=[np.array([-0.5, 0.5, 0.0, 0.7, -0.7])], gradcheck=False),
    # ------------------------------------------------------------------ distances
    C("pairwise_distance", lambda m, a, b: (F(m).pairwise_distance(a, b), F(m).pairwise_distance(a, b, 1.0),
                                            F(m).pairwise_distance(a, b[0], 3.0, keepdim=True),
                                            F(m).pairwise_distance(a[0], b[0], INF),
                                            F(m).pairwise_distance(a, b, eps=0.1)),
      ((3, 4), (3, 4)), domain="distinct"),
    C("cosine_similarity", lambda m, a, b: (F(m).cosine_similarity(a, b), F(m).cosine_similarity(a, b[0], dim=-1)),
      ((3, 4), (3, 4))),
    # ------------------------------------------------------------------ normalization
    C("rms_norm", lambda m, a, w: (F(m).rms_norm(a, (4,), w), F(m).rms_norm(a, [3, 4], eps=1e-3)), ((2, 3, 4), (4,))),
    C("instance_norm", lambda m, a, w, b: (F(m).instance_norm(a), F(m).instance_norm(a, weight=w, bias=b, eps=1e-3),
                                           F(m).instance_norm(a.reshape(2, 3, 2, 2), weight=w, bias=b)),
      ((2, 3, 4), (3,), (3,))),
    C("local_response_norm", lambda m, a: (F(m).local_response_norm(a, 2),
                                           F(m).local_response_norm(a, 3, 1e-2, 0.5, 2.0),
                                           F(m).local_response_norm(a[:, :, 0], 4, alpha=0.1),
                                           F(m).local_response_norm(a[:, :, :, :, None], 1, beta=1.5)),
      ((2, 5, 3, 4),)),
    # ------------------------------------------------------------------ vision
    C("pixel_shuffle", lambda m, a: (F(m).pixel_shuffle(a, 2), F(m).pixel_unshuffle(a, 2),
                                     F(m).pixel_shuffle(a[0], 2), F(m).pixel_unshuffle(a[None], 1)), ((2, 8, 4, 6),)),
    C("unfold_fold", lambda m, a: (F(m).unfold(a, 2), F(m).unfold(a, (2, 3), dilation=(1, 2), padding=1, stride=2),
                                   F(m).unfold(a[0], 3), F(m).fold(F(m).unfold(a, 2), (5, 6), 2),
                                   F(m).fold(F(m).unfold(a, 3, padding=1, stride=2), (5, 6), 3, padding=1, stride=2),
                                   F(m).fold(F(m).unfold(a, 2, dilation=2)[0], (5, 6), 2, dilation=2)),
      ((2, 3, 5, 6),)),
    C("interpolate_nearest", lambda m, a: (F(m).interpolate(a, scale_factor=2), F(m).interpolate(a, size=(3, 7)),
                                           F(m).interpolate(a, scale_factor=(0.5, 1.5)),
                                           F(m).interpolate(a, size=4, mode="nearest-exact"),
                                           F(m).interpolate(a[:, :, 0], scale_factor=2.5),
                                           F(m).interpolate(a[:, :, 0], size=9, mode="nearest-exact"),
                                           F(m).interpolate(a[:, :, None], scale_factor=(2, 1, 3)),
                                           F(m).interpolate(a, scale_factor=1.7, recompute_scale_factor=True)),
      ((2, 3, 4, 5),)),
    C("interpolate_linear", lambda m, a: (F(m).interpolate(a[:, :, 0], scale_factor=2, mode="linear"),
                                          F(m).interpolate(a[:, :, 0], size=3, mode="linear", align_corners=True),
                                          F(m).interpolate(a[:, :, 0], size=8, mode="linear", align_corners=False),
                                          F(m).interpolate(a[:, :, 0], size=1, mode="linear", align_corners=True),
                                          F(m).interpolate(a[:, :, 0], scale_factor=1.3, mode="linear")),
      ((2, 3, 4, 5),)),
    C("interpolate_bilinear", lambda m, a: (F(m).interpolate(a, scale_factor=2, mode="bilinear"),
                                            F(m).interpolate(a, size=(7, 3), mode="bilinear", align_corners=True),
                                            F(m).interpolate(a, size=(2, 9), mode="bilinear", align_corners=False),
                                            F(m).interpolate(a, scale_factor=(1.5, 0.6), mode="bilinear"),
                                            F(m).interpolate(a, scale_factor=0.75, mode="bilinear", align_corners=True,
                                                             recompute_scale_factor=True)),
      ((2, 3, 4, 5),)),
    C("bilinear", lambda m, a, b, w, c: (F(m).bilinear(a, b, w, c), F(m).bilinear(a[0], b[0], w),
                                         F(m).bilinear(a[None], b[None], w, c)), ((3, 4), (3, 2), (5, 4, 2), (5,))),
    # sampling positions away from pixel boundaries (the bilinear weights have kinks there)
    C("grid_sample", lambda m, a, g: tuple(F(m).grid_sample(a, g * 1.2, mode, pad, align)
                                           for mode in ("bilinear", "nearest") for pad in ("zeros", "border")
                                           for align in (False, True)), ((2, 3, 4, 5), (2, 3, 6, 2)), domain="unit",
      gradgrad=False),  # torch has no derivative of grid_sampler_2d_backward: see the gradgradcheck below
    C("affine_grid", lambda m, t, a: (F(m).affine_grid(t, (2, 3, 4, 5), align_corners=False),
                                      F(m).affine_grid(t, [2, 1, 3, 1], align_corners=True),
                                      F(m).grid_sample(a, F(m).affine_grid(t, (2, 3, 3, 4), align_corners=False),
                                                       align_corners=False)),
      ((2, 2, 3), (2, 3, 4, 5)), domain="unit", gradgrad=False),
    C("interpolate_bicubic", lambda m, a: (F(m).interpolate(a, scale_factor=2, mode="bicubic"),
                                           F(m).interpolate(a, size=(7, 3), mode="bicubic", align_corners=True),
                                           F(m).interpolate(a, scale_factor=(1.5, 0.7), mode="bicubic"),
                                           F(m).interpolate(a, size=(2, 9), mode="bicubic", align_corners=False)),
      ((2, 3, 4, 5),)),
    C("interpolate_trilinear", lambda m, a: (F(m).interpolate(a, scale_factor=2, mode="trilinear"),
                                             F(m).interpolate(a, size=(2, 5, 3), mode="trilinear", align_corners=True),
                                             F(m).interpolate(a, scale_factor=(1, 0.5, 1.5), mode="trilinear"),
                                             F(m).interpolate(a, size=4, mode="nearest")),
      ((1, 2, 3, 4, 5),)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_parity_with_torch(case, dtype):
    check_parity(case, dtype)


def test_grid_sample_second_order_by_gradgradcheck():
    rng = np.random.default_rng(13)
    a = cr.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = cr.tensor(rng.uniform(-0.9, 0.9, (1, 2, 3, 2)), requires_grad=True)
    for pad in ("zeros", "border"):
        assert cr.autograd.gradgradcheck(lambda x, y, p=pad: F(cr).grid_sample(x, y, "bilinear", p, False), (a, g))


# ----------------------------------------------------------------------------- modules
def _run(ours, theirs, shape, train=True, seed=0, inputs=1):
    """Same weights and inputs (float64): equal outputs, input gradients and parameter gradients."""
    ours.double() if hasattr(ours, "double") else None
    theirs.double()
    if list(ours.state_dict()):
        theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    ours.train(train)
    theirs.train(train)
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal(shape) for _ in range(inputs)]
    cx = [cr.tensor(x, requires_grad=True) for x in xs]
    tx = [torch.tensor(x, requires_grad=True) for x in xs]
    cy, ty = ours(*cx), theirs(*tx)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(ty.shape))
    (cy * cr.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for c, t in zip(cx, tx):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-9, atol=1e-11)
    for (name, b), (_, tb) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-10, err_msg=name)
    assert repr(ours) == repr(theirs)


PAD_LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad1d", ((1, 3),), (3, 5)), ("ZeroPad2d", ((1, 0, 2, 3),), (2, 3, 4, 5)),
    ("ZeroPad2d", (1,), (3, 4, 5)), ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 5)), ("ConstantPad2d", ((1, 2, 0, 1), -1.0), (2, 3, 4, 5)),
    ("ConstantPad3d", ((1, 0, 2, 0, 0, 1), 0.5), (2, 3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)), ("ReplicationPad1d", ((3, 1),), (2, 3, 5)),
    ("ReplicationPad2d", (2,), (3, 4, 5)), ("ReplicationPad3d", ((1, 2, 0, 1, 2, 0),), (1, 2, 3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,args,shape", PAD_LAYERS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAD_LAYERS)])
def test_padding_layers_as_torch(name, args, shape):
    _run(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), shape)


def test_circular_pad_checks_the_input_dimension():
    for layers, lib in ((nn, cr), (torch.nn, torch)):
        with pytest.raises(ValueError, match="expected 3D or 4D input"):
            layers.CircularPad2d(1)(lib.ones(2, 3))


LAYERS = [
    (lambda lib: lib.Softmin(1), (3, 4)), (lambda lib: lib.Softmin(dim=0), (3, 4)),
    (lambda lib: lib.Threshold(0.1, 20.0), (3, 4)), (lambda lib: lib.Hardshrink(), (3, 4)),
    (lambda lib: lib.Hardshrink(0.2), (3, 4)), (lambda lib: lib.Softshrink(0.3), (3, 4)),
    (lambda lib: lib.Tanhshrink(), (3, 4)),
    (lambda lib: lib.RMSNorm(4), (2, 3, 4)), (lambda lib: lib.RMSNorm([3, 4], eps=1e-4), (2, 3, 4)),
    (lambda lib: lib.RMSNorm((4,), elementwise_affine=False), (2, 3, 4)),
    (lambda lib: lib.InstanceNorm1d(3), (2, 3, 5)), (lambda lib: lib.InstanceNorm1d(3, affine=True), (3, 5)),
    (lambda lib: lib.InstanceNorm2d(3, affine=True, eps=1e-3), (2, 3, 4, 5)),
    (lambda lib: lib.InstanceNorm2d(3, track_running_stats=True, momentum=0.3), (2, 3, 4, 5)),
    (lambda lib: lib.InstanceNorm2d(3, track_running_stats=True, momentum=None), (3, 4, 5)),
    (lambda lib: lib.InstanceNorm3d(2, affine=True), (2, 2, 3, 4, 5)),
    (lambda lib: lib.InstanceNorm3d(2, track_running_stats=True), (2, 3, 4, 5)),
    (lambda lib: lib.Softmax2d(), (2, 3, 4, 5)), (lambda lib: lib.Softmax2d(), (3, 4, 5)),
    (lambda lib: lib.LocalResponseNorm(2), (2, 5, 3, 4)),
    (lambda lib: lib.LocalResponseNorm(3, 1e-2, 0.5, 2.0), (2, 5, 7)),
    (lambda lib: lib.PixelShuffle(2), (2, 8, 3, 4)), (lambda lib: lib.PixelUnshuffle(2), (2, 2, 4, 6)),
    (lambda lib: lib.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda lib: lib.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4, 5)),
    (lambda lib: lib.Upsample(scale_factor=(2, 3), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    (lambda lib: lib.Upsample(scale_factor=1.5, mode="linear"), (2, 3, 5)),
    (lambda lib: lib.Upsample(size=9), (2, 3, 5)),
    (lambda lib: lib.UpsamplingNearest2d(scale_factor=2), (2, 3, 4, 5)),
    (lambda lib: lib.Upsample(scale_factor=2, mode="bicubic", align_corners=True), (2, 3, 4, 5)),
    (lambda lib: lib.Upsample(size=(3, 6, 2), mode="trilinear"), (1, 2, 3, 4, 5)),
    (lambda lib: lib.UpsamplingNearest2d(size=(3, 7)), (2, 3, 4, 5)),
    (lambda lib: lib.UpsamplingBilinear2d(scale_factor=2), (2, 3, 4, 5)),
    (lambda lib: lib.UpsamplingBilinear2d(size=3), (2, 3, 4, 5)),
    (lambda lib: lib.Unfold(kernel_size=(2, 3)), (2, 3, 4, 5)),
    (lambda lib: lib.Unfold(3, dilation=1, padding=1, stride=2), (3, 4, 5)),
    (lambda lib: lib.Fold(output_size=(4, 5), kernel_size=2), (2, 12, 12)),
    (lambda lib: lib.Fold((5, 6), (2, 3), dilation=(2, 1), padding=1, stride=2), (12, 9)),
    (lambda lib: lib.InstanceNorm1d(3, affine=True, bias=False), (2, 3, 5)),
]


@pytest.mark.parametrize("make,shape", LAYERS, ids=range(len(LAYERS)))
def test_layers_as_torch(make, shape):
    _run(make(nn), make(torch.nn), shape)
    ours, theirs = make(nn), make(torch.nn)
    _run(ours, theirs, shape, train=False, seed=1)


def test_instance_norm_eval_with_running_stats():
    ours, theirs = nn.InstanceNorm2d(3, track_running_stats=True), torch.nn.InstanceNorm2d(3, track_running_stats=True)
    _run(ours, theirs, (2, 3, 4, 5))  # training: updates the running statistics
    _run(ours, theirs, (2, 3, 4, 5), train=False, seed=3)  # eval: normalizes with them


@pytest.mark.parametrize("make", [lambda lib: lib.CosineSimilarity(), lambda lib: lib.CosineSimilarity(dim=0, eps=1e-3),
                                  lambda lib: lib.PairwiseDistance(),
                                  lambda lib: lib.PairwiseDistance(1.0, 1e-3, True)])
def test_distance_layers_as_torch(make):
    _run(make(nn), make(torch.nn), (3, 4), inputs=2)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer_as_torch(bias):
    ours, theirs = nn.Bilinear(4, 4, 3, bias=bias), torch.nn.Bilinear(4, 4, 3, bias=bias)
    _run(ours, theirs, (5, 4), inputs=2)
    bound = 1 / 2.0  # PyTorch's init range: +-1/sqrt(in1_features)
    assert float(ours.weight.abs().max()) <= bound and tuple(ours.weight.shape) == (3, 4, 4)




# ----------------------------------------------------------------------------- EmbeddingBag
BAGS = [dict(inp=[[1, 2, 4], [4, 3, 2]]), dict(inp=[1, 2, 4, 5, 4, 3, 2, 9], off=[0, 4]),
        dict(inp=[1, 2, 4, 5, 4, 3, 2, 9], off=[0, 4, 4]), dict(inp=[1, 2, 4, 5, 4, 3, 2, 9], off=[0, 2, 8], last=True),
        dict(inp=[1, 0, 4, 5, 0, 3, 2, 9], off=[0, 4], pad=0), dict(inp=[0, 0, 4, 5], off=[0, 2], pad=0)]


# per_sample_weights is mode='sum' only (both libraries refuse it otherwise, see ERRORS)
BAG_RUNS = [(mode, i, weighted) for mode in ("sum", "mean", "max") for i in range(len(BAGS))
            for weighted in ((False, True) if mode == "sum" else (False,))]


@pytest.mark.parametrize("mode,i,weighted", BAG_RUNS, ids=[f"{m}-{i}-{w}" for m, i, w in BAG_RUNS])
def test_embedding_bag_as_torch(mode, i, weighted):
    bag = BAGS[i]
    rng = np.random.default_rng(11)
    w = rng.standard_normal((10, 3))
    psw = rng.standard_normal(np.shape(bag["inp"])) if weighted else None
    kw = {"mode": mode, "include_last_offset": bag.get("last", False), "padding_idx": bag.get("pad")}
    grads = []
    for lib in (cr, torch):
        weight = lib.tensor(w, requires_grad=True)
        weights = lib.tensor(psw, requires_grad=True) if weighted else None
        offsets = lib.tensor(bag["off"]) if "off" in bag else None
        out = lib.nn.functional.embedding_bag(lib.tensor(bag["inp"]), weight, offsets, per_sample_weights=weights,
                                              **kw)
        up = lib.tensor(np.random.default_rng(12).standard_normal(tuple(out.shape)))
        grads.append([out, *lib.autograd.grad((out * up).sum(), [weight] + ([weights] if weighted else []))])
    for c, t in zip(*grads):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    if weighted:  # second order (torch has no derivative of its per_sample_weights backward): gradgradcheck
        offsets = cr.tensor(bag["off"]) if "off" in bag else None
        assert cr.autograd.gradgradcheck(
            lambda a, b: cr.nn.functional.embedding_bag(cr.tensor(bag["inp"]), a, offsets, per_sample_weights=b, **kw),
            (cr.tensor(w, requires_grad=True), cr.tensor(psw, requires_grad=True)))


def test_embedding_bag_module_as_torch():
    ours, theirs = nn.EmbeddingBag(10, 3, mode="sum"), torch.nn.EmbeddingBag(10, 3, mode="sum")
    theirs.load_state_dict(cr.interop.to_torch(ours.state_dict()))
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    idx, off = [1, 2, 4, 5, 4, 3, 2, 9], [0, 4]
    np.testing.assert_allclose(ours(cr.tensor(idx), cr.tensor(off)).detach().numpy(),
                               theirs(torch.tensor(idx), torch.tensor(off)).detach().numpy(), rtol=1e-6)
    assert repr(nn.EmbeddingBag(10, 3, mode="max", padding_idx=-1)) == repr(
        torch.nn.EmbeddingBag(10, 3, mode="max", padding_idx=-1))
    assert not nn.EmbeddingBag(5, 2, padding_idx=1).weight[1].any()


# ----------------------------------------------------------------------------- errors
ERRORS = [
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), size=2, scale_factor=2),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4)),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), scale_factor=2, align_corners=True),
    lambda m: F(m).interpolate(m.ones(1, 2, 3), scale_factor=2, mode="bilinear"),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), scale_factor=2, mode="linear"),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), scale_factor=2, mode="trilinear"),
    lambda m: F(m).interpolate(m.ones(1, 2, 3), scale_factor=2, mode="bicubic"),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), size=(2, 3, 4)),
    lambda m: F(m).interpolate(m.ones(1, 2, 3, 4), size=(2, 4), recompute_scale_factor=True),
    lambda m: F(m).pixel_shuffle(m.ones(1, 5, 2, 2), 2),
    lambda m: F(m).pixel_shuffle(m.ones(5, 2), 2),
    lambda m: F(m).pixel_unshuffle(m.ones(1, 1, 3, 4), 2),
    lambda m: F(m).unfold(m.ones(1, 1, 2, 2), 3),
    lambda m: F(m).fold(m.ones(1, 4, 5), (3, 3), 2),
    lambda m: F(m).fold(m.ones(1, 5, 4), (3, 3), 2),
    lambda m: F(m).rms_norm(m.ones(2, 3), (4,)),
    lambda m: F(m).softshrink(m.ones(3), -1.0),
    lambda m: m.nn.InstanceNorm2d(3)(m.ones(2, 3)),
    lambda m: m.nn.Softmax2d()(m.ones(2, 3)),
    lambda m: F(m).local_response_norm(m.ones(2, 3), 2),
    lambda m: F(m).grid_sample(m.ones(1, 2, 3, 3), m.ones(1, 2, 2, 3)),
    lambda m: F(m).bilinear(m.ones(2, 3), m.ones(2, 4), m.ones(5, 3, 3)),
    lambda m: F(m).bilinear(m.ones(2, 3), m.ones(3, 3), m.ones(5, 3, 3)),
    lambda m: F(m).bilinear(m.ones(2, 3), m.ones(2, 3), m.ones(5, 3, 3), m.ones(4)),
    lambda m: F(m).grid_sample(m.ones(1, 2, 3, 3), m.ones(2, 2, 2, 2)),
    lambda m: F(m).grid_sample(m.ones(1, 2, 3, 3), m.ones(1, 2, 2, 2), mode="cubic"),
    lambda m: F(m).grid_sample(m.ones(1, 2, 3, 3), m.ones(1, 2, 2, 2), padding_mode="wrap"),
    lambda m: F(m).affine_grid(m.ones(2, 3, 3), (2, 1, 3, 3), align_corners=False),
    lambda m: F(m).affine_grid(m.ones(2, 2, 3, dtype=m.int64), (2, 1, 3, 3), align_corners=False),
    lambda m: F(m).embedding_bag(m.tensor([1, 2]), m.ones(4, 2)),
    lambda m: F(m).embedding_bag(m.tensor([[1, 2]]), m.ones(4, 2), m.tensor([0])),
    lambda m: F(m).embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([1])),
    lambda m: F(m).embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="prod"),
    lambda m: F(m).embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="max",
                                 per_sample_weights=m.ones(2)),
    lambda m: m.nn.InstanceNorm1d(3, affine=True)(m.ones(2, 4, 5)),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(cr)


def test_interpolate_modes_chainrule_lacks_are_refused():
    for mode in ("area", "lanczos"):
        with pytest.raises(NotImplementedError, match=mode):
            cr.nn.functional.interpolate(cr.ones(1, 1, 4, 4), scale_factor=2, mode=mode)
