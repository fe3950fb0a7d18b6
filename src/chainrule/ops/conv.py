"""Ops for convolutional layers: `conv2d` (im2col + matmul), `max_pool2d`, `avg_pool2d`, and the
unfold/fold pair they are built on.

Each is one op with a forward, a VJP written against `xp` (so `create_graph=True` works and the
gradients are themselves differentiable) and a formula for explanations. Where a VJP needs
im2col/col2im on tensors it calls the differentiable `unfold`/`fold` ops defined here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from chainrule.engine.tensor import Tensor
from chainrule.ops.registry import apply, defop

Pair = tuple[int, int]


# ----------------------------------------------------------------------------- im2col / col2im on arrays
def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def windows(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, fill: float = 0.0,
            dilation: Pair = (1, 1)) -> np.ndarray:
    """A strided view (N, C, kh, kw, oh, ow) of every kernel window of x (N, C, H, W); with a dilation the
    window's taps are `dilation` apart."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    view = sliding_window_view(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))[:, :, ::sh, ::sw]
    if dh != 1 or dw != 1:
        view = view[..., ::dh, ::dw]
    return view.transpose(0, 1, 4, 5, 2, 3)  # (N, C, oh, ow, kh, kw) -> (N, C, kh, kw, oh, ow)


def np_unfold(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
              grid: Pair | None = None) -> np.ndarray:
    """im2col: (N, C, H, W) -> (N, C*kh*kw, oh*ow), as `torch.nn.functional.unfold`; `grid` keeps only the
    first (oh, ow) windows (the adjoint of a fold onto a grid that does not reach the input's end)."""
    w = windows(x, kernel, stride, padding, dilation=dilation)
    if grid is not None:
        w = w[..., :grid[0], :grid[1]]
    n, c, kh, kw, oh, ow = w.shape
    return w.reshape(n, c * kh * kw, oh * ow)


def np_fold(cols: np.ndarray, size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
            grid: Pair | None = None) -> np.ndarray:
    """col2im, the adjoint of `np_unfold`: overlapping window entries are summed back into (N, C, H, W).
    `grid` is the (oh, ow) of the windows in `cols` when it is not the number that fits in `size` (a
    transposed convolution's output_padding adds rows and columns no window starts in)."""
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = size, kernel, stride, padding, dilation
    if grid is None:
        oh, ow = out_size(h, dh * (kh - 1) + 1, sh, ph), out_size(w, dw * (kw - 1) + 1, sw, pw)
    else:
        oh, ow = grid
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    out = np.zeros((n, c, full_h, full_w), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + sh * oh:sh, j * dw:j * dw + sw * ow:sw] += blocks[:, :, i, j]
    if ph or pw or full_h != h or full_w != w:
        return out[:, :, ph:ph + h, pw:pw + w]
    return out


# ----------------------------------------------------------------------------- unfold / fold ops
UNFOLD = defop(
    "unfold", lambda x, kernel, stride, padding, dilation=(1, 1), grid=None: np_unfold(x, kernel, stride, padding,
                                                                                        dilation, grid), "x",
    vjp=lambda xp, g, out, x, kernel, stride, padding, dilation=(1, 1), grid=None: (
        fold_(xp, g, x.shape[2:], kernel, stride, padding, dilation, grid),),
    formulas=("1 from each window position back to its pixel (col2im, summed over overlaps)",),
    saves="nothing", backward_name="Im2ColBackward0",
)
FOLD = defop(
    "fold", lambda g, size, kernel, stride, padding, dilation=(1, 1), grid=None: np_fold(g, size, kernel, stride,
                                                                                         padding, dilation, grid),
    "cols",
    vjp=lambda xp, g, out, cols, size, kernel, stride, padding, dilation=(1, 1), grid=None: (
        unfold_(xp, g, kernel, stride, padding, dilation, grid),),
    formulas=("each pixel's gradient copied to every window containing it (im2col)",),
    saves="nothing", backward_name="Col2ImBackward0",
)


def _extra(dilation: Pair, grid: Pair | None) -> dict:
    """The optional attributes of unfold/fold, only when they differ from plain convolution's."""
    extra: dict = {}
    if tuple(dilation) != (1, 1):
        extra["dilation"] = tuple(dilation)
    if grid is not None:
        extra["grid"] = (int(grid[0]), int(grid[1]))
    return extra


def unfold_(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
            grid: Pair | None = None) -> Any:
    if xp.is_tensor:
        return apply(UNFOLD, (x,), {"kernel": kernel, "stride": stride, "padding": padding,
                                    **_extra(dilation, grid)})
    return np_unfold(x, kernel, stride, padding, dilation, grid)


def fold_(xp: Any, cols: Any, size: tuple, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),
          grid: Pair | None = None) -> Any:
    size = (int(size[0]), int(size[1]))
    if xp.is_tensor:
        return apply(FOLD, (cols,), {"size": size, "kernel": kernel, "stride": stride, "padding": padding,
                                     **_extra(dilation, grid)})
    return np_fold(cols, size, kernel, stride, padding, dilation, grid)


def unfold(input: Tensor, kernel_size: Pair, stride: Pair = (1, 1), padding: Pair = (0, 0)) -> Tensor:
    return apply(UNFOLD, (input,), {"kernel": kernel_size, "stride": stride, "padding": padding})


# ----------------------------------------------------------------------------- conv2d
def _conv2d_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, input_grad: bool = True,
                    dilation: Pair = (1, 1), groups: int = 1) -> Any:
    """im2col, then one matrix product per group: W (O, C/g*kh*kw) @ cols (C*kh*kw, L), the channels of cols
    split into `groups` blocks, each seen only by its block of O/g filters."""
    o, _, kh, kw = w.shape
    cols = np_unfold(x, (kh, kw), stride, padding, dilation)  # (N, C*kh*kw, L)
    if groups == 1:
        out = np.matmul(w.reshape(o, -1), cols)  # (N, O, L)
    else:
        n, _, length = cols.shape
        out = np.matmul(w.reshape(groups, o // groups, -1), cols.reshape(n, groups, -1, length)).reshape(n, o, length)
    if b is not None:
        out += b.reshape(1, o, 1)
    oh = out_size(x.shape[2], dilation[0] * (kh - 1) + 1, stride[0], padding[0])
    return out.reshape(x.shape[0], o, oh, -1)


def _conv2d_vjp(xp: Any, g: Any, out: Any, x: Any, w: Any, b: Any, stride: Pair, padding: Pair,
                input_grad: bool = True, dilation: Pair = (1, 1), groups: int = 1) -> tuple:
    o, c, kh, kw = w.shape  # c: input channels per group
    n = x.shape[0]
    g3 = xp.reshape(g, (n, o, -1))  # (N, O, L)
    cols = unfold_(xp, x, (kh, kw), stride, padding, dilation)  # recomputed rather than kept alive between passes
    gx = None
    if groups == 1:
        w2 = xp.reshape(w, (o, c * kh * kw))
        gw = xp.reshape(xp.sum(xp.matmul(g3, xp.swapaxes(cols, 1, 2)), axis=0), w.shape)
        if input_grad:  # skipped for a first layer fed with data
            gx = fold_(xp, xp.matmul(xp.swapaxes(w2, 0, 1), g3), x.shape[2:], (kh, kw), stride, padding, dilation)
    else:  # the same per group: (N, g, O/g, L) against (N, g, C/g*kh*kw, L)
        length = g3.shape[2]
        g4 = xp.reshape(g3, (n, groups, o // groups, length))
        cols4 = xp.reshape(cols, (n, groups, c * kh * kw, length))
        gw = xp.reshape(xp.sum(xp.matmul(g4, xp.swapaxes(cols4, 2, 3)), axis=0), w.shape)
        if input_grad:
            w3 = xp.reshape(w, (groups, o // groups, c * kh * kw))
            gcols = xp.reshape(xp.matmul(xp.swapaxes(w3, 1, 2), g4), (n, groups * c * kh * kw, length))
            gx = fold_(xp, gcols, x.shape[2:], (kh, kw), stride, padding, dilation)
    gb = None if b is None else xp.sum(g3, axis=(0, 2))
    return gx, gw, gb


CONV2D = defop("conv2d", _conv2d_forward, "x weight bias", vjp=_conv2d_vjp,
               formulas=("col2im(W^T @ G)", "sum over the batch of G @ im2col(x)^T", "sum of G over batch and pixels"),
               backward_name="ConvolutionBackward0")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Pair, padding: Pair,
           dilation: Pair = (1, 1), groups: int = 1) -> Tensor:
    """Convolution of (N, C, H, W) with weight (O, C/groups, kh, kw); arguments checked by
    `nn.functional.conv2d`. dilation and groups are attributes only where they are not 1 (the node of a plain
    convolution reads as before, and the ONNX exporter maps both)."""
    attrs: dict = {"stride": stride, "padding": padding, "input_grad": input.requires_grad}
    if tuple(dilation) != (1, 1):
        attrs["dilation"] = tuple(dilation)
    if groups != 1:
        attrs["groups"] = int(groups)
    return apply(CONV2D, (input, weight, bias), attrs)


# ----------------------------------------------------------------------------- pooling
def _pool_shape(x: Any, kernel: Pair, stride: Pair, padding: Pair) -> tuple[int, int]:
    h = out_size(x.shape[2], kernel[0], stride[0], padding[0])
    return h, out_size(x.shape[3], kernel[1], stride[1], padding[1])


def max_pool_mask(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """One-hot (N, C*kh*kw, L) marking each window's maximum (the first one on ties, as PyTorch)."""
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, k, -1)
    arg = np.argmax(cols, axis=2)
    mask = np.arange(k).reshape(1, 1, k, 1) == arg[:, :, None, :]
    return mask.reshape(n, c * k, -1)


def _max_pool_forward(x: Any, kernel: Pair, stride: Pair, padding: Pair, mask: np.ndarray) -> Any:
    n, c = x.shape[:2]
    cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, kernel[0] * kernel[1], -1)
    return np.max(cols, axis=2).reshape((n, c) + _pool_shape(x, kernel, stride, padding))


def _max_pool_vjp(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair,
                  mask: np.ndarray) -> tuple:
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    spread = xp.reshape(g, (n, c, 1, -1)) * mask.reshape(n, c, k, -1).astype(x.dtype if not xp.is_tensor
                                                                              else x.array.dtype)
    return (fold_(xp, xp.reshape(spread, (n, c * k, -1)), x.shape[2:], kernel, stride, padding),)


MAX_POOL2D = defop("max_pool2d", _max_pool_forward, "x", vjp=_max_pool_vjp,
                   formulas=("1 at each window's maximum, else 0",), saves="nothing",
                   backward_name="MaxPool2DWithIndicesBackward0")


def max_pool2d(input: Tensor, kernel: Pair, stride: Pair, padding: Pair) -> Tensor:
    mask = max_pool_mask(input.array, kernel, stride, padding)
    return apply(MAX_POOL2D, (input,), {"kernel": kernel, "stride": stride, "padding": padding, "mask": mask})


def _avg_pool_forward(x: Any, kernel: Pair, stride: Pair, padding: Pair) -> Any:
    return windows(x, kernel, stride, padding).mean(axis=(2, 3)).astype(x.dtype, copy=False)


def _avg_pool_vjp(xp: Any, g: Any, out: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair) -> tuple:
    n, c = x.shape[:2]
    k = kernel[0] * kernel[1]
    spread = xp.broadcast_to(xp.reshape(g, (n, c, 1, -1)) / k, (n, c, k, g.shape[2] * g.shape[3]))
    return (fold_(xp, xp.reshape(spread, (n, c * k, -1)), x.shape[2:], kernel, stride, padding),)


AVG_POOL2D = defop("avg_pool2d", _avg_pool_forward, "x", vjp=_avg_pool_vjp,
                   formulas=("1/(kh*kw) for every element of the window (padding counted)",), saves="nothing",
                   backward_name="AvgPool2DBackward0")


def avg_pool2d(input: Tensor, kernel: Pair, stride: Pair, padding: Pair) -> Tensor:
    return apply(AVG_POOL2D, (input,), {"kernel": kernel, "stride": stride, "padding": padding})


# ----------------------------------------------------------------------------- adaptive average pooling
# Each output window is a rectangle, so pooling the last one or two dims is x @ A^T, or A_h @ x @ A_w^T, with
# constant averaging matrices made from the sizes (PyTorch's windows): two matmuls, and their VJPs the gradient.
_ADAPTIVE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def adaptive_matrix(size: int, out: int, dtype: Any, transposed: bool = False) -> np.ndarray:
    """(out, size) (or its transpose, contiguous), read-only and cached: row i averages PyTorch's window i,
    [floor(i*size/out), ceil((i+1)*size/out))."""
    key = (size, out, np.dtype(dtype).str)
    pair = _ADAPTIVE.get(key)
    if pair is None:
        m = np.zeros((out, size), dtype)
        for i in range(out):
            start, end = (i * size) // out, -((-(i + 1) * size) // out)
            m[i, start:end] = 1.0 / (end - start)
        mt = np.ascontiguousarray(m.T)
        m.setflags(write=False)
        mt.setflags(write=False)
        if len(_ADAPTIVE) > 256:
            _ADAPTIVE.clear()
        pair = _ADAPTIVE[key] = (m, mt)
    return pair[1] if transposed else pair[0]


def _adaptive_forward(x: Any, sizes: tuple, in_sizes: tuple) -> Any:
    if len(sizes) == 1:
        return np.matmul(x, adaptive_matrix(in_sizes[0], sizes[0], x.dtype, transposed=True))
    h = np.matmul(adaptive_matrix(in_sizes[0], sizes[0], x.dtype), x)
    return np.matmul(h, adaptive_matrix(in_sizes[1], sizes[1], x.dtype, transposed=True))


def _adaptive_vjp(xp: Any, g: Any, out: Any, x: Any, sizes: tuple, in_sizes: tuple) -> tuple:
    dt = np.result_type(xp.data(g))
    aw = adaptive_matrix(in_sizes[-1], sizes[-1], dt)
    if len(sizes) == 1:  # y = x @ A^T: dx = g @ A
        return (xp.matmul(g, aw),)
    # y = A_h @ x @ A_w^T: dx = A_h^T @ g @ A_w
    return (xp.matmul(xp.matmul(adaptive_matrix(in_sizes[0], sizes[0], dt, transposed=True), g), aw),)


ADAPTIVE_AVG_POOL = defop("adaptive_avg_pool", _adaptive_forward, "x", vjp=_adaptive_vjp,
                          formulas=("1/(window size) for every element of its window",), saves="nothing",
                          backward_name="AdaptiveAvgPool2DBackward0")


def adaptive_avg_pool(input: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """Average pooling of the last len(sizes) (1 or 2) dimensions to `sizes`, with PyTorch's windows."""
    in_sizes = tuple(int(n) for n in input.shape[-len(sizes):])  # (not the batch size: ONNX keeps it dynamic)
    return apply(ADAPTIVE_AVG_POOL, (input,), {"sizes": tuple(sizes), "in_sizes": in_sizes})


# ----------------------------------------------------------------------------- transposed convolution
def transposed_size(size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _conv_t_geometry(x: Any, w: Any, stride: Pair, padding: Pair, output_padding: Pair, dilation: Pair) -> tuple:
    kernel = (int(w.shape[2]), int(w.shape[3]))
    size = tuple(transposed_size(int(x.shape[2 + i]), kernel[i], stride[i], padding[i], dilation[i],
                                 output_padding[i]) for i in range(2))
    return kernel, size, (int(x.shape[2]), int(x.shape[3]))


def _conv_t_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, output_padding: Pair, dilation: Pair,
                    groups: int) -> Any:
    """The gradient of conv2d with respect to its input, applied to x: each input pixel spreads its channels'
    weights over a kernel window of the output (col2im of W^T @ x, per group)."""
    n, c_in = x.shape[:2]
    kernel, size, grid = _conv_t_geometry(x, w, stride, padding, output_padding, dilation)
    w3 = w.reshape(groups, c_in // groups, -1)  # (g, C_in/g, C_out/g*kh*kw)
    x4 = x.reshape(n, groups, c_in // groups, -1)  # (N, g, C_in/g, L)
    cols = np.matmul(np.swapaxes(w3, 1, 2), x4)  # (N, g, C_out/g*kh*kw, L)
    out = np_fold(cols.reshape(n, -1, grid[0] * grid[1]), size, kernel, stride, padding, dilation, grid)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _conv_t_vjp(xp: Any, g: Any, out: Any, x: Any, w: Any, b: Any, stride: Pair, padding: Pair,
                output_padding: Pair, dilation: Pair, groups: int, needs: tuple) -> tuple:
    n, c_in = x.shape[:2]
    kernel, _, grid = _conv_t_geometry(x, w, stride, padding, output_padding, dilation)
    cols = unfold_(xp, g, kernel, stride, padding, dilation, grid)  # (N, C_out*kh*kw, L): conv2d's im2col of g
    cols4 = xp.reshape(cols, (n, groups, -1, grid[0] * grid[1]))  # (N, g, C_out/g*kh*kw, L)
    gx = gw = gb = None
    if needs[0]:  # conv2d of g with the weight: W @ im2col(g), per group
        w3 = xp.reshape(w, (groups, c_in // groups, -1))
        gx = xp.reshape(xp.matmul(w3, cols4), tuple(x.shape))
    if needs[1]:  # the sum over the batch of x @ im2col(g)^T, per group
        x4 = xp.reshape(x, (n, groups, c_in // groups, -1))
        gw = xp.reshape(xp.sum(xp.matmul(x4, xp.swapaxes(cols4, 2, 3)), axis=0), tuple(w.shape))
    if b is not None and needs[2]:
        gb = xp.sum(g, axis=(0, 2, 3))
    return gx, gw, gb


CONV_TRANSPOSE2D = defop(
    "conv_transpose2d", _conv_t_forward, "x weight bias", vjp=_conv_t_vjp,
    formulas=("W @ im2col(G) (a convolution of G)", "sum over the batch of x @ im2col(G)^T",
              "sum of G over batch and pixels"),
    backward_name="ConvolutionBackward0")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Pair, padding: Pair,
                     output_padding: Pair, groups: int, dilation: Pair) -> Tensor:
    """Transposed convolution of (N, C_in, H, W) with weight (C_in, C_out/groups, kh, kw); arguments checked by
    `nn.functional.conv_transpose2d`."""
    return apply(CONV_TRANSPOSE2D, (input, weight, bias),
                 {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": dilation,
                  "groups": groups})
