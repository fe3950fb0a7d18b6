"""Tests that kill survivors of the seed-1515 mutation sample (docs/testing.md)."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import nn


def test_conv_and_conv_transpose_are_described_input_to_output() -> None:
    """explain/build.py:648 (the ConvTranspose branch removed, so a transposed convolution took the Conv branch
    and its channels were swapped; and `startswith("ConvTranspose") and len(w) >= 3` -> `or`, which swapped a
    Conv's): a Conv's weight is (out, in, k...), a ConvTranspose's (in, out, k...), and both are labelled
    `type(in->out, kernel)`."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(4, 5, (2, 3)))
    with cr.explain.record_modules(model):
        out = model(cr.randn(1, 3, 8, 8))
    labels = [g["label"] for g in cr.explain.graph(out.sum()).data["groups"]]
    assert labels == ["0: Conv2d(3->4, 3x3)", "1: ConvTranspose2d(4->5, 2x3)"]
    model = nn.Sequential(nn.ConvTranspose1d(2, 7, 3), nn.Conv1d(7, 1, 2))
    with cr.explain.record_modules(model):
        out = model(cr.randn(1, 2, 6))
    labels = [g["label"] for g in cr.explain.graph(out.sum()).data["groups"]]
    assert labels == ["0: ConvTranspose1d(2->7, 3)", "1: Conv1d(7->1, 2)"]


def test_a_module_without_parameters_is_described_by_its_type() -> None:
    """Parameterless modules in a recorded model are labelled by their type, and a Linear or Conv whose weight shape
    is not known by its type alone (the `w is None` exit two lines above the seed-1515 survivor)."""
    from chainrule.explain.build import module_description

    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Tanh())
    with cr.explain.record_modules(model):
        out = model(cr.randn(4, 3))
    labels = [g["label"] for g in cr.explain.graph(out.sum()).data["groups"]]
    assert labels == ["0: Linear(3->2)", "1: ReLU", "2: Tanh"]
    for type_name in ("ReLU", "Linear", "LazyLinear", "Conv2d", "ConvTranspose1d", "Embedding", "LayerNorm"):
        assert module_description(type_name, {}) == type_name
        assert module_description(type_name, {"bias": [4]}) == type_name


def test_dead_units_of_a_conv_layer_are_its_channels() -> None:
    """explain/diagnostics.py:285 (`np.moveaxis(post, 1, -1)` -> `moveaxis(post, 2, -1)`: a conv map's rows were
    then cut across channels): after a Conv2d the units are the channels, and a channel is dead when it is 0 at
    every sample and position. Channel 1 (bias -10) and channel 2 (weight -1 on a positive input) never fire,
    channel 0 does; maps 4x5 so that no other axis has the channels' length."""
    conv = nn.Conv2d(2, 3, 1)
    with cr.no_grad():
        conv.weight.copy_(cr.tensor(np.array([1.0, 0.0, -1.0]).reshape(3, 1, 1, 1) * np.ones((3, 2, 1, 1))))
        conv.bias.copy_(cr.tensor([0.0, -10.0, 0.0]))
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 5, 2))
    data = cr.tensor(np.abs(np.random.default_rng(1515).standard_normal((2, 2, 4, 5))) + 0.1, dtype=cr.float32)
    report = cr.explain.dead_units(model, data)
    (layer,) = report.layers
    assert (layer.units, layer.dead, layer.previous, layer.zero_rows_checked) == (3, [1, 2], "0", True)


def test_gradient_flow_shows_a_dash_for_a_layer_without_gradient() -> None:
    """explain/diagnostics.py:50 (`"—" if v is None else fmt_number(v)` with `is not`: every number became a dash
    and a missing one went to fmt_number): a layer with a gradient shows its norms and ratio as numbers, a layer
    the loss did not reach shows `—` for |grad| and the ratio, and its weight norm as a number."""
    from chainrule.explain.values import fmt_number

    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0](cr.ones(1, 2)).sum().backward()
    flow = cr.explain.gradient_flow(model)
    first, second = flow["0"], flow["1"]
    assert second.grad_norm is None and first.grad_norm is not None
    rows = flow._rows()
    assert rows[0] == ["0", "Linear", fmt_number(first.grad_norm), fmt_number(first.weight_norm),
                       fmt_number(first.ratio), ""]
    assert rows[1] == ["1", "Linear", "—", fmt_number(second.weight_norm), "—", "no gradient"]
    assert "no gradient" in str(flow) and fmt_number(first.grad_norm) in str(flow)
