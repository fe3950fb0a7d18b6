"""PyTorch's "vision functions" of `cr.nn.functional`: `interpolate` (nearest, nearest-exact, linear, bilinear),
`pixel_shuffle`/`pixel_unshuffle`, and `unfold`/`fold` (im2col/col2im, the ops of `chainrule.ops.conv`).

`interpolate` is built from `index_select` (the source rows of each output position, the same index arrays
PyTorch's kernels compute, in the input's precision) and products with constant weights, one spatial dimension
at a time, so its gradient scatters back through the selections."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.engine.xp import TENSOR
from chainrule.nn.functional._args import ints
from chainrule.ops.conv import fold_, unfold_
from chainrule.ops.indexing import index_select

__all__ = ["affine_grid", "fold", "grid_sample", "interpolate", "pixel_shuffle", "pixel_unshuffle", "unfold",
           "upsample"]


# ----------------------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels spread over an r x r block."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nb = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of `pixel_shuffle`."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        which, size = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but input.size("
                           f"{-2 if which == 'height' else -1})={size} is not divisible by {r}")
    nb = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


# ----------------------------------------------------------------------------- unfold / fold
def _unfold_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any, fn: str) -> tuple:
    k, d = ints(kernel_size, 2, "kernel_size", fn), ints(dilation, 2, "dilation", fn)
    p, s = ints(padding, 2, "padding", fn), ints(stride, 2, "stride", fn)
    if min(k) <= 0 or min(d) <= 0 or min(s) <= 0:
        raise RuntimeError(f"{fn}: kernel size, dilation and stride should be greater than zero, but got "
                           f"kernel_size={k}, dilation={d}, stride={s}")
    if min(p) < 0:
        raise RuntimeError(f"{fn}: padding should be non-negative, but got padding={p}")
    return k, d, p, s


def _blocks(size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple[int, int]:
    bh, bw = ((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))
    return bh, bw


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """The sliding blocks of a (N, C, H, W) or (C, H, W) input as columns: (N, C*kh*kw, L) (im2col)."""
    k, d, p, s = _unfold_args(kernel_size, dilation, padding, stride, "unfold")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    bh, bw = _blocks(tuple(x.shape[2:]), k, d, p, s)
    if bh < 1 or bw < 1:
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of sliding blocks as "
                           f"({bh}, {bw}), but its components must be at least one.")
    out = unfold_(TENSOR, x, k, s, p, d)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns (N, C*kh*kw, L) or (C*kh*kw, L) summed back into (N, C, *output_size) (col2im; overlapping
    entries add up), the adjoint of `unfold`."""
    size = ints(output_size, 2, "output_size", "fold")
    k, d, p, s = _unfold_args(kernel_size, dilation, padding, stride, "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got "
                           f"{input.ndim}D)")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={k}")
    bh, bw = _blocks(size, k, d, p, s)
    if x.shape[2] != bh * bw:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{bh} * {bw} = {bh * bw}, but got input.size(2)={x.shape[2]}.")
    out = fold_(TENSOR, x, size, k, s, p, d)
    return out.squeeze(0) if input.ndim == 2 else out


# ----------------------------------------------------------------------------- interpolate
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic")
# the interpolating modes' number of spatial dimensions
_SPATIAL = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution parameter


def _source_nearest(out: int, size: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest_idx / nearest_neighbor_exact_compute_source_index (in float32, as its kernels)."""
    i = np.arange(out)
    if not exact and out == size:
        return i
    if not exact and out == 2 * size:
        return i >> 1
    f = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    pos = (i.astype(np.float32) + np.float32(0.5)) * f if exact else i.astype(np.float32) * f
    return np.minimum(np.floor(pos).astype(np.int64), size - 1)


def _source_linear(out: int, size: int, scale: float | None, align_corners: bool,
                   dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's area_pixel_compute_source_index and linear weights, in the input's precision: the two source
    indices of each output position and their weights."""
    t = dtype.type
    if align_corners:
        f = t(size - 1) / t(out - 1) if out > 1 else t(0)
        src = np.arange(out).astype(dtype) * f
    else:
        f = t(1.0 / scale) if scale is not None and scale > 0 else t(size) / t(out)
        src = np.maximum(f * (np.arange(out).astype(dtype) + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < size - 1)
    lam1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return i0, i1, lam1


def _source_cubic(out: int, size: int, scale: float | None, align_corners: bool,
                  dtype: np.dtype) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """PyTorch's bicubic taps: the four source indices of each output position (clamped to the edges) and their
    cubic-convolution weights (A = -0.75), in the input's precision."""
    t_ = dtype.type
    if align_corners:
        f = t_(size - 1) / t_(out - 1) if out > 1 else t_(0)
        src = np.arange(out).astype(dtype) * f
    else:
        f = t_(1.0 / scale) if scale is not None and scale > 0 else t_(size) / t_(out)
        src = f * (np.arange(out).astype(dtype) + t_(0.5)) - t_(0.5)  # not clamped at 0, as PyTorch's cubic
    base = np.floor(src)
    t = (src - base).astype(dtype)
    a = t_(_CUBIC_A)

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    start = base.astype(np.int64) - 1
    taps = [np.clip(start + k, 0, size - 1) for k in range(4)]
    return taps, [w.astype(dtype) for w in weights]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of (N, C, L), (N, C, H, W) or (N, C, D, H, W) to `size` or by `scale_factor`:
    'nearest', 'nearest-exact' (1-3 spatial dimensions), 'linear' (3-D input), 'bilinear' and 'bicubic' (4-D) and
    'trilinear' (5-D), with `align_corners` as PyTorch. 'area' and `antialias=True` raise NotImplementedError."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    else:
        align_corners = bool(align_corners)
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales: list[float | None]
    if size is not None:
        if isinstance(size, list | tuple):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 f"(o1, o2, ...,oK) format.")
            out_size = [int(v) for v in size]
        else:
            out_size = [int(size)] * dim
        scales = [None] * dim
    else:
        if isinstance(scale_factor, list | tuple):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and scale_factor in (s1, s2, ...,sK) format.")
            factors = [float(f) for f in scale_factor]
        else:
            factors = [float(scale_factor)] * dim
        out_size = [int(math.floor(input.shape[2 + i] * factors[i])) for i in range(dim)]
        scales = [None] * dim if recompute_scale_factor else list(factors)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by chainrule")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported by chainrule (nearest, nearest-exact, "
                                  f"linear, bilinear, trilinear, bicubic are)")
    if mode in _SPATIAL and dim != _SPATIAL[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_SPATIAL[mode] + 2}D input")
    if mode in _SPATIAL and input.array.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: \"upsample_{mode}\" not implemented for '{input.dtype}'")
    if dim not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if any(n <= 0 for n in out_size):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, input.shape[2:]))}) and output ({', '.join(map(str, out_size))})")
    x = input
    for i in range(dim):
        axis, n = 2 + i, input.shape[2 + i]
        if mode in ("nearest", "nearest-exact"):
            x = index_select(x, axis, wrap(_source_nearest(out_size[i], n, scales[i], mode == "nearest-exact")))
            continue
        shape = [1] * x.ndim
        shape[axis] = out_size[i]
        if mode == "bicubic":
            taps, weights = _source_cubic(out_size[i], n, scales[i], bool(align_corners), x.array.dtype)
            terms = [index_select(x, axis, wrap(k)) * wrap(w.reshape(shape)) for k, w in zip(taps, weights)]
            x = terms[0] + terms[1] + terms[2] + terms[3]
            continue
        i0, i1, lam1 = _source_linear(out_size[i], n, scales[i], bool(align_corners), x.array.dtype)
        w1 = wrap(lam1.reshape(shape))
        w0 = wrap((1 - lam1).reshape(shape))
        x = index_select(x, axis, wrap(i0)) * w0 + index_select(x, axis, wrap(i1)) * w1
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """`interpolate` under its old name (deprecated in PyTorch, with its warning)."""
    import warnings

    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", UserWarning,
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# ----------------------------------------------------------------------------- affine_grid / grid_sample
def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the 2-D affine maps `theta` (N, 2, 3) over an output of `size`
    (N, C, H, W), in [-1, 1] coordinates (`align_corners=False`: pixel centres), as `torch.nn.functional.affine_grid`:
    the base grid [x, y, 1] times theta^T (a `matmul`, so theta gets its gradient)."""
    from chainrule.ops.linalg import matmul

    align = bool(align_corners)
    size = [int(v) for v in size]
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D sizes, for 2D affine transformations (chainrule); "
                                  f"got size {size}")
    if theta.array.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                         f"{list(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n, _, h, w = size
    dt = theta.array.dtype

    def coords(k: int) -> np.ndarray:
        c = np.linspace(-1.0, 1.0, k, dtype=dt) if k > 1 else np.zeros(1, dt)
        return c if align else c * dt.type((k - 1) / k)

    base = np.ones((h, w, 3), dt)
    base[..., 0] = coords(w)[None, :]
    base[..., 1] = coords(h)[:, None]
    grid = matmul(wrap(base.reshape(1, h * w, 3)), theta.mT)
    return grid.reshape(n, h, w, 2)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """`input` (N, C, H, W) sampled at the [-1, 1] positions of `grid` (N, Ho, Wo, 2), as
    `torch.nn.functional.grid_sample`: 'bilinear' (the four neighbours, weighted by the distances, which are
    differentiable in the grid) or 'nearest'; `padding_mode` 'zeros' (outside samples read 0) or 'border'
    (positions clamped to the edge). Gathers of the neighbours times weights computed from the grid, so both input
    and grid get PyTorch's gradients."""
    from chainrule.ops.activations import clamp
    from chainrule.ops.elementwise import floor as _floor

    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or padding_mode == "reflection":
        raise NotImplementedError(f"grid_sample: mode={mode!r} with padding_mode={padding_mode!r} is not supported "
                                  f"by chainrule (bilinear and nearest, zeros and border are)")
    if input.ndim != 4 or grid.ndim != 4:
        raise NotImplementedError(f"grid_sample: chainrule supports 4-D input and grid (got {input.ndim}-D and "
                                  f"{grid.ndim}-D)")
    if grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
                           f"{list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.array.dtype != grid.array.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    n, c, h, w = input.shape
    align = bool(align_corners)

    def unnormalize(coord: Tensor, size: int) -> Tensor:
        pos = (coord + 1) / 2 * (size - 1) if align else ((coord + 1) * size - 1) / 2
        return clamp(pos, 0, size - 1) if padding_mode == "border" else pos

    ix, iy = unnormalize(grid[..., 0], w), unnormalize(grid[..., 1], h)
    batch = np.arange(n).reshape(n, 1, 1)

    def corner(y: np.ndarray, x: np.ndarray) -> tuple[Tensor, np.ndarray]:
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        values = input[batch, :, np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]  # (N, Ho, Wo, C)
        return values, inside

    if mode == "nearest":  # PyTorch rounds half to even (nearbyint)
        x0 = np.rint(ix.array).astype(np.int64)
        y0 = np.rint(iy.array).astype(np.int64)
        values, inside = corner(y0, x0)
        out = values * wrap(inside[..., None].astype(values.array.dtype))
        return out.permute(0, 3, 1, 2)
    fx, fy = _floor(ix.detach()), _floor(iy.detach())
    x0, y0 = fx.array.astype(np.int64), fy.array.astype(np.int64)
    wx1, wy1 = ix - fx, iy - fy  # distances from the north-west corner: differentiable in the grid
    wx0, wy0 = 1 - wx1, 1 - wy1
    out = None
    for dy, wy in ((0, wy0), (1, wy1)):
        for dx, wx in ((0, wx0), (1, wx1)):
            values, inside = corner(y0 + dy, x0 + dx)
            weight = (wx * wy) * wrap(inside.astype(values.array.dtype))
            term = values * weight.unsqueeze(-1)
            out = term if out is None else out + term
    assert out is not None
    return out.permute(0, 3, 1, 2)
