"""The bad inputs the issue lists: each error names what went wrong with the numbers needed to fix it."""

from __future__ import annotations

import re

import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn


def test_wrong_input_width_names_the_layer_and_both_shapes() -> None:
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    with pytest.raises(RuntimeError) as info:
        model(cr.zeros(8, 63))
    message = str(info.value)
    assert "Linear(in_features=64, out_features=32, bias=True)" in message
    assert "(8, 63)" in message and "(32, 64)" in message
    assert info.value.__notes__ == ["raised by layer (0) of the Sequential, Linear"]


def test_wrong_channel_count_names_the_conv_layer_and_both_shapes() -> None:
    with pytest.raises(RuntimeError, match=re.escape("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))")) as info:
        nn.Conv2d(3, 8, 3)(cr.zeros(2, 1, 8, 8))
    assert "(2, 1, 8, 8)" in str(info.value) and "(8, 3, 3, 3)" in str(info.value)


def test_functional_linear_names_both_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"input of shape \(2, 5\) does not fit weight of shape \(3, 4\)"):
        F.linear(cr.zeros(2, 5), cr.zeros(3, 4))


def test_class_index_out_of_range_names_the_index_and_the_number_of_classes() -> None:
    with pytest.raises(IndexError, match="target class index 10 is out of bounds for 10 classes"):
        F.cross_entropy(cr.zeros(3, 10), cr.tensor([1, 10, 2]))
    with pytest.raises(IndexError, match="target class index -1 is out of bounds for 4 classes"):
        nn.CrossEntropyLoss()(cr.zeros(2, 4), cr.tensor([-1, 0]))
    with pytest.raises(IndexError, match="target class index 5 is out of bounds for 3 classes"):
        F.nll_loss(cr.zeros(1, 3), cr.tensor([5]))


def test_cross_entropy_target_shape_and_dtype_errors() -> None:
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\)"):
        F.cross_entropy(cr.zeros(3, 4), cr.tensor([0, 1]))
    with pytest.raises(ValueError, match="class-probability targets must have the input's shape"):
        F.cross_entropy(cr.zeros(3, 4), cr.zeros(3, 5))


def test_bce_refuses_values_outside_zero_one_and_shape_mismatch() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(cr.tensor([1.5]), cr.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target size \(2,\) that is different to the input size \(3,\)"):
        F.binary_cross_entropy_with_logits(cr.zeros(3), cr.zeros(2))


def test_loading_a_checkpoint_of_another_shape_names_the_keys() -> None:
    with pytest.raises(RuntimeError, match=r"size mismatch for 2\.weight.*\(5, 32\).*\(10, 32\)"):
        nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).load_state_dict(
            nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5)).state_dict())


def test_bad_layer_arguments() -> None:
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(RuntimeError, match="kernel"):
        F.max_pool2d(cr.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"BatchNorm1d.*expected input of shape \(N, 4\)"):
        nn.BatchNorm1d(4)(cr.zeros(3, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(4)(cr.zeros(1, 4))


def test_optimizer_argument_errors() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        cr.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        cr.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0"):
        cr.optim.Adam(nn.Linear(1, 1).parameters(), betas=(1.0, 0.9))
