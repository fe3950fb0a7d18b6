"""chainrule: the chain rule, made runnable and visible.

A reverse-mode autograd engine on NumPy with PyTorch's names and semantics:

    import chainrule as cr
    w = cr.tensor(0.5, requires_grad=True)
    loss = (2.0 * cr.relu(w * 3.0) - 1.0 - 4.0) ** 2
    loss.backward()
    w.grad  # tensor(-24.)
"""

from chainrule import autograd
from chainrule import ops as _ops  # noqa: F401 - registers ops and tensor methods
from chainrule.autograd import gradcheck, gradgradcheck, numerical_derivative
from chainrule.creation import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from chainrule.dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from chainrule.engine.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled
from chainrule.engine.device import device, get_default_device, set_default_device
from chainrule.engine.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.engine.size import Size
from chainrule.engine.tensor import Tensor
from chainrule.func import grad, hessian, jacobian, jacrev, jvp, value_and_grad, vjp, vmap
from chainrule.ops.functions import *  # noqa: F403 - the functional namespace: cr.exp, cr.sum, ...
from chainrule.random import (
    Generator,
    manual_seed,
    multinomial,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)

from chainrule.ops import out as _out  # noqa: E402

# `cr.add(a, b, out=c)`, `cr.zeros(3, out=c)`, ...: the namespace's functions that take PyTorch's `out=`
# (`chainrule.ops.out`; methods and operators call the unwrapped functions)
globals().update(_out.namespace)

from chainrule import cuda, accelerator, backends  # noqa: E402 - CPU-only answers: cr.cuda.is_available() is False
from chainrule import nn, optim, utils, datasets  # noqa: E402 - after the core namespace
from chainrule import amp  # noqa: E402
from chainrule.amp import autocast  # noqa: E402
from chainrule import interop  # noqa: E402
from chainrule import widgets  # noqa: E402 - light: anywidget is imported when a widget class is first used
from chainrule import explain  # noqa: E402
from chainrule.explain import draw, graph, name_tensors  # noqa: E402
from chainrule.serialization import load, save  # noqa: E402
from chainrule import trace  # noqa: E402 - a callable module: `with cr.trace():` and `cr.trace.run(path)`
from chainrule.compile import compile  # noqa: E402, A004 - cr.compile(step): trace once, replay generated code

__version__ = "0.1.0"


def is_tensor(obj: object) -> "bool":
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> "int":
    return input.numel()
