"""The public names of `cr.nn`, `cr.nn.functional`, `cr.nn.modules` and `cr.optim` are a superset of those
before the layout change (`nn/functional/` became a package by concept, `nn/layers` moved into
`nn/modules`, `optim/adam_variants.py` was split per optimizer): PyTorch code written against these names
keeps working. Each package's `__all__` lists exactly its public names, and nothing is star-imported."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import chainrule as cr
import chainrule.nn.functional as F

SRC = Path(cr.__file__).resolve().parent

# dir(chainrule.nn.functional) before the change, without the imports that leaked into it (np, weakref,
# annotations, Any, Sequence, Size2 and the ops mean, mul, sqrt, var: none is in torch.nn.functional).
FUNCTIONAL_BEFORE = {
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "cosine_similarity", "cross_entropy", "dropout", "dropout2d", "elu", "elu_", "embedding", "flatten", "gelu", "glu",
    "group_norm", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "huber_loss", "kl_div", "l1_loss",
    "layer_norm", "leaky_relu", "leaky_relu_", "linear", "log_softmax", "logsigmoid", "max_pool1d", "max_pool2d",
    "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "prelu", "relu", "relu6", "relu_", "selu",
    "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "softsign", "tanh",
}

LAYERS_BEFORE = {
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "CELU", "Conv1d", "Conv2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "ELU", "Embedding",
    "Flatten", "GELU", "GLU", "GRU", "GRUCell", "GroupNorm", "Hardsigmoid", "Hardswish", "Hardtanh", "HuberLoss",
    "Identity", "KLDivLoss", "L1Loss", "LSTM", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "LogSigmoid",
    "LogSoftmax", "MSELoss", "MaxPool1d", "MaxPool2d", "Mish", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "PReLU", "ParameterDict", "ParameterList", "RNN", "RNNBase", "RNNCell", "RNNCellBase", "ReLU", "ReLU6", "SELU",
    "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Softplus", "Softsign", "Tanh", "Unflatten",
    "register_module_forward_hook", "register_module_forward_pre_hook", "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
}
NN_BEFORE = LAYERS_BEFORE | {"ConvTranspose1d", "ConvTranspose2d", "Parameter", "F", "functional", "init", "modules",
                             "utils"}

# `torch.nn.modules.<file>` paths and the names PyTorch keeps in them (before: re-export files).
MODULE_FILES_BEFORE = {
    "activation": {"CELU", "ELU", "GELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
                   "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softmax", "Softplus",
                   "Softsign", "Tanh"},
    "batchnorm": {"BatchNorm1d", "BatchNorm2d"},
    "container": {"ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"},
    "conv": {"Conv1d", "Conv2d"},
    "dropout": {"Dropout", "Dropout2d"},
    "flatten": {"Flatten", "Unflatten"},
    "linear": {"Identity", "Linear"},
    "loss": {"BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss",
             "NLLLoss", "SmoothL1Loss"},
    "module": {"Module", "register_module_forward_hook", "register_module_forward_pre_hook",
               "register_module_full_backward_hook", "register_module_full_backward_pre_hook"},
    "normalization": {"GroupNorm", "LayerNorm"},
    "pooling": {"AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d"},
    "rnn": {"GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"},
    "sparse": {"Embedding"},
}

OPTIM_BEFORE = {"Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "Optimizer", "RAdam", "RMSprop",
                "SGD", "lr_scheduler"}


def test_functional_keeps_every_public_name() -> None:
    assert set(dir(F)) >= FUNCTIONAL_BEFORE
    assert set(F.__all__) >= FUNCTIONAL_BEFORE
    assert F.Tensor is cr.Tensor  # as torch.nn.functional.Tensor


def test_functional_all_is_exactly_its_public_functions() -> None:
    public = {n for n in dir(F) if not n.startswith("_")}
    submodules = {"activations", "affine", "attention", "convolution", "distance", "dropouts", "losses",
                  "normalization", "pooling", "shape", "sparse", "vision"}
    assert public - set(F.__all__) == submodules | {"Tensor"}
    assert len(F.__all__) == len(set(F.__all__))
    for name in F.__all__:
        assert callable(getattr(F, name)), name


@pytest.mark.parametrize("module", sorted(["activations", "affine", "attention", "convolution", "distance", "dropouts",
                                           "losses", "normalization", "pooling", "shape", "sparse", "vision"]))
def test_each_functional_file_lists_what_it_defines(module: str) -> None:
    mod = importlib.import_module(f"chainrule.nn.functional.{module}")
    assert set(mod.__all__) <= set(F.__all__)
    for name in mod.__all__:
        assert getattr(F, name) is getattr(mod, name)


def test_functional_is_used_as_pytorch_code_uses_it() -> None:
    import chainrule.nn.functional as F2
    from chainrule.nn import functional as F3

    assert F2 is F3 is cr.nn.functional is cr.nn.F
    x = cr.tensor([[-1.0, 2.0]], requires_grad=True)
    F2.cross_entropy(F2.relu(x), cr.tensor([1])).backward()
    assert x.grad is not None


def test_nn_keeps_every_public_name() -> None:
    assert set(dir(cr.nn)) >= NN_BEFORE
    assert NN_BEFORE - {"F", "functional", "init", "modules", "utils"} <= set(cr.nn.__all__)


@pytest.mark.parametrize("file", sorted(MODULE_FILES_BEFORE))
def test_torch_nn_modules_paths(file: str) -> None:
    mod = importlib.import_module(f"chainrule.nn.modules.{file}")
    assert MODULE_FILES_BEFORE[file] <= set(mod.__all__)
    for name in MODULE_FILES_BEFORE[file]:
        assert getattr(mod, name) is getattr(cr.nn, name) is getattr(cr.nn.modules, name)


def test_modules_all_covers_every_layer_once() -> None:
    assert set(cr.nn.modules.__all__) >= LAYERS_BEFORE
    assert len(cr.nn.modules.__all__) == len(set(cr.nn.modules.__all__))
    assert {"ConvTranspose1d", "ConvTranspose2d"} <= set(cr.nn.modules.conv.__all__)  # PyTorch keeps them there


def test_optim_keeps_every_public_name() -> None:
    assert set(dir(cr.optim)) >= OPTIM_BEFORE
    assert set(cr.optim.__all__) >= OPTIM_BEFORE
    for name, file in [("Adam", "adam"), ("AdamW", "adamw"), ("Adamax", "adamax"), ("NAdam", "nadam"),
                       ("RAdam", "radam"), ("Adadelta", "adadelta"), ("Adagrad", "adagrad"), ("RMSprop", "rmsprop"),
                       ("SGD", "sgd"), ("LBFGS", "lbfgs"), ("Optimizer", "optimizer")]:
        assert getattr(importlib.import_module(f"chainrule.optim.{file}"), name) is getattr(cr.optim, name)


@pytest.mark.parametrize("package", ["nn", "optim"])
def test_no_star_imports(package: str) -> None:
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert all(alias.name != "*" for alias in node.names), f"{path}: from {node.module} import *"


@pytest.mark.parametrize("path", ["optim", "serialization.py", "utils", "datasets.py"])
def test_layers_beside_nn_do_not_import_it(path: str) -> None:
    """optim, serialization and data sit beside nn in the layering (docs/architecture.md): no import of chainrule.nn,
    not even inside a function."""
    root = SRC / path
    for file in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "chainrule.nn" or n.startswith("chainrule.nn.") for n in names), \
                f"{file.relative_to(SRC)}:{node.lineno} imports {names}"
            if isinstance(node, ast.ImportFrom) and node.module == "chainrule":
                assert "nn" not in {a.name for a in node.names}, f"{file.relative_to(SRC)}:{node.lineno}"


def test_a_parameter_round_trips_through_save_and_load(tmp_path: Path) -> None:
    p = cr.nn.Parameter(cr.tensor([1.0, 2.0]))
    frozen = cr.nn.Parameter(cr.tensor([3.0]), requires_grad=False)
    cr.save({"p": p, "frozen": frozen, "t": p.detach()}, tmp_path / "ck.npz")
    back = cr.load(tmp_path / "ck.npz")
    assert type(back["p"]) is cr.nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is cr.nn.Parameter and not back["frozen"].requires_grad
    assert type(back["t"]) is cr.Tensor and not back["t"].requires_grad
    assert back["p"].tolist() == [1.0, 2.0]
