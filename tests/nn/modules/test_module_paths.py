"""PyTorch's module paths that tutorials import from resolve in chainrule (thin re-exports of the same
objects), and `RandomSampler` with replacement draws lazily."""

from __future__ import annotations

import importlib
import itertools

import pytest
import torch  # noqa: F401 - torch.nn.modules.* are compared with

import chainrule as cr

PATHS = {
    "nn.modules": ["Linear", "Module", "ReLU", "Sequential", "CrossEntropyLoss", "Conv2d", "LSTM"],
    "nn.modules.module": ["Module"],
    "nn.modules.linear": ["Linear", "Identity"],
    "nn.modules.activation": ["ReLU", "Tanh", "Sigmoid", "Softmax", "GELU"],
    "nn.modules.conv": ["Conv1d", "Conv2d"],
    "nn.modules.pooling": ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"],
    "nn.modules.loss": ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss"],
    "nn.modules.container": ["Sequential", "ModuleList", "ModuleDict"],
    "nn.modules.batchnorm": ["BatchNorm1d", "BatchNorm2d"],
    "nn.modules.normalization": ["LayerNorm", "GroupNorm"],
    "nn.modules.dropout": ["Dropout"],
    "nn.modules.sparse": ["Embedding"],
    "nn.modules.flatten": ["Flatten", "Unflatten"],
    "nn.modules.rnn": ["RNN", "LSTM", "GRU", "LSTMCell"],
    "utils.data.dataloader": ["DataLoader", "default_collate"],
    "utils.data.dataset": ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "IterableDataset", "random_split"],
    "utils.data.sampler": ["Sampler", "RandomSampler", "SequentialSampler", "BatchSampler",
                           "SubsetRandomSampler", "WeightedRandomSampler"],
    "optim.optimizer": ["Optimizer"],
}


@pytest.mark.parametrize("path", PATHS)
def test_torch_paths_resolve_to_the_same_objects(path):
    tmod = importlib.import_module("torch." + path)
    cmod = importlib.import_module("chainrule." + path)
    for name in PATHS[path]:
        assert hasattr(tmod, name), f"torch.{path} has no {name}: the test is wrong"
        obj = getattr(cmod, name)
        top = path.split(".")[0]
        same = getattr(cr.utils.data if path.startswith("utils") else getattr(cr, top), name)
        assert obj is same


def test_modules_attribute_and_star_imports():
    assert cr.nn.modules.Linear is cr.nn.Linear
    assert cr.nn.modules.module.Module is cr.nn.Module
    namespace: dict = {}
    exec("from chainrule.nn.modules.loss import *", namespace)
    assert namespace["MSELoss"] is cr.nn.MSELoss


def test_tutorial_style_imports_run():
    from chainrule.nn.modules.module import Module
    from chainrule.utils.data.dataloader import DataLoader
    from chainrule.utils.data.dataset import TensorDataset

    class Net(Module):
        def __init__(self):
            super().__init__()
            self.fc = cr.nn.modules.linear.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    loader = DataLoader(TensorDataset(cr.randn(6, 2), cr.randn(6, 1)), batch_size=3)
    net = Net()
    for x, y in loader:
        cr.nn.functional.mse_loss(net(x), y).backward()
    assert net.fc.weight.grad is not None


def test_random_sampler_with_replacement_is_lazy():
    huge = range(10**12)
    sampler = cr.utils.data.RandomSampler(huge, replacement=True, num_samples=10**11, generator=cr.Generator(0))
    first = list(itertools.islice(iter(sampler), 100))  # drawing everything at once would need ~750 GB
    assert len(first) == 100 and all(0 <= i < 10**12 for i in first)
    assert len(sampler) == 10**11


@pytest.mark.parametrize("k", [1, 31, 32, 33, 100])
def test_random_sampler_with_replacement_counts_and_seeding(k):
    s = cr.utils.data.RandomSampler(range(5), replacement=True, num_samples=k, generator=cr.Generator(3))
    drawn = list(s)
    assert len(drawn) == k and set(drawn) <= set(range(5))
    assert drawn == list(cr.utils.data.RandomSampler(range(5), replacement=True, num_samples=k,
                                                      generator=cr.Generator(3)))
