"""Every layer against PyTorch: same weights, same input -> same output, input gradient and parameter
gradients (float32 tolerance)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from nn_helpers import check_module, close, copy_weights

RNG = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


LAYERS = [
    ("linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("linear_nobias", lambda m: m.Linear(5, 3, bias=False), (4, 5)),
    ("linear_3d", lambda m: m.Linear(5, 3), (2, 4, 5)),
    ("linear_1d", lambda m: m.Linear(5, 3), (5,)),
    ("relu", lambda m: m.ReLU(), (4, 6)),
    ("leaky_relu", lambda m: m.LeakyReLU(0.2), (4, 6)),
    ("tanh", lambda m: m.Tanh(), (4, 6)),
    ("sigmoid", lambda m: m.Sigmoid(), (4, 6)),
    ("gelu", lambda m: m.GELU(), (4, 6)),
    ("gelu_tanh", lambda m: m.GELU(approximate="tanh"), (4, 6)),
    ("softmax", lambda m: m.Softmax(dim=1), (4, 6)),
    ("log_softmax", lambda m: m.LogSoftmax(dim=-1), (4, 6)),
    ("flatten", lambda m: m.Flatten(), (2, 3, 4, 5)),
    ("identity", lambda m: m.Identity(), (2, 3)),
    ("layer_norm", lambda m: m.LayerNorm(6), (4, 6)),
    ("layer_norm_2d", lambda m: m.LayerNorm((3, 4)), (2, 3, 4)),
    ("conv2d", lambda m: m.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    ("conv2d_stride_pad", lambda m: m.Conv2d(2, 5, (3, 2), stride=2, padding=1), (3, 2, 8, 7)),
    ("conv2d_unbatched", lambda m: m.Conv2d(2, 3, 2, bias=False), (2, 5, 5)),
    ("max_pool", lambda m: m.MaxPool2d(2), (2, 3, 6, 6)),
    ("max_pool_stride_pad", lambda m: m.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    ("avg_pool", lambda m: m.AvgPool2d(2), (2, 3, 6, 5)),
    ("avg_pool_stride_pad", lambda m: m.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    ("sequential", lambda m: m.Sequential(m.Linear(4, 8), m.ReLU(), m.Linear(8, 2)), (5, 4)),
]


@pytest.mark.parametrize("name,build,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_torch(name: str, build, shape: tuple) -> None:
    check_module(build(cr.nn), build(torch.nn), randn(*shape))


def test_cnn_matches_torch() -> None:
    def build(m):
        return m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(64, 10))

    check_module(build(cr.nn), build(torch.nn), randn(3, 1, 8, 8), rtol=1e-4, atol=1e-5)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum() -> None:
    x = np.array([[[[1, 1], [1, 1]]]], np.float32)
    check_module(cr.nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)


def test_batchnorm1d_training_eval_and_running_stats() -> None:
    ours, theirs = cr.nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    with torch.no_grad():
        theirs.weight.uniform_()
        theirs.bias.uniform_()
    ours.load_state_dict(cr.interop.from_torch(theirs.state_dict()))
    for _ in range(3):  # training: batch statistics, running stats updated
        x = randn(6, 4) * 3 + 1
        check_module(ours, theirs, x, rtol=1e-4, atol=1e-5)
        close(ours.running_mean, theirs.running_mean)
        close(ours.running_var, theirs.running_var)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, randn(5, 4), rtol=1e-4, atol=1e-5)


def test_batchnorm1d_3d_input_and_cumulative_momentum() -> None:
    ours, theirs = cr.nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for _ in range(2):
        check_module(ours, theirs, randn(4, 3, 5), rtol=1e-4, atol=1e-5)
    close(ours.running_var, theirs.running_var)


def test_embedding_values_and_gradient_with_padding_idx() -> None:
    ours, theirs = cr.nn.Embedding(6, 3, padding_idx=1), torch.nn.Embedding(6, 3, padding_idx=1)
    copy_weights(ours, theirs)
    idx = np.array([[0, 1, 5], [1, 2, 2]])
    yc, yt = ours(cr.tensor(idx)), theirs(torch.tensor(idx))
    close(yc, yt)
    w = randn(2, 3, 3)
    (yc * cr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(ours.weight.grad, theirs.weight.grad)
    assert np.all(ours.weight.grad.numpy()[1] == 0)


def test_dropout_scales_kept_elements_and_is_identity_in_eval() -> None:
    cr.manual_seed(0)
    layer = cr.nn.Dropout(0.25)
    x = cr.ones(1000, requires_grad=True)
    y = layer(x)
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75, rtol=1e-6)
    assert 0.65 < kept.mean() < 0.85
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.75, 0), rtol=1e-6)
    layer.eval()
    assert layer(x) is x


def test_linear_default_init_bounds_match_pytorch() -> None:
    cr.manual_seed(0)
    layer = cr.nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.detach().numpy()).max() <= bound
        assert np.abs(p.detach().numpy()).max() > 0.9 * bound  # spread over the whole range, not a narrower one
    assert layer.weight.dtype == cr.float32 and layer.weight.requires_grad


@pytest.mark.parametrize("build,shape", [(lambda m: m.Linear(5, 3), (4, 5)), (lambda m: m.Conv2d(2, 3, 3, padding=1),
                                                                              (2, 2, 5, 5))])
def test_data_input_without_grad_still_gives_weight_gradients(build, shape: tuple) -> None:
    """A first layer fed with data skips its input gradient; the weight gradients are unchanged."""
    check_module(build(cr.nn), build(torch.nn), randn(*shape), grad_input=False)
    x = cr.tensor(randn(*shape))
    with cr.autograd.observe() as steps:
        build(cr.nn)(x).sum().backward()
    assert steps[-1].contributions[0] is None
