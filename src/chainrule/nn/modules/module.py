"""`Module`: the base class of every layer and model, with PyTorch's registration rules.

Assigning a `Parameter` to an attribute registers it as a parameter, assigning a `Module` registers a
submodule, `register_buffer` registers state that is saved but not learned (BatchNorm's running
statistics). `state_dict()` keys and order follow PyTorch's, so they load into the equivalent
`torch.nn` module.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.device import DeviceUnavailableError, parse_to
from chainrule.engine.grad_mode import no_grad
from chainrule.engine.hooks import RemovableHandle, add_hook
from chainrule.engine.tensor import Tensor
from chainrule.nn.parameter import Parameter, zero_grads

__all__ = ["Module", "register_module_forward_hook", "register_module_forward_pre_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook"]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _GlobalHooks:
    """Hooks that run for every module call (PyTorch's `register_module_*_hook`), process-wide as in PyTorch."""

    def __init__(self) -> None:
        self.forward_pre_hooks: OrderedDict = OrderedDict()
        self.forward_hooks: OrderedDict = OrderedDict()
        self.forward_with_kwargs: OrderedDict = OrderedDict()
        self.forward_always: OrderedDict = OrderedDict()
        self.backward_pre_hooks: OrderedDict = OrderedDict()
        self.backward_hooks: OrderedDict = OrderedDict()
        self.active = False

    def refresh(self) -> None:
        self.active = bool(self.forward_pre_hooks or self.forward_hooks or self.backward_pre_hooks
                           or self.backward_hooks)


_GLOBAL = _GlobalHooks()


class _GlobalHandle(RemovableHandle):
    def remove(self) -> None:
        super().remove()
        _GLOBAL.refresh()


def _add_global(table: OrderedDict, hook: Callable, extras: list[OrderedDict]) -> RemovableHandle:
    handle = _GlobalHandle(table, extra_dict=tuple(extras))
    table[handle.id] = hook
    for d in extras:
        d[handle.id] = True
    _GLOBAL.refresh()
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call `hook(module, args)` before every module's forward (before the module's own pre-hooks)."""
    return _add_global(_GLOBAL.forward_pre_hooks, hook, [])


def has_own_hooks(module: Module) -> bool:
    """Whether `module` has forward, forward-pre, backward or backward-pre hooks of its own (registered on it,
    not the global ones): Python code that runs around its calls."""
    d = module.__dict__
    return any(d.get(k) for k in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"))


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """Call `hook(module, args, output)` after every module's forward (before the module's own hooks)."""
    extras = ([_GLOBAL.forward_with_kwargs] if with_kwargs else []) + ([_GLOBAL.forward_always] if always_call else [])
    return _add_global(_GLOBAL.forward_hooks, hook, extras)


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """A full backward pre-hook for every module (runs before the module's own)."""
    return _add_global(_GLOBAL.backward_pre_hooks, hook, [])


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """A full backward hook for every module (runs before the module's own)."""
    return _add_global(_GLOBAL.backward_hooks, hook, [])


class Module:
    """Base class for all neural-network modules; subclasses define `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    _has_hooks = False  # set on the instance by the first register_*_hook: the plain call path checks one flag

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._has_hooks or _GLOBAL.active):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """PyTorch's `_call_impl`: global then own forward pre-hooks, full backward hooks around forward,
        global then own forward hooks; hooks registered with always_call run even when forward raises."""
        d = self.__dict__
        pre_hooks = d.get("_forward_pre_hooks") or {}
        fwd_hooks = d.get("_forward_hooks") or {}
        pre_kw = d.get("_forward_pre_hooks_with_kwargs") or {}
        fwd_kw = d.get("_forward_hooks_with_kwargs") or {}
        fwd_always = d.get("_forward_hooks_always_called") or {}
        result = None
        called: set[int] = set()
        try:
            backward_pre = [*_GLOBAL.backward_pre_hooks.values(), *(d.get("_backward_pre_hooks") or {}).values()]
            backward = [*_GLOBAL.backward_hooks.values(), *(d.get("_backward_hooks") or {}).values()]
            for hook_id, hook in (*_GLOBAL.forward_pre_hooks.items(), *pre_hooks.items()):
                if hook_id in pre_kw:
                    new = hook(self, args, kwargs)
                    if new is not None:
                        if isinstance(new, tuple) and len(new) == 2:
                            args, kwargs = new
                        else:
                            raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                               f"new_kwargs), but got {new}.")
                else:
                    new = hook(self, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)
            bw_hook = None
            if backward or backward_pre:
                from chainrule.autograd.backward_hook import BackwardHook

                bw_hook = BackwardHook(self, backward, backward_pre)
                args = bw_hook.setup_input_hook(tuple(args))
            result = self.forward(*args, **kwargs)
            for hook_id, hook in (*_GLOBAL.forward_hooks.items(), *fwd_hooks.items()):
                if hook_id in fwd_always or hook_id in _GLOBAL.forward_always:
                    called.add(hook_id)
                if hook_id in fwd_kw or hook_id in _GLOBAL.forward_with_kwargs:
                    new = hook(self, args, kwargs, result)
                else:
                    new = hook(self, args, result)
                if new is not None:
                    result = new
            if bw_hook is not None:
                if not isinstance(result, Tensor | tuple):
                    warnings.warn(f"For backward hooks to be called, module output should be a Tensor or a tuple "
                                  f"of Tensors but received {type(result)}", stacklevel=2)
                else:
                    result = bw_hook.setup_output_hook(result)
            return result
        except Exception:
            for hook_id, hook in (*_GLOBAL.forward_hooks.items(), *fwd_hooks.items()):
                if hook_id in called or not (hook_id in fwd_always or hook_id in _GLOBAL.forward_always):
                    continue
                try:
                    if hook_id in fwd_kw or hook_id in _GLOBAL.forward_with_kwargs:
                        new = hook(self, args, kwargs, result)
                    else:
                        new = hook(self, args, result)
                    if new is not None:
                        result = new
                except Exception as exc:
                    warnings.warn(f"module forward hook with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {exc}", stacklevel=2)
            raise

    # ----------------------------------------------------------------- hooks
    def _hook_table(self, name: str) -> OrderedDict:
        table = self.__dict__.get(name)
        if table is None:
            table = OrderedDict()
            object.__setattr__(self, name, table)
        object.__setattr__(self, "_has_hooks", True)
        return table

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call `hook(module, args)` before each forward; a returned value replaces args (a non-tuple is
        wrapped in one). With `with_kwargs=True`: `hook(module, args, kwargs)` returning None or
        `(new_args, new_kwargs)`. `prepend=True` runs it before the hooks already registered."""
        extras = [self._hook_table("_forward_pre_hooks_with_kwargs")] if with_kwargs else []
        return add_hook(self._hook_table("_forward_pre_hooks"), hook, prepend, extras)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call `hook(module, args, output)` (or `hook(module, args, kwargs, output)` with `with_kwargs=True`)
        after each forward; a returned value replaces the output. `always_call=True`: run it even when
        forward raises (the exception is then re-raised)."""
        extras = []
        if with_kwargs:
            extras.append(self._hook_table("_forward_hooks_with_kwargs"))
        if always_call:
            extras.append(self._hook_table("_forward_hooks_always_called"))
        return add_hook(self._hook_table("_forward_hooks"), hook, prepend, extras)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_output)` when the gradients of the module's outputs are computed (a tuple,
        None where no gradient flows); a returned tuple replaces grad_output."""
        return add_hook(self._hook_table("_backward_pre_hooks"), hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` when the gradients of the module's inputs are computed
        (tuples, None where no gradient flows); a returned tuple replaces grad_input."""
        return add_hook(self._hook_table("_backward_hooks"), hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        raise NotImplementedError("register_backward_hook (the deprecated non-full backward hook) is not supported: "
                                  "use register_full_backward_hook")

    # ----------------------------------------------------------------- registration
    def _check_init(self) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign parameters or submodules before {type(self).__name__}.__init__() "
                                 f"calls super().__init__()")

    # Registered parameters, buffers and submodules live in their tables (what traversal and state_dict read)
    # and are mirrored in the instance dict, so that `self.weight` is a plain attribute lookup.
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_init()
            self._discard(name)
            d["_parameters"][name] = d[name] = value
        elif isinstance(value, Module):
            self._check_init()
            self._discard(name)
            d["_modules"][name] = d[name] = value
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(cr.nn.Parameter or None expected)")
            d["_parameters"][name] = d[name] = None
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(cr.nn.Module or None expected)")
            d["_modules"][name] = d[name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(cr.Tensor or None expected)")
            d["_buffers"][name] = d[name] = value
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name: str) -> None:
        d = self.__dict__
        d.pop(name, None)
        for table in ("_parameters", "_modules", "_buffers"):
            d[table].pop(name, None)

    def _register(self, table: str, name: str, value: Any) -> None:
        self._check_init()
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"attribute name must be a non-empty string without '.', got {name!r}")
        self._discard(name)
        self.__dict__[table][name] = self.__dict__[name] = value

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(table, {}):
                del self.__dict__[table][name]
                self.__dict__.pop(name, None)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(cr.nn.Parameter or None required)")
        self._register("_parameters", name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(cr.Tensor or None required)")
        self._register("_buffers", name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._register("_modules", name, module)

    register_module = add_module

    # ----------------------------------------------------------------- traversal
    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path (`"encoder.0"`); "" is the module itself, as in PyTorch."""
        module = self
        for item in target.split(".") if target else ():
            child = module._modules.get(item)
            if child is None:
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = child
        return module

    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, prefix + ("." if prefix else "") + name)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, table: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, value in module.__dict__[table].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], None]) -> Module:
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- modes and gradients
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        zero_grads(self.parameters(), set_to_none)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """As `torch.nn.Module.to`: `model.to(device)`, `model.to(cr.float64)`, `model.to(device, dtype)`,
        `model.to(tensor)`: casts floating-point parameters and buffers in place; another device than the
        CPU raises (chainrule computes on the CPU)."""
        target, other, _ = parse_to(args, kwargs, "to")
        if other is not None:
            target = other.dtype
        if target is None:
            return self
        dt = dtypes.to_dtype(target)
        if not dt.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={dt}")
        np_dtype = dt.np
        for t in list(self.parameters()) + list(self.buffers()):
            if t.array.dtype.kind == "f":
                t._data = np.asarray(t.array, dtype=np_dtype)
        return self

    def cuda(self, device: int | str | None = None) -> Module:
        """Always an error: chainrule has no GPU support (use `.to(device)` with a device that may be 'cpu')."""
        raise DeviceUnavailableError("cuda: device 'cuda' is not available: chainrule computes on the CPU only "
                                     "(there is no CUDA support); use 'cpu' or drop the .cuda() call")

    def double(self) -> Module:
        return self.to(dtypes.float64)

    def float(self) -> Module:
        return self.to(dtypes.float32)

    def cpu(self) -> Module:
        return self

    # ----------------------------------------------------------------- state
    def state_dict(self, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, in PyTorch's order; values share storage."""
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place, so optimizers keep working).

        Shape mismatches are always an error; missing and unexpected keys are errors when `strict`."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                shape = tuple(np.shape(value.array if isinstance(value, Tensor) else value))
                if shape != tuple(target.shape):
                    mismatched.append(f"size mismatch for {key}: copying a param with shape {shape} from checkpoint, "
                                      f"the shape in current model is {tuple(target.shape)}")
        errors = list(mismatched)
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    _copy_into(target, state_dict[key])
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        if not self._modules:
            return f"{self._get_name()}({extra})"
        body = "\n  ".join(lines)
        return f"{self._get_name()}(\n  {body}\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


def _copy_into(target: Tensor, value: Any) -> None:
    data = value.array if isinstance(value, Tensor) else np.asarray(value)
    if type(target.array) is np.ndarray and target.array.ndim:
        np.copyto(target.array, data, casting="unsafe")
    else:
        target._data = np.asarray(data, dtype=target.array.dtype)
    target._version += 1
