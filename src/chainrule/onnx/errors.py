"""The exceptions `cr.onnx.export` raises (PyTorch's names: `torch.onnx.errors`)."""

from __future__ import annotations


class OnnxExporterError(RuntimeError):
    """The model cannot be exported as it is (training mode, input-dependent constants, ...)."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op in the recorded graph has no ONNX translation; the message names it and its module path."""
