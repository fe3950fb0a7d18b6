"""cr.onnx.export on bad input: clear errors of the right type, naming the op and its module path."""

from __future__ import annotations

import io
from typing import Any

import pytest

import chainrule as cr
from chainrule import nn


@pytest.fixture(autouse=True)
def _onnx() -> None:
    try:
        import onnx  # noqa: F401
    except ImportError:
        pytest.skip("onnx is not installed (pip install 'chainrule[onnx]')")


def export(model: Any, x: Any, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    cr.onnx.export(model, x, buf, **kwargs)
    return buf.getvalue()


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: cr.Tensor) -> cr.Tensor:
        return cr.cumsum(self.fc(x), dim=1)


def test_an_unsupported_op_is_named_with_its_module_path() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), Block()))
    with pytest.raises(cr.onnx.UnsupportedOperatorError, match=r"'cumsum' \(CumsumBackward0\) in module '1\.1' "
                                                              r"\(Block\) has no ONNX translation"):
        export(model, cr.randn(2, 4))
    assert issubclass(cr.onnx.UnsupportedOperatorError, cr.onnx.OnnxExporterError)
    assert issubclass(cr.onnx.OnnxExporterError, RuntimeError)


def test_a_custom_function_is_unsupported() -> None:
    class Double(cr.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: cr.Tensor) -> cr.Tensor:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: cr.Tensor) -> cr.Tensor:
            return g * 2

    with pytest.raises(cr.onnx.UnsupportedOperatorError, match="no ONNX translation"):
        export(lambda x: Double.apply(x), cr.randn(2, 3))


@pytest.mark.parametrize("layer", [nn.BatchNorm1d(4), nn.Dropout(0.1)])
def test_training_mode_is_refused(layer: nn.Module) -> None:
    model = nn.Sequential(nn.Linear(4, 4), layer)
    with pytest.raises(cr.onnx.OnnxExporterError, match=rf"module '1' \({type(layer).__name__}\) is in training "
                                                         r"mode.*call model.eval\(\)"):
        export(model, cr.randn(2, 4))
    export(model.eval(), cr.randn(2, 4))


@pytest.mark.parametrize("bad", [[1.0, 2.0], 3.0, None, "x", (cr.randn(2, 3), 1)])
def test_non_tensor_input(bad: Any) -> None:
    with pytest.raises(TypeError, match="must be a chainrule Tensor"):
        export(nn.Linear(3, 2), bad)


def test_bad_arguments() -> None:
    model, x = nn.Linear(3, 2), cr.randn(2, 3)
    with pytest.raises(ValueError, match="opset_version must be between 13"):
        export(model, x, opset_version=7)
    with pytest.raises(ValueError, match="input_names must be 1 distinct"):
        export(model, x, input_names=["a", "b"])
    with pytest.raises(ValueError, match="neither an input"):
        export(model, x, dynamic_axes={"nope": [0]})
    with pytest.raises(TypeError, match="f must be a path or a binary file"):
        cr.onnx.export(model, x, 3)
    with pytest.raises(TypeError, match="model must be a cr.nn.Module"):
        export(3, x)
    with pytest.raises(NotImplementedError, match="export_params=False"):
        export(model, x, export_params=False)


def test_values_computed_outside_the_graph_are_refused() -> None:
    with pytest.raises(cr.onnx.OnnxExporterError, match="computed from the input outside the recorded graph"):
        export(lambda x: x * float(x.sum()), cr.randn(2, 3))
    with pytest.raises(cr.onnx.OnnxExporterError, match="'index'.*changes with the input"):
        export(lambda x: x[:, x.argmax(1)], cr.randn(2, 3))
    with pytest.raises(cr.onnx.OnnxExporterError, match="graph changes with the size"):
        export(lambda x: x * 2 if x.shape[0] < 3 else x.sum(), cr.randn(2, 3))


def test_output_must_depend_on_the_input() -> None:
    w = cr.randn(3)
    with pytest.raises(cr.onnx.OnnxExporterError, match="does not depend on its input"):
        export(lambda x: w * 2, cr.randn(2, 3))
    with pytest.raises(cr.onnx.OnnxExporterError, match="must return a tensor"):
        export(lambda x: {"y": x * 2}, cr.randn(2, 3))


def test_the_exporter_does_not_patch_the_core() -> None:
    """The architecture rule of tests/test_layering.py (no assignment to core classes, nodes or modules from
    above), applied to chainrule.onnx, which reads the graph through `grad_fn` and module forward hooks only."""

    import test_layering

    files = sorted((test_layering.SRC / "onnx").glob("*.py"))
    assert len(files) >= 4
    assert [p for f in files for p in test_layering._problems(f)] == []
