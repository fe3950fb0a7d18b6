"""`cr.onnx`: export a model to ONNX, so a model trained here runs in any ONNX runtime.

    import chainrule as cr
    model.eval()
    cr.onnx.export(model, example_input, "model.onnx")

The model runs once (twice, to find the dynamic batch dimension) on the example input with the eager engine,
and the recorded graph (`y.grad_fn`, each node's op, attributes and parents) is translated op by op into ONNX
nodes; module forward hooks name each ONNX node after the module that made it. See docs/onnx.md.

This package is light: the `onnx` package (`pip install chainrule[onnx]`) is imported when `export` is called,
not when chainrule is imported.
"""

from __future__ import annotations

from typing import Any

from chainrule.onnx.errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "export", "DEFAULT_OPSET"]

DEFAULT_OPSET = 17


def export(model: Any, args: Any, f: Any, *, input_names: list[str] | None = None,
           output_names: list[str] | None = None, dynamic_axes: dict | None = None,
           opset_version: int | None = None, export_params: bool = True, verbose: bool = False,
           do_constant_folding: bool = True, check: bool = True) -> Any:
    """Export `model` (a `cr.nn.Module` in eval mode, or a function of tensors) to the ONNX file `f`, tracing
    it on `args` (a tensor, or a tuple of tensors), as `torch.onnx.export`. Returns the `onnx.ModelProto`.

    f: a path (written atomically) or a binary file object.
    input_names, output_names: names of the graph's inputs and outputs (default "input", "output"; with several,
      "input_0", "input_1", ...).
    dynamic_axes: as PyTorch's, `{name: {axis: symbol}}` or `{name: [axes]}`. Default (None): the first axis of
      every input is dynamic ("batch"), and the outputs' axes that follow it; `{}` exports fixed shapes. All
      dynamic input axes share one size (one symbol).
    opset_version: the ONNX opset (13 to the installed onnx's newest; default 17).
    export_params: must be True (the weights are stored in the file). do_constant_folding: accepted; parts of
      the graph that do not depend on the input are always folded into constants.
    verbose: print the ONNX graph. check: run `onnx.checker.check_model` (full check) before writing.
    """
    from chainrule.onnx.exporter import export as _export

    return _export(model, args, f, input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes,
                   opset_version=DEFAULT_OPSET if opset_version is None else opset_version,
                   export_params=export_params, verbose=verbose, check=check)
