"""The methods of `Tensor`, grouped in mixin classes (tinygrad's layout): math, reductions, shapes, indexing,
in-place updates, dtype conversion and creation.

Each method is the op function of the same name applied to `self`: `x.exp()` is `cr.exp(x)`, `x.sum(1)` is
`cr.sum(x, 1)`, `a @ b` is `cr.matmul(a, b)`. The functions live in `chainrule.ops` (their docstrings are the
documentation), one layer above the engine; the methods reach them through `engine.dispatch.ops` so that the
engine never imports ops. `engine/tensor.py: class Tensor` combines these mixins with the tensor's state.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chainrule import dtypes
from chainrule.engine import dispatch

if TYPE_CHECKING:
    from chainrule.engine.tensor import Tensor

__all__ = [
    "TensorCreationMixin",
    "TensorDtypeMixin",
    "TensorIndexMixin",
    "TensorInplaceMixin",
    "TensorMathMixin",
    "TensorReduceMixin",
    "TensorShapeMixin",
]


class TensorMathMixin:
    """Elementwise math, comparisons, activations and products: `x.exp()`, `a.matmul(b)`, `a + b`, ..."""

    __slots__ = ()

    # operators: `a + b`, `2 * x`, `a @ b`, `-x`, `a < b`, `~m`, ... (`+ - *`, the per-op path of scalar code,
    # call the arithmetic fast path with their op directly: `cr.add(a, b)` is `arithmetic(ADD, a, b)`)
    def __add__(self, other: Any) -> Tensor:
        ops = dispatch.ops
        return ops.arithmetic(ops.ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        ops = dispatch.ops
        return ops.arithmetic(ops.ADD, other, self)

    def __sub__(self, other: Any) -> Tensor:
        ops = dispatch.ops
        return ops.arithmetic(ops.SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return dispatch.ops.rsub(self, other)

    def __mul__(self, other: Any) -> Tensor:
        ops = dispatch.ops
        return ops.arithmetic(ops.MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        ops = dispatch.ops
        return ops.arithmetic(ops.MUL, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return dispatch.ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return dispatch.ops.rtruediv(self, other)

    def __floordiv__(self, other: Any) -> Tensor:
        return dispatch.ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return dispatch.ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return dispatch.ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return dispatch.ops.remainder(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return dispatch.ops.pow(self, exponent)

    def __rpow__(self, other: Any) -> Tensor:
        return dispatch.ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return dispatch.ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return dispatch.ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return dispatch.ops.neg(self)

    def __pos__(self) -> Tensor:
        return self  # type: ignore[return-value]

    def __abs__(self) -> Tensor:
        return dispatch.ops.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return dispatch.ops.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return dispatch.ops.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return dispatch.ops.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return dispatch.ops.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return dispatch.ops.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return dispatch.ops.ge(self, other)

    def __and__(self, other: Any) -> Tensor:
        return dispatch.ops.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return dispatch.ops.logical_or(self, other)

    def __xor__(self, other: Any) -> Tensor:
        return dispatch.ops.logical_xor(self, other)

    def __invert__(self) -> Tensor:
        return dispatch.ops.logical_not(self)

    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable

    def add(self, other: Any, *, alpha: float | None = None) -> Tensor:
        return dispatch.ops.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: float | None = None) -> Tensor:
        return dispatch.ops.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return dispatch.ops.mul(self, other)

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        return dispatch.ops.div(self, other, rounding_mode)

    def divide(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        return dispatch.ops.divide(self, other, rounding_mode)

    def multiply(self, other: Any) -> Tensor:
        return dispatch.ops.multiply(self, other)

    def subtract(self, other: Any, *, alpha: float | None = None) -> Tensor:
        return dispatch.ops.subtract(self, other, alpha=alpha)

    def true_divide(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        return dispatch.ops.true_divide(self, other, rounding_mode)

    def floor_divide(self, other: Any) -> Tensor:
        return dispatch.ops.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        return dispatch.ops.remainder(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return dispatch.ops.pow(self, exponent)

    def matmul(self, other: Tensor) -> Tensor:
        return dispatch.ops.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        return dispatch.ops.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        return dispatch.ops.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        return dispatch.ops.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        return dispatch.ops.dot(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        return dispatch.ops.outer(self, vec2)

    def inner(self, other: Tensor) -> Tensor:
        return dispatch.ops.inner(self, other)

    def neg(self) -> Tensor:
        return dispatch.ops.neg(self)

    def negative(self) -> Tensor:
        return dispatch.ops.negative(self)

    def exp(self) -> Tensor:
        return dispatch.ops.exp(self)

    def exp2(self) -> Tensor:
        return dispatch.ops.exp2(self)

    def expm1(self) -> Tensor:
        return dispatch.ops.expm1(self)

    def log(self) -> Tensor:
        return dispatch.ops.log(self)

    def log2(self) -> Tensor:
        return dispatch.ops.log2(self)

    def log10(self) -> Tensor:
        return dispatch.ops.log10(self)

    def log1p(self) -> Tensor:
        return dispatch.ops.log1p(self)

    def sqrt(self) -> Tensor:
        return dispatch.ops.sqrt(self)

    def rsqrt(self) -> Tensor:
        return dispatch.ops.rsqrt(self)

    def square(self) -> Tensor:
        return dispatch.ops.square(self)

    def reciprocal(self) -> Tensor:
        return dispatch.ops.reciprocal(self)

    def abs(self) -> Tensor:
        return dispatch.ops.abs(self)

    def absolute(self) -> Tensor:
        return dispatch.ops.absolute(self)

    def sign(self) -> Tensor:
        return dispatch.ops.sign(self)

    def sin(self) -> Tensor:
        return dispatch.ops.sin(self)

    def cos(self) -> Tensor:
        return dispatch.ops.cos(self)

    def tan(self) -> Tensor:
        return dispatch.ops.tan(self)

    def tanh(self) -> Tensor:
        return dispatch.ops.tanh(self)

    def sinh(self) -> Tensor:
        return dispatch.ops.sinh(self)

    def cosh(self) -> Tensor:
        return dispatch.ops.cosh(self)

    def atan(self) -> Tensor:
        return dispatch.ops.atan(self)

    def arctan(self) -> Tensor:
        return dispatch.ops.arctan(self)

    def erf(self) -> Tensor:
        return dispatch.ops.erf(self)

    def floor(self) -> Tensor:
        return dispatch.ops.floor(self)

    def ceil(self) -> Tensor:
        return dispatch.ops.ceil(self)

    def round(self) -> Tensor:
        return dispatch.ops.round(self)

    def trunc(self) -> Tensor:
        return dispatch.ops.trunc(self)

    def sigmoid(self) -> Tensor:
        return dispatch.ops.sigmoid(self)

    def relu(self) -> Tensor:
        return dispatch.ops.relu(self)

    def softmax(self, dim: int | None = None, dtype: Any = None) -> Tensor:
        return dispatch.ops.softmax(self, dim, dtype)

    def log_softmax(self, dim: int | None = None, dtype: Any = None) -> Tensor:
        return dispatch.ops.log_softmax(self, dim, dtype)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return dispatch.ops.clamp(self, min, max)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return dispatch.ops.clip(self, min, max)

    def maximum(self, other: Any) -> Tensor:
        return dispatch.ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return dispatch.ops.minimum(self, other)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        return dispatch.ops.lerp(self, end, weight)

    def eq(self, other: Any) -> Tensor:
        return dispatch.ops.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return dispatch.ops.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return dispatch.ops.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return dispatch.ops.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return dispatch.ops.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return dispatch.ops.ge(self, other)

    def logical_and(self, other: Any) -> Tensor:
        return dispatch.ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return dispatch.ops.logical_or(self, other)

    def logical_not(self) -> Tensor:
        return dispatch.ops.logical_not(self)

    def logical_xor(self, other: Any) -> Tensor:
        return dispatch.ops.logical_xor(self, other)

    def isnan(self) -> Tensor:
        return dispatch.ops.isnan(self)

    def isinf(self) -> Tensor:
        return dispatch.ops.isinf(self)

    def isfinite(self) -> Tensor:
        return dispatch.ops.isfinite(self)

    def equal(self, other: Tensor) -> bool:
        return dispatch.ops.equal(self, other)

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return dispatch.ops.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        return dispatch.ops.isclose(self, other, rtol, atol, equal_nan)

    def fmod(self, other: Any) -> Tensor:
        return dispatch.ops.fmod(self, other)

    def frac(self) -> Tensor:
        return dispatch.ops.frac(self)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        return dispatch.ops.nan_to_num(self, nan, posinf, neginf)

    def clamp_min(self, min: Any) -> Tensor:
        return dispatch.ops.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        return dispatch.ops.clamp_max(self, max)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return dispatch.ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return dispatch.ops.addcdiv(self, tensor1, tensor2, value=value)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Tensor:
        return dispatch.ops.bernoulli(self, p, generator=generator)

    def asin(self) -> Tensor:
        return dispatch.ops.asin(self)

    def acos(self) -> Tensor:
        return dispatch.ops.acos(self)

    def asinh(self) -> Tensor:
        return dispatch.ops.asinh(self)

    def acosh(self) -> Tensor:
        return dispatch.ops.acosh(self)

    def atanh(self) -> Tensor:
        return dispatch.ops.atanh(self)

    def arcsin(self) -> Tensor:
        return dispatch.ops.arcsin(self)

    def arccos(self) -> Tensor:
        return dispatch.ops.arccos(self)

    def arcsinh(self) -> Tensor:
        return dispatch.ops.arcsinh(self)

    def arccosh(self) -> Tensor:
        return dispatch.ops.arccosh(self)

    def arctanh(self) -> Tensor:
        return dispatch.ops.arctanh(self)

    def erfc(self) -> Tensor:
        return dispatch.ops.erfc(self)

    def sgn(self) -> Tensor:
        return dispatch.ops.sgn(self)

    def signbit(self) -> Tensor:
        return dispatch.ops.signbit(self)

    def positive(self) -> Tensor:
        return dispatch.ops.positive(self)

    def xlogy(self, other: Any) -> Tensor:
        return dispatch.ops.xlogy(self, other)

    def hypot(self, other: Any) -> Tensor:
        return dispatch.ops.hypot(self, other)

    def atan2(self, other: Any) -> Tensor:
        return dispatch.ops.atan2(self, other)

    def arctan2(self, other: Any) -> Tensor:
        return dispatch.ops.atan2(self, other)

    def logaddexp(self, other: Any) -> Tensor:
        return dispatch.ops.logaddexp(self, other)

    def fmax(self, other: Any) -> Tensor:
        return dispatch.ops.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return dispatch.ops.fmin(self, other)

    def float_power(self, exponent: Any) -> Tensor:
        return dispatch.ops.float_power(self, exponent)

    def kron(self, other: Any) -> Tensor:
        return dispatch.ops.kron(self, other)

    def erfinv(self) -> Tensor:
        return dispatch.ops.erfinv(self)

    def lgamma(self) -> Tensor:
        return dispatch.ops.lgamma(self)

    def digamma(self) -> Tensor:
        return dispatch.ops.digamma(self)

    def copysign(self, other: Any) -> Tensor:
        return dispatch.ops.copysign(self, other)

    def heaviside(self, values: Tensor) -> Tensor:
        return dispatch.ops.heaviside(self, values)

    def logit(self, eps: float | None = None) -> Tensor:
        return dispatch.ops.logit(self, eps)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        return dispatch.ops.cross(self, other, dim)

    def trace(self) -> Tensor:
        return dispatch.ops.trace(self)

    def inverse(self) -> Tensor:
        return dispatch.ops.inverse(self)

    def slogdet(self) -> Any:
        return dispatch.ops.slogdet(self)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        return dispatch.ops.pinverse(self, rcond)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return dispatch.ops.svd(self, some, compute_uv)

    def matrix_power(self, n: int) -> Tensor:
        return dispatch.ops.matrix_power(self, n)

    def cholesky(self, upper: bool = False) -> Tensor:
        return dispatch.ops.cholesky(self, upper)

    def cholesky_solve(self, input2: Tensor, upper: bool = False) -> Tensor:
        return dispatch.ops.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return dispatch.ops.cholesky_inverse(self, upper)

    def det(self) -> Tensor:
        return dispatch.ops.det(self)

    def logdet(self) -> Tensor:
        return dispatch.ops.logdet(self)



class TensorReduceMixin:
    """Reductions, scans and sorting: `x.sum(dim=1)`, `x.max()`, `x.cumsum(0)`, `x.topk(3)`, ..."""

    __slots__ = ()

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.sum(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.mean(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)

    def prod(self, dim: int | None = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.prod(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, other: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        return dispatch.ops.max(self, dim, keepdim, other=other, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, other: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        return dispatch.ops.min(self, dim, keepdim, other=other, axis=axis, keepdims=keepdims)

    def amax(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)

    def norm(self, p: Any = 'fro', dim: Any = None, keepdim: bool = False) -> Tensor:
        return dispatch.ops.norm(self, p, dim, keepdim)

    def dist(self, other: Tensor, p: Any = 2) -> Tensor:
        return dispatch.ops.dist(self, other, p)

    def histc(self, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:
        return dispatch.ops.histc(self, bins, min, max)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        return dispatch.ops.bincount(self, weights, minlength)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def all(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
        return dispatch.ops.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def cumsum(self, dim: int) -> Tensor:
        return dispatch.ops.cumsum(self, dim)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        return dispatch.ops.cumprod(self, dim, dtype=dtype)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        return dispatch.ops.diff(self, n, dim, prepend, append)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        return dispatch.ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        return dispatch.ops.argsort(self, dim, descending, stable=stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return dispatch.ops.topk(self, k, dim, largest, sorted)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return dispatch.ops.median(self, dim, keepdim)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return dispatch.ops.kthvalue(self, k, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return dispatch.ops.mode(self, dim, keepdim)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return dispatch.ops.count_nonzero(self, dim)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
               dim: int | None = None) -> Any:
        return dispatch.ops.unique(self, sorted, return_inverse, return_counts, dim)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return dispatch.ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return dispatch.ops.nanmean(self, dim, keepdim, dtype=dtype)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        return dispatch.ops.aminmax(self, dim=dim, keepdim=keepdim)

    def cummax(self, dim: int) -> Any:
        return dispatch.ops.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        return dispatch.ops.cummin(self, dim)

    def logcumsumexp(self, dim: int) -> Tensor:
        return dispatch.ops.logcumsumexp(self, dim)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        return dispatch.ops.quantile(self, q, dim, keepdim, interpolation=interpolation)



class TensorShapeMixin:
    """Shapes and views: `x.reshape(2, 3)`, `x.transpose(0, 1)`, `x.T`, `x.split(2)`, ..."""

    __slots__ = ()

    @property
    def T(self) -> Tensor:  # noqa: N802
        return dispatch.ops.T(self)

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return dispatch.ops.mT(self)

    def clone(self) -> Tensor:
        return dispatch.ops.clone(self)

    def reshape(self, *shape: Any) -> Tensor:
        return dispatch.ops.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return dispatch.ops.view(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return dispatch.ops.view_as(self, other)

    def reshape_as(self, other: Tensor) -> Tensor:
        return dispatch.ops.reshape_as(self, other)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return dispatch.ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return dispatch.ops.unflatten(self, dim, sizes)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return dispatch.ops.transpose(self, dim0, dim1)

    def swapaxes(self, dim0: int, dim1: int) -> Tensor:
        return dispatch.ops.swapaxes(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        return dispatch.ops.permute(self, *dims)

    def t(self) -> Tensor:
        return dispatch.ops.t(self)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return dispatch.ops.movedim(self, source, destination)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return dispatch.ops.movedim(self, source, destination)

    def squeeze(self, dim: Any = None) -> Tensor:
        return dispatch.ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return dispatch.ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return dispatch.ops.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return dispatch.ops.expand_as(self, other)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return dispatch.ops.broadcast_to(self, shape)

    def repeat(self, *sizes: Any) -> Tensor:
        return dispatch.ops.repeat(self, *sizes)

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None,
                          *, output_size: int | None = None) -> Tensor:
        return dispatch.ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, dims: Any) -> Tensor:
        return dispatch.ops.flip(self, dims)

    def flipud(self) -> Tensor:
        return dispatch.ops.flipud(self)

    def fliplr(self) -> Tensor:
        return dispatch.ops.fliplr(self)

    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
        return dispatch.ops.roll(self, shifts, dims)

    def contiguous(self) -> Tensor:
        return dispatch.ops.contiguous(self)

    def tril(self, diagonal: int = 0) -> Tensor:
        return dispatch.ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return dispatch.ops.triu(self, diagonal)

    def diag(self, diagonal: int = 0) -> Tensor:
        return dispatch.ops.diag(self, diagonal)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return dispatch.ops.diag_embed(self, offset, dim1, dim2)

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return dispatch.ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return dispatch.ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return dispatch.ops.unbind(self, dim)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return dispatch.ops.is_contiguous(self)

    def stride(self, dim: int | None = None) -> Any:
        return dispatch.ops.stride(self, dim)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return dispatch.ops.narrow(self, dim, start, length)

    def select(self, dim: int, index: Any) -> Tensor:
        return dispatch.ops.select(self, dim, index)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return dispatch.ops.diagonal(self, offset, dim1, dim2)

    def tile(self, *dims: Any) -> Tensor:
        return dispatch.ops.tile(self, dims)

    def ravel(self) -> Tensor:
        return dispatch.ops.ravel(self)

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return dispatch.ops.split_with_sizes(self, split_sizes, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return dispatch.ops.tensor_split(self, indices_or_sections, dim)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        return dispatch.ops.rot90(self, k, dims)



class TensorIndexMixin:
    """Indexing, gathering and scattering: `x[i]`, `x[mask] = 0`, `x.gather(1, idx)`, `x.scatter(...)`, ..."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Tensor:
        return dispatch.ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        dispatch.ops.setitem(self, index, value)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        """`x.where(condition, y)` is `cr.where(condition, x, y)`."""
        return dispatch.ops.where(condition, self, other)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return dispatch.ops.gather(self, dim, index)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return dispatch.ops.index_select(self, dim, index)

    def take_along_dim(self, indices: Tensor, dim: int) -> Tensor:
        return dispatch.ops.take_along_dim(self, indices, dim)

    def take(self, index: Tensor) -> Tensor:
        return dispatch.ops.take(self, index)

    def masked_fill(self, mask: Tensor, value: float) -> Tensor:
        return dispatch.ops.masked_fill(self, mask, value)

    def scatter(self, dim: int, index: Tensor, src: Any = None,
                *, value: Any = None, reduce: str | None = None) -> Tensor:
        return dispatch.ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        return dispatch.ops.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
        return dispatch.ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        return dispatch.ops.index_add(self, dim, index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        return dispatch.ops.index_copy(self, dim, index, source)

    def index_fill(self, dim: int, index: Tensor, value: Any) -> Tensor:
        return dispatch.ops.index_fill(self, dim, index, value)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return dispatch.ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Tensor:
        return dispatch.ops.argwhere(self)

    def masked_select(self, mask: Tensor) -> Tensor:
        return dispatch.ops.masked_select(self, mask)

class TensorInplaceMixin:
    """In-place updates (PyTorch's trailing underscore): `x.add_(y)`, `x += y`, `x.zero_()`, `w.uniform_()`, ...

    `x.exp_()` computes `cr.exp(x)` and writes it into `x` with PyTorch's rules (version counters, history
    rebasing, refusal on a leaf that requires grad outside `no_grad`); see `chainrule/ops/inplace.py`. The
    arguments are those of the out-of-place function.
    """

    __slots__ = ()

    def add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.add_(self, *args, **kwargs)

    def sub_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.sub_(self, *args, **kwargs)

    def mul_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.mul_(self, *args, **kwargs)

    def div_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.div_(self, *args, **kwargs)

    def pow_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.pow_(self, *args, **kwargs)

    def clamp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.clamp_(self, *args, **kwargs)

    def clip_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.clip_(self, *args, **kwargs)

    def neg_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.neg_(self, *args, **kwargs)

    def exp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.exp_(self, *args, **kwargs)

    def log_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.log_(self, *args, **kwargs)

    def sqrt_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.sqrt_(self, *args, **kwargs)

    def abs_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.abs_(self, *args, **kwargs)

    def sigmoid_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.sigmoid_(self, *args, **kwargs)

    def tanh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.tanh_(self, *args, **kwargs)

    def relu_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.relu_(self, *args, **kwargs)

    def masked_fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.masked_fill_(self, *args, **kwargs)

    def floor_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.floor_(self, *args, **kwargs)

    def ceil_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.ceil_(self, *args, **kwargs)

    def round_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.round_(self, *args, **kwargs)

    def tril_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.tril_(self, *args, **kwargs)

    def triu_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.triu_(self, *args, **kwargs)

    def lerp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.lerp_(self, *args, **kwargs)

    def atan2_(self, other: Any) -> Tensor:
        return dispatch.ops.atan2_(self, other)

    def arctan2_(self, other: Any) -> Tensor:
        return dispatch.ops.arctan2_(self, other)

    def addmv_(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.addmv_(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.addbmm_(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return dispatch.ops.baddbmm_(self, batch1, batch2, beta=beta, alpha=alpha)

    def scatter_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.scatter_(self, *args, **kwargs)

    def scatter_add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.scatter_add_(self, *args, **kwargs)

    def scatter_reduce_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.scatter_reduce_(self, *args, **kwargs)

    def index_add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.index_add_(self, *args, **kwargs)

    def index_copy_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.index_copy_(self, *args, **kwargs)

    def index_fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.index_fill_(self, *args, **kwargs)

    def __iadd__(self, other: Any) -> Tensor:
        return dispatch.ops.add_(self, other)

    def __isub__(self, other: Any) -> Tensor:
        return dispatch.ops.sub_(self, other)

    def __imul__(self, other: Any) -> Tensor:
        return dispatch.ops.mul_(self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return dispatch.ops.div_(self, other)

    def __ipow__(self, other: Any) -> Tensor:
        return dispatch.ops.pow_(self, other)

    def squeeze_(self, dim: Any = None) -> Tensor:
        return dispatch.ops.squeeze_(self, dim)

    def unsqueeze_(self, dim: int) -> Tensor:
        return dispatch.ops.unsqueeze_(self, dim)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        return dispatch.ops.transpose_(self, dim0, dim1)

    def t_(self) -> Tensor:
        return dispatch.ops.t_(self)

    def zero_(self) -> Tensor:
        return dispatch.ops.zero_(self)

    def fill_(self, value: Any) -> Tensor:
        return dispatch.ops.fill_(self, value)

    def copy_(self, src: Any) -> Tensor:
        return dispatch.ops.copy_(self, src)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        return dispatch.ops.uniform_(self, a, b, generator=generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        return dispatch.ops.normal_(self, mean, std, generator=generator)


class TensorDtypeMixin:
    """Conversions: `x.to(cr.float64)`, `x.float()`, `x.long()`, `x.type()`, ... (names that shadow builtins
    inside this class body, so annotations here spell `builtins.int`)."""

    __slots__ = ()

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        return dispatch.ops.to(self, *args, **kwargs)

    def type(self, dtype: Any = None) -> Any:
        return dispatch.ops.type_(self, dtype)

    def float(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.float32.np)

    def double(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.float64.np)

    def half(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.float16.np)

    def long(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.int64.np)

    def int(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.int32.np)

    def bool(self) -> Tensor:
        return dispatch.ops.cast(self, dtypes.bool.np)

    def type_as(self, other: Tensor) -> Tensor:
        return dispatch.ops.to(self, other.dtype)

    def element_size(self) -> builtins.int:
        return dispatch.ops.element_size(self)

    @property
    def itemsize(self) -> builtins.int:
        return dispatch.ops.element_size(self)

    @property
    def nbytes(self) -> builtins.int:
        return dispatch.ops.nbytes(self)


class TensorCreationMixin:
    """New tensors from this one: `x.new_zeros(2, 3)` (this tensor's dtype), `x.new_tensor(data)`, and samples
    `p.multinomial(n)`."""

    __slots__ = ()

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                  device: Any = None) -> Tensor:
        return dispatch.ops.new_zeros(self, *size, dtype=dtype, requires_grad=requires_grad, device=device)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                 device: Any = None) -> Tensor:
        return dispatch.ops.new_ones(self, *size, dtype=dtype, requires_grad=requires_grad, device=device)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                  device: Any = None) -> Tensor:
        return dispatch.ops.new_empty(self, *size, dtype=dtype, requires_grad=requires_grad, device=device)

    def new_full(self, size: Sequence[builtins.int], fill_value: Any, dtype: Any = None,
                 requires_grad: builtins.bool = False, device: Any = None) -> Tensor:
        return dispatch.ops.new_full(self, size, fill_value, dtype, requires_grad, device)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                   device: Any = None) -> Tensor:
        return dispatch.ops.new_tensor(self, data, dtype, requires_grad, device)

    def multinomial(self, num_samples: builtins.int, replacement: builtins.bool = False, *,
                    generator: Any = None) -> Tensor:
        return dispatch.ops.multinomial(self, num_samples, replacement, generator=generator)
