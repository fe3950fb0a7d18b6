"""`cr.onnx.export`: the recorded graph (see `chainrule.onnx.trace`) translated op by op into an ONNX model.

Imports the `onnx` package (absolute imports: `import onnx` here is the real package, not this one).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from chainrule import nn
from chainrule.creation import from_numpy
from chainrule.engine.tensor import Tensor
from chainrule.onnx.errors import OnnxExporterError, UnsupportedOperatorError
from chainrule.onnx.trace import CONST, INPUT, NODE, PARAM, Operand, Trace, Traced, read_graph, run
from chainrule.ops.conv import adaptive_matrix
from chainrule.serialization import atomic_write
from chainrule.version import __version__

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("cr.onnx.export needs the onnx package: pip install 'chainrule[onnx]'") from exc

MIN_OPSET = 13


# ----------------------------------------------------------------------------- arguments
def _check_model(model: Any) -> None:
    if not callable(model):
        raise TypeError(f"onnx.export: model must be a cr.nn.Module or a function of tensors, got "
                        f"{type(model).__name__}")
    if not isinstance(model, nn.Module):
        return
    modes = [nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout]
    modes += [getattr(nn, name) for name in ("BatchNorm3d", "Dropout1d", "Dropout3d", "AlphaDropout")
              if hasattr(nn, name)]
    for path, module in model.named_modules():
        if module.training and isinstance(module, tuple(modes)):
            does = "normalizes with the batch's statistics" if "Norm" in type(module).__name__ else \
                "drops units at random"
            raise OnnxExporterError(f"onnx.export: module '{path or '<model>'}' ({type(module).__name__}) is in "
                                    f"training mode, where it {does}; call model.eval() before exporting")


def _inputs(args: Any) -> list[Tensor]:
    items = list(args) if isinstance(args, tuple | list) else [args]
    if not items:
        raise TypeError("onnx.export: args must be a tensor or a tuple of tensors, got an empty tuple")
    for i, a in enumerate(items):
        if not isinstance(a, Tensor):
            where = "args" if not isinstance(args, tuple | list) else f"args[{i}]"
            raise TypeError(f"onnx.export: {where} must be a chainrule Tensor, got {type(a).__name__} (keyword "
                            f"arguments and non-tensor inputs are not supported)")
        if a.ndim == 0:
            raise ValueError(f"onnx.export: input {i} is a 0-d tensor; pass at least a 1-d tensor (a batch)")
    return items


def _names(given: list[str] | None, count: int, default: str, what: str) -> list[str]:
    if given is None:
        return [default] if count == 1 else [f"{default}_{i}" for i in range(count)]
    names = list(given)
    if len(names) != count or not all(isinstance(n, str) and n for n in names) or len(set(names)) != count:
        raise ValueError(f"onnx.export: {what} must be {count} distinct non-empty strings, got {given!r}")
    return names


def _dynamic(dynamic_axes: dict | None, in_names: list[str], out_names: list[str],
             inputs: list[Tensor]) -> tuple[dict[int, int], str | None, dict[str, dict[int, str]]]:
    """(input index -> its dynamic axis, the symbol, output name -> {axis: symbol} as asked)."""
    if dynamic_axes is None:
        return {i: 0 for i in range(len(inputs))}, "batch", {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"onnx.export: dynamic_axes must be a dict {{name: {{axis: symbol}}}}, got "
                        f"{type(dynamic_axes).__name__}")
    axes: dict[int, int] = {}
    symbols: set[str] = set()
    outs: dict[str, dict[int, str]] = {}
    for name, spec in dynamic_axes.items():
        if isinstance(spec, dict):
            pairs = {int(a): str(s) for a, s in spec.items()}
        elif isinstance(spec, list | tuple):
            pairs = {int(a): f"{name}_dynamic_axes_{int(a) + 1}" for a in spec}
        else:
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict or a list of axes, got {spec!r}")
        if name in out_names:
            outs[name] = pairs
            continue
        if name not in in_names:
            raise ValueError(f"onnx.export: dynamic_axes names {name!r}, which is neither an input "
                             f"({', '.join(in_names)}) nor an output ({', '.join(out_names)})")
        i = in_names.index(name)
        if len(pairs) > 1:
            raise NotImplementedError(f"onnx.export: input {name!r} has several dynamic axes {sorted(pairs)}; "
                                      f"one dynamic axis per input is supported")
        for a, s in pairs.items():
            if not -inputs[i].ndim <= a < inputs[i].ndim:
                raise ValueError(f"onnx.export: dynamic axis {a} of input {name!r} is out of range for its shape "
                                 f"{tuple(inputs[i].shape)}")
            axes[i] = a % inputs[i].ndim
            symbols.add(s)
    if len(symbols) > 1:
        raise NotImplementedError(f"onnx.export: the dynamic input axes have different symbols {sorted(symbols)}; "
                                  f"they must share one size (one symbol)")
    return axes, (symbols.pop() if symbols else None), outs


def _grown(x: Tensor, axis: int) -> Tensor:
    """The second run's input: one more entry along `axis`, shifted by one, floats slightly scaled."""
    data = np.asarray(x.array)
    grown = np.concatenate([data, np.take(data, [0], axis=axis)], axis=axis)
    grown = np.roll(grown, 1, axis=axis)
    if grown.dtype.kind == "f":
        rng = np.random.default_rng(0)
        grown = (grown * (1.0 + 1e-3 * rng.random(grown.shape))).astype(data.dtype)
    return from_numpy(np.ascontiguousarray(grown))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Operand) or isinstance(b, Operand):
        return isinstance(a, Operand) and isinstance(b, Operand) and a.kind == b.kind and a.index == b.index
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # noqa: BLE001 - incomparable values count as different
        return False


# attributes that may differ between the two runs: the exporter reads them from the shapes (reshape's target),
# or the engine keeps them for backward only (max pooling's argmax mask)
SIZED_ATTRS = {"reshape": {"shape"}, "max_pool2d": {"mask"}}


def _compare(first: Trace, second: Trace) -> None:
    """Fill each node's dynamic axes from the second run and check that nothing else changed."""
    if len(first.nodes) != len(second.nodes) or any(a.op != b.op for a, b in zip(first.nodes, second.nodes)):
        raise OnnxExporterError("onnx.export: the recorded graph changes with the size of the dynamic axis (the "
                                "model's forward takes another path for another batch size or other values); "
                                "export with fixed shapes (dynamic_axes={}) or make the forward the same for every "
                                "batch")
    for a, b in zip(first.nodes, second.nodes):
        a.shape2, a.attrs2 = b.shape, b.attrs
        if len(a.shape) != len(b.shape):
            raise OnnxExporterError(f"onnx.export: {a.where()} gives a result of another rank for another batch "
                                    f"size ({a.shape} and {b.shape})")
        a.dynamic = tuple(i for i, (s, t) in enumerate(zip(a.shape, b.shape)) if s != t)
        skip = SIZED_ATTRS.get(a.op, set())
        for key in a.attrs:
            if a.depends and key not in skip and not _same(a.attrs[key], b.attrs.get(key)):
                raise OnnxExporterError(
                    f"onnx.export: the argument {key!r} of {a.where()} changes with the input (it was computed from "
                    f"the input's values or size outside the recorded graph), so it cannot be stored as a constant")
        for oa, ob in zip(a.operands, b.operands):
            if oa.kind != ob.kind or (oa.kind in (NODE, INPUT) and oa.index != ob.index):
                raise OnnxExporterError(f"onnx.export: the operands of {a.where()} change with the batch size")
            if oa.kind == CONST and a.depends and not _same(oa.value, ob.value):
                raise OnnxExporterError(
                    f"onnx.export: an operand of {a.where()} was computed from the input outside the recorded "
                    f"graph (a comparison or other integer/boolean result, .item(), .numpy(), or an integer "
                    f"input used in arithmetic), so it would be frozen into the file as a constant; this cannot "
                    f"be exported")


# ----------------------------------------------------------------------------- the ONNX graph being built
class Graph:
    def __init__(self, opset: int, params: dict[int, str]) -> None:
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.used: set[str] = set()
        self.params = params
        self.param_values: dict[int, str] = {}
        self.counter = 0

    def unique(self, hint: str) -> str:
        name = hint
        k = 1
        while name in self.used:
            name = f"{hint}_{k}"
            k += 1
        self.used.add(name)
        return name

    def const(self, value: Any, hint: str = "const", dtype: Any = None) -> str:
        arr = np.asarray(value, dtype=dtype)
        if arr.dtype.kind not in "fiub":
            raise OnnxExporterError(f"onnx.export: cannot store a constant of dtype {arr.dtype}")
        name = self.unique(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def param(self, t: Tensor) -> str:
        key = id(t)
        if key not in self.param_values:
            self.param_values[key] = self.const(np.asarray(t.array), self.params.get(key, "param"))
        return self.param_values[key]

    def ints(self, values: Any, hint: str = "shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def add(self, op_type: str, inputs: list[str], prefix: str, n_out: int = 1, **attrs: Any) -> Any:
        self.counter += 1
        outputs = [self.unique(f"{prefix}/{op_type}_output_{i}" if n_out > 1 else f"{prefix}/{op_type}_output")
                   for i in range(n_out)]
        name = self.unique(f"{prefix}/{op_type}")
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))
        return outputs[0] if n_out == 1 else outputs

    def reduce(self, op_type: str, x: str, axes: tuple[int, ...], keepdims: bool, prefix: str) -> str:
        if self.opset >= 18 or op_type == "ReduceSum":
            return self.add(op_type, [x, self.ints(axes, "axes")], prefix, keepdims=int(keepdims))
        return self.add(op_type, [x], prefix, axes=list(axes), keepdims=int(keepdims))


# ----------------------------------------------------------------------------- op translations
class Ctx:
    """What a translation sees of one recorded op."""

    def __init__(self, g: Graph, t: Traced, ins: list[str | None], in_shapes: list[tuple | None],
                 in_dynamic: list[tuple[int, ...]], in_dtypes: list[Any], graph_inputs: list[str]) -> None:
        self.g, self.t, self.ins, self.in_shapes, self.in_dynamic = g, t, ins, in_shapes, in_dynamic
        self.operand_dtypes = in_dtypes  # per operand: its dtype, None for a missing one
        self.graph_inputs = graph_inputs  # the graph's input names (an embedding's indices are one)
        self.prefix = "/" + "/".join(p for p in ((t.path or "").replace(".", "/"), t.op) if p)
        self.attrs = t.attrs

    def add(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        return self.g.add(op_type, inputs, self.prefix, **attrs)

    def shape(self, i: int) -> tuple[int, ...]:
        shape = self.in_shapes[i]
        if shape is None:
            raise self.unsupported(f"operand {i} is missing")
        return shape

    def scalar(self, value: Any, hint: str = "scalar") -> str:
        return self.g.const(np.asarray(value, dtype=self.t.dtype), f"{self.prefix.strip('/').replace('/', '.')}."
                            f"{hint}")

    def unsupported(self, why: str) -> UnsupportedOperatorError:
        return UnsupportedOperatorError(f"onnx.export: {self.t.where()} cannot be exported: {why}")


def _input(ctx: Ctx, i: int) -> str:
    name = ctx.ins[i]
    if name is None:
        raise ctx.unsupported(f"operand {i} is missing")
    return name


def _unary(op_type: str, **fixed: Any) -> Any:
    def convert(ctx: Ctx) -> str:
        return ctx.add(op_type, [_input(ctx, 0)], **fixed)
    return convert


def _binary(op_type: str) -> Any:
    def convert(ctx: Ctx) -> str:
        return ctx.add(op_type, [_as_out_dtype(ctx, 0), _as_out_dtype(ctx, 1)])
    return convert


def _as_out_dtype(ctx: Ctx, i: int) -> str:
    """Operand i in the result's dtype (Python scalars come as constants already in it)."""
    name = _input(ctx, i)
    dt = ctx.operand_dtypes[i]
    if dt is not None and dt != ctx.t.dtype:
        return ctx.add("Cast", [name], to=helper.np_dtype_to_tensor_dtype(ctx.t.dtype))
    return name


def _linear(ctx: Ctx) -> str:
    x, w = _input(ctx, 0), _input(ctx, 1)
    b = ctx.ins[2] if len(ctx.ins) > 2 else None
    if len(ctx.shape(0)) == 2:
        return ctx.add("Gemm", [x, w] + ([b] if b else []), transB=1)
    y = ctx.add("MatMul", [x, ctx.add("Transpose", [w], perm=[1, 0])])
    return ctx.add("Add", [y, b]) if b else y


def _conv2d(ctx: Ctx) -> str:
    a = ctx.attrs
    ph, pw = a["padding"]
    ins = [_input(ctx, 0), _input(ctx, 1)] + ([ctx.ins[2]] if len(ctx.ins) > 2 and ctx.ins[2] else [])
    w = ctx.shape(1)
    extra: dict[str, Any] = {}
    if a.get("dilation", (1, 1)) != (1, 1):
        extra["dilations"] = list(a["dilation"])
    if a.get("groups", 1) != 1:
        extra["group"] = int(a["groups"])
    return ctx.add("Conv", ins, kernel_shape=list(w[2:]), strides=list(a["stride"]), pads=[ph, pw, ph, pw], **extra)


def _conv_transpose2d(ctx: Ctx) -> str:
    a = ctx.attrs
    ph, pw = a["padding"]
    ins = [_input(ctx, 0), _input(ctx, 1)] + ([ctx.ins[2]] if len(ctx.ins) > 2 and ctx.ins[2] else [])
    w = ctx.shape(1)
    return ctx.add("ConvTranspose", ins, kernel_shape=list(w[2:]), strides=list(a["stride"]), pads=[ph, pw, ph, pw],
                   output_padding=list(a["output_padding"]), dilations=list(a["dilation"]), group=int(a["groups"]))


def _pool(op_type: str, **fixed: Any) -> Any:
    def convert(ctx: Ctx) -> str:
        a = ctx.attrs
        ph, pw = a["padding"]
        return ctx.add(op_type, [_input(ctx, 0)], kernel_shape=list(a["kernel"]), strides=list(a["stride"]),
                       pads=[ph, pw, ph, pw], **fixed)
    return convert


def _reshape(ctx: Ctx) -> str:
    t = ctx.t
    target = [s if i not in t.dynamic else -1 for i, s in enumerate(t.shape)]
    if len(t.dynamic) > 1:
        raise ctx.unsupported(f"the dynamic axis ends up in several axes of the result {t.shape}")
    if any(s == 0 for s in target):
        raise ctx.unsupported(f"a reshape to an empty shape {t.shape}")
    return ctx.add("Reshape", [_input(ctx, 0), ctx.g.ints(target, ctx.prefix.strip("/").replace("/", ".") + ".shape")])


def _softmax(op_type: str) -> Any:
    def convert(ctx: Ctx) -> str:
        return ctx.add(op_type, [_input(ctx, 0)], axis=int(ctx.attrs["dim"]))
    return convert


def _gelu(ctx: Ctx) -> str:
    x = _input(ctx, 0)
    approximate = ctx.attrs.get("approximate", "none")
    if ctx.g.opset >= 20:
        return ctx.add("Gelu", [x], approximate=approximate)
    half = ctx.scalar(0.5, "half")
    if approximate == "tanh":
        cube = ctx.add("Mul", [ctx.add("Mul", [x, x]), x])
        inner = ctx.add("Add", [x, ctx.add("Mul", [cube, ctx.scalar(0.044715, "coef")])])
        t = ctx.add("Tanh", [ctx.add("Mul", [inner, ctx.scalar(np.sqrt(2.0 / np.pi), "sqrt_2_over_pi")])])
    else:
        t = ctx.add("Erf", [ctx.add("Div", [x, ctx.scalar(np.sqrt(2.0), "sqrt2")])])
    return ctx.add("Mul", [ctx.add("Mul", [x, half]), ctx.add("Add", [t, ctx.scalar(1.0, "one")])])


def _silu(ctx: Ctx) -> str:
    x = _input(ctx, 0)
    return ctx.add("Mul", [x, ctx.add("Sigmoid", [x])])


def _softplus(ctx: Ctx) -> str:
    x = _input(ctx, 0)
    beta, threshold = float(ctx.attrs.get("beta", 1.0)), float(ctx.attrs.get("threshold", 20.0))
    bx = x if beta == 1.0 else ctx.add("Mul", [x, ctx.scalar(beta, "beta")])
    soft = ctx.add("Softplus", [bx])
    if beta != 1.0:
        soft = ctx.add("Div", [soft, ctx.scalar(beta, "beta")])
    return ctx.add("Where", [ctx.add("Greater", [bx, ctx.scalar(threshold, "threshold")]), x, soft])


def _clip(lo_key: str, hi_key: str) -> Any:
    def convert(ctx: Ctx) -> str:
        lo, hi = ctx.attrs.get(lo_key), ctx.attrs.get(hi_key)
        for v in (lo, hi):
            if v is not None and not isinstance(v, int | float | np.number):
                raise ctx.unsupported("tensor bounds (only number bounds)")
        ins = [_input(ctx, 0), "" if lo is None else ctx.scalar(lo, "min"), "" if hi is None else ctx.scalar(hi, "max")]
        while ins[-1] == "":
            ins.pop()
        return ctx.add("Clip", ins)
    return convert


def _leaky_relu(ctx: Ctx) -> str:
    return ctx.add("LeakyRelu", [_input(ctx, 0)], alpha=float(ctx.attrs["negative_slope"]))


def _elu(ctx: Ctx) -> str:
    return ctx.add("Elu", [_input(ctx, 0)], alpha=float(ctx.attrs["alpha"]))


def _rsqrt(ctx: Ctx) -> str:
    return ctx.add("Reciprocal", [ctx.add("Sqrt", [_input(ctx, 0)])])


def _square(ctx: Ctx) -> str:
    x = _input(ctx, 0)
    return ctx.add("Mul", [x, x])


def _dims(ctx: Ctx) -> tuple[int, ...]:
    dims = ctx.attrs.get("dims")
    rank = len(ctx.shape(0))
    if dims is None:
        return tuple(range(rank))
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return tuple(d % rank for d in dims) if rank else ()


def _reduction(op_type: str) -> Any:
    def convert(ctx: Ctx) -> str:
        x = _input(ctx, 0)
        dims = _dims(ctx)
        if not dims:
            return ctx.add("Identity", [x])
        return ctx.g.reduce(op_type, x, dims, bool(ctx.attrs.get("keepdim", False)), ctx.prefix)
    return convert


def _var(ctx: Ctx, std: bool = False) -> str:
    x = _input(ctx, 0)
    dims = _dims(ctx)
    keep = bool(ctx.attrs.get("keepdim", False))
    correction = float(ctx.attrs.get("correction", 1.0))
    mean = ctx.g.reduce("ReduceMean", x, dims, True, ctx.prefix)
    d = ctx.add("Sub", [x, mean])
    v = ctx.g.reduce("ReduceMean", ctx.add("Mul", [d, d]), dims, keep, ctx.prefix)
    if correction:
        if any(a in ctx.in_dynamic[0] for a in dims):
            raise ctx.unsupported("a variance with correction over the dynamic axis")
        n = int(np.prod([ctx.shape(0)[a] for a in dims]))
        v = ctx.add("Mul", [v, ctx.scalar(n / max(n - correction, 0.0) if n > correction else np.inf, "correction")])
    return ctx.add("Sqrt", [v]) if std else v


def _permute(ctx: Ctx) -> str:
    return ctx.add("Transpose", [_input(ctx, 0)], perm=[int(d) for d in ctx.attrs["dims"]])


def _cat(ctx: Ctx) -> str:
    rank = len(ctx.t.shape)
    return ctx.add("Concat", [_as_out_dtype(ctx, i) for i in range(len(ctx.ins))], axis=int(ctx.attrs["dim"]) % rank)


def _stack(ctx: Ctx) -> str:
    rank = len(ctx.t.shape)
    axis = int(ctx.attrs["dim"]) % rank
    parts = [ctx.add("Unsqueeze", [_as_out_dtype(ctx, i), ctx.g.ints([axis], "axes")]) for i in range(len(ctx.ins))]
    return ctx.add("Concat", parts, axis=axis)


def _cast(ctx: Ctx) -> str:
    return ctx.add("Cast", [_input(ctx, 0)], to=helper.np_dtype_to_tensor_dtype(ctx.t.dtype))


def _where(ctx: Ctx) -> str:
    cond = _input(ctx, 0)
    if ctx.operand_dtypes[0] != np.bool_:
        cond = ctx.add("Cast", [cond], to=TensorProto.BOOL)
    return ctx.add("Where", [cond, _as_out_dtype(ctx, 1), _as_out_dtype(ctx, 2)])


def _pad(ctx: Ctx) -> str:
    widths = [(int(lo), int(hi)) for lo, hi in ctx.attrs["widths"]]
    pads = [lo for lo, _ in widths] + [hi for _, hi in widths]
    return ctx.add("Pad", [_input(ctx, 0), ctx.g.ints(pads, "pads"), ctx.scalar(ctx.attrs.get("value", 0.0), "value")],
                   mode="constant")


def _index(ctx: Ctx) -> str:
    index = ctx.attrs["index"]
    index = index if isinstance(index, tuple) else (index,)
    x = _input(ctx, 0)
    shape = ctx.shape(0)
    dynamic = ctx.in_dynamic[0]
    if any(isinstance(i, Operand | np.ndarray | list) for i in index):
        if len(index) != 1:
            raise ctx.unsupported("advanced indexing with more than one index array")
        i = index[0]
        if isinstance(i, Operand):
            indices = ctx.graph_inputs[i.index]
        else:
            arr = np.asarray(i)
            if arr.dtype.kind not in "iu":
                raise ctx.unsupported("indexing with a boolean mask")
            indices = ctx.g.const(arr.astype(np.int64), ctx.prefix.strip("/").replace("/", ".") + ".indices")
        return ctx.add("Gather", [x, indices], axis=0)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise ctx.unsupported("more than one Ellipsis")
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    expanded: list[Any] = []
    for i in index:
        if i is Ellipsis:
            expanded += [slice(None)] * (len(shape) - consumed)
        else:
            expanded.append(i)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = 0
    out_axis = 0
    for i in expanded:
        if i is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(i, int | np.integer):
            if axis in dynamic:
                raise ctx.unsupported("an integer index along the dynamic axis")
            k = int(i) % shape[axis]
            starts.append(k)
            ends.append(k + 1)
            axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        elif isinstance(i, slice):
            if i != slice(None):
                if axis in dynamic and (i.start is not None and i.start < 0 or i.stop is not None):
                    raise ctx.unsupported("a slice along the dynamic axis that depends on its size")
                step = 1 if i.step is None else int(i.step)
                if step <= 0:
                    raise ctx.unsupported("a slice with a non-positive step")
                starts.append(0 if i.start is None else int(i.start))
                ends.append(np.iinfo(np.int64).max if i.stop is None else int(i.stop))
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:
            raise ctx.unsupported(f"the index {i!r}")
        axis += 1
    y = x
    if axes:
        y = ctx.add("Slice", [y, ctx.g.ints(starts, "starts"), ctx.g.ints(ends, "ends"), ctx.g.ints(axes, "axes"),
                              ctx.g.ints(steps, "steps")])
    if squeeze:
        y = ctx.add("Squeeze", [y, ctx.g.ints(squeeze, "axes")])
    if unsqueeze:
        y = ctx.add("Unsqueeze", [y, ctx.g.ints(unsqueeze, "axes")])
    if y == x:
        y = ctx.add("Identity", [x])
    return y


def _matmul(ctx: Ctx) -> str:
    return ctx.add("MatMul", [_as_out_dtype(ctx, 0), _as_out_dtype(ctx, 1)])


def _adaptive_avg_pool(ctx: Ctx) -> str:
    """Adaptive average pooling as chainrule computes it, A_h @ x @ A_w^T with the constant averaging matrices
    (any output size, including windows that overlap or differ in size)."""
    sizes, in_sizes = ctx.attrs["sizes"], ctx.attrs["in_sizes"]
    name = ctx.prefix.strip("/").replace("/", ".")
    y = _input(ctx, 0)
    if len(sizes) == 2:
        rows = np.array(adaptive_matrix(in_sizes[0], sizes[0], ctx.t.dtype))
        y = ctx.add("MatMul", [ctx.g.const(rows, name + ".rows"), y])
    cols = np.array(adaptive_matrix(in_sizes[-1], sizes[-1], ctx.t.dtype, transposed=True))
    return ctx.add("MatMul", [y, ctx.g.const(cols, name + ".cols")])


def _hardswish(ctx: Ctx) -> str:
    x = _input(ctx, 0)
    if ctx.g.opset >= 14:
        return ctx.add("HardSwish", [x])
    return ctx.add("Mul", [x, ctx.add("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)])


def _prelu(ctx: Ctx) -> str:
    x, w = _input(ctx, 0), _input(ctx, 1)
    rank, n = len(ctx.shape(0)), int(np.prod(ctx.shape(1)))
    shape = [n] + [1] * (rank - 2) if n != 1 and rank > 2 else [n]
    slope = ctx.add("Reshape", [w, ctx.g.ints(shape, "prelu_shape")])
    return ctx.add("PRelu", [x, slope])


CONVERTERS: dict[str, Any] = {
    "prelu": _prelu,
    "linear": _linear, "matmul": _matmul, "conv2d": _conv2d, "conv_transpose2d": _conv_transpose2d,
    "adaptive_avg_pool": _adaptive_avg_pool,
    "max_pool2d": _pool("MaxPool"), "avg_pool2d": _pool("AveragePool", count_include_pad=1),
    "reshape": _reshape, "permute": _permute, "cat": _cat, "stack": _stack, "index": _index,
    "clone": _unary("Identity"), "to_copy": _cast, "constant_pad_nd": _pad, "where": _where,
    "add": _binary("Add"), "sub": _binary("Sub"), "mul": _binary("Mul"), "div": _binary("Div"),
    "pow": _binary("Pow"), "maximum": _binary("Max"), "minimum": _binary("Min"),
    "relu": _unary("Relu"), "sigmoid": _unary("Sigmoid"), "tanh": _unary("Tanh"), "leaky_relu": _leaky_relu,
    "elu": _elu, "gelu": _gelu, "silu": _silu, "softplus": _softplus, "hardswish": _hardswish,
    "clamp": _clip("min", "max"), "hardtanh": _clip("min_val", "max_val"),
    "softmax": _softmax("Softmax"), "log_softmax": _softmax("LogSoftmax"),
    "neg": _unary("Neg"), "exp": _unary("Exp"), "log": _unary("Log"), "sqrt": _unary("Sqrt"), "rsqrt": _rsqrt,
    "abs": _unary("Abs"), "sin": _unary("Sin"), "cos": _unary("Cos"), "erf": _unary("Erf"),
    "reciprocal": _unary("Reciprocal"), "square": _square, "floor": _unary("Floor"), "ceil": _unary("Ceil"),
    "sign": _unary("Sign"), "sum": _reduction("ReduceSum"), "mean": _reduction("ReduceMean"),
    "amax": _reduction("ReduceMax"), "amin": _reduction("ReduceMin"), "var": _var,
    "std": lambda ctx: _var(ctx, std=True),
}


# ----------------------------------------------------------------------------- export
def _param_names(model: Any) -> dict[int, str]:
    names: dict[int, str] = {}
    if isinstance(model, nn.Module):
        for name, t in model.named_buffers():
            names.setdefault(id(t), name)
        for name, t in model.named_parameters():
            names.setdefault(id(t), name)
    return names


def _value_info(name: str, dtype: np.dtype, shape: tuple[int, ...], dynamic: dict[int, str]) -> Any:
    dims = [dynamic.get(i, s) for i, s in enumerate(shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(dtype), dims)


def export(model: Any, args: Any, f: Any, *, input_names: list[str] | None, output_names: list[str] | None,
           dynamic_axes: dict | None, opset_version: int, export_params: bool, verbose: bool,
           check: bool) -> Any:
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(f"onnx.export: opset_version must be between {MIN_OPSET} and {newest} (the installed "
                         f"onnx's newest), got {opset_version!r}")
    if not export_params:
        raise NotImplementedError("onnx.export: export_params=False is not supported (the weights are always stored)")
    if not (isinstance(f, str | os.PathLike) or hasattr(f, "write")):
        raise TypeError(f"onnx.export: f must be a path or a binary file object, got {type(f).__name__}")
    _check_model(model)
    inputs = _inputs(args)
    params = _param_names(model)

    result, tagged, copies = run(model, inputs)
    first = read_graph(result, tagged, copies, params)
    for t in first.nodes:
        if t.depends and t.op not in CONVERTERS:
            what = "is a custom autograd.Function, which" if t.node.ctx is not None else "has"
            raise UnsupportedOperatorError(f"onnx.export: {t.where()} {what} no ONNX translation; supported ops: "
                                           f"{', '.join(sorted(CONVERTERS))}")
    n_out = len(first.outputs)
    in_names = _names(input_names, len(inputs), "input", "input_names")
    out_names = _names(output_names, n_out, "output", "output_names")
    if set(in_names) & set(out_names):
        raise ValueError(f"onnx.export: input and output names must differ, got {in_names} and {out_names}")
    axes, symbol, out_axes = _dynamic(dynamic_axes, in_names, out_names, inputs)
    if axes:
        grown = [_grown(x, axes[i]) if i in axes else x for i, x in enumerate(inputs)]
        result2, tagged2, copies2 = run(model, grown)
        second = read_graph(result2, tagged2, copies2, params)
        _compare(first, second)
    else:
        for t in first.nodes:
            t.shape2 = t.shape

    g = Graph(opset_version, params)
    for name in in_names + out_names:
        g.used.add(name)
    in_dynamic = [((axes[i],) if i in axes else ()) for i in range(len(inputs))]
    values: list[str] = []
    for t in first.nodes:
        if not t.depends:  # folded: the value is a constant of the model
            hint = next((params[id(o.value)] for o in t.operands if o.kind == PARAM and id(o.value) in params),
                        "const")
            values.append(g.const(np.asarray(t.node.out), f"{hint}.{t.op}" if hint != "const" else "const"))
            continue
        ins, shapes, dyn, dtypes = _operands(t, first, values, g, in_names, inputs, in_dynamic)
        values.append(CONVERTERS[t.op](Ctx(g, t, ins, shapes, dyn, dtypes, in_names)))

    graph_outputs = _graph_outputs(first, values, g, in_names, out_names, inputs, in_dynamic, out_axes, symbol)
    graph_inputs = [_value_info(name, np.asarray(x.array).dtype, tuple(x.shape),
                                {axes[i]: symbol or "batch"} if i in axes else {})
                    for i, (name, x) in enumerate(zip(in_names, inputs))]
    graph = helper.make_graph(g.nodes, type(model).__name__ if isinstance(model, nn.Module) else "main",
                              graph_inputs, graph_outputs, g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset_version)],
                              producer_name="chainrule", producer_version=__version__)
    proto.ir_version = min(proto.ir_version, _max_ir(opset_version))
    if check:
        onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if isinstance(f, str | os.PathLike):
        atomic_write(f, lambda fh: fh.write(data))
    else:
        f.write(data)
    return proto


def _operands(t: Traced, first: Trace, values: list[str], g: Graph, in_names: list[str], inputs: list[Tensor],
              in_dynamic: list[tuple[int, ...]]) -> tuple[list, list, list, list]:
    """A recorded op's operands as ONNX values: per operand its value name, shape, dynamic axes and dtype
    (None, None, (), None for an operand that is not a tensor)."""
    ins: list[str | None] = []
    shapes: list[tuple | None] = []
    dyn: list[tuple[int, ...]] = []
    dtypes: list[Any] = []
    for o in t.operands:
        if o.kind == NODE:
            ins.append(values[o.index])
            shapes.append(first.nodes[o.index].shape)
            dyn.append(first.nodes[o.index].dynamic)
            dtypes.append(first.nodes[o.index].dtype)
        elif o.kind == INPUT:
            ins.append(in_names[o.index])
            shapes.append(tuple(inputs[o.index].shape))
            dyn.append(in_dynamic[o.index])
            dtypes.append(np.asarray(inputs[o.index].array).dtype)
        elif o.kind == PARAM:
            ins.append(g.param(o.value))
            shapes.append(tuple(o.value.shape))
            dyn.append(())
            dtypes.append(np.asarray(o.value.array).dtype)
        elif o.kind == CONST:
            value = o.value
            if isinstance(value, bool | int | float | np.number) and not isinstance(value, np.ndarray):
                arr = np.asarray(value, dtype=t.dtype)  # a Python number takes the tensor's dtype
            else:
                arr = np.asarray(value)
            ins.append(g.const(arr, f"{(t.path or '').strip('.') + '.' if t.path else ''}{t.op}.const"))
            shapes.append(arr.shape)
            dyn.append(())
            dtypes.append(arr.dtype)
        else:
            ins.append(None)
            shapes.append(None)
            dyn.append(())
            dtypes.append(None)
    return ins, shapes, dyn, dtypes


def _graph_outputs(first: Trace, values: list[str], g: Graph, in_names: list[str], out_names: list[str],
                   inputs: list[Tensor], in_dynamic: list[tuple[int, ...]], out_axes: dict, symbol: str | None) -> list:
    """The graph's outputs (an Identity node per output, under its name) with their shapes and dynamic axes."""
    graph_outputs = []
    for k, o in enumerate(first.outputs):
        source = values[o.index] if o.kind == NODE else in_names[o.index]
        g.nodes.append(helper.make_node("Identity", [source], [out_names[k]], name=g.unique(f"/{out_names[k]}")))
        if o.kind == NODE:
            t = first.nodes[o.index]
            shape, dtype, dyn_axes = t.shape, t.dtype, t.dynamic
        else:
            shape, dtype, dyn_axes = tuple(inputs[o.index].shape), np.asarray(inputs[o.index].array).dtype, \
                in_dynamic[o.index]
        wanted = out_axes.get(out_names[k], {})
        dims: dict[int, str] = {a: wanted.get(a, symbol or "batch") for a in dyn_axes}
        for a, s in wanted.items():
            if a % max(len(shape), 1) not in dyn_axes:
                raise ValueError(f"onnx.export: dynamic_axes asks for axis {a} of output {out_names[k]!r} to be "
                                 f"dynamic, but its size does not follow the dynamic input axis (shape {shape})")
            dims[a % len(shape)] = s
        graph_outputs.append(_value_info(out_names[k], dtype, shape, dims))
    return graph_outputs


def _max_ir(opset: int) -> int:
    """The IR version that goes with an opset (runtimes reject files newer than they know)."""
    table = [(21, 10), (19, 9), (15, 8), (9, 7)]  # opset >= k -> IR version
    for k, ir in table:
        if opset >= k:
            return ir
    return 7


__all__ = ["export", "CONVERTERS"]
