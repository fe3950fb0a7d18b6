"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList` and `ParameterDict`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn.modules.module import Module
from chainrule.nn.parameter import Parameter

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


class _IndexedModules(Module):
    """What Sequential and ModuleList share: modules under the keys "0", "1", ... addressed by position,
    renumbered after an insertion or deletion, as in PyTorch."""

    def _key(self, idx: int) -> str:
        keys = list(self._modules)
        if not isinstance(idx, int | np.integer):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, not {type(idx).__name__}")
        if not -len(keys) <= idx < len(keys):
            raise IndexError(f"index {idx} is out of range for a {type(self).__name__} of {len(keys)} modules")
        return keys[idx]

    def _renumber(self, modules: Iterable[Module]) -> None:
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, idx: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _put(self, "_modules", self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[list(self._modules).index(self._key(idx))]
        self._renumber(modules)

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        for module in modules:
            self.append(module)
        return self

    def pop(self, key: int | slice) -> Module:
        module = self[key]
        del self[key]
        return module


class Sequential(_IndexedModules):
    """Runs its modules in order, each on the previous one's output. Accepts modules or an OrderedDict."""

    def __init__(self, *args: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        for name, module in self._modules.items():
            try:
                input = module(input)
            except (RuntimeError, ValueError) as exc:  # say which layer of the stack failed
                exc.add_note(f"raised by layer ({name}) of the Sequential, {type(module).__name__}")
                raise
        return input

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key(idx)]

    def insert(self, index: int, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        modules = list(self._modules.values())
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"Index out of range: {index}")
        modules.insert(index if index >= 0 else index + len(modules), module)
        self._renumber(modules)
        return self


class ModuleList(_IndexedModules):
    """A list of modules, registered so that their parameters are found."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for m in modules or ():
            self.append(m)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def insert(self, index: int, module: Module) -> None:
        """Insert before `index` (non-negative; past the end appends), renumbering the later modules."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def __repr__(self) -> str:
        """PyTorch's listing, consecutive modules with equal reprs shown once: `(0-5): 6 x TransformerEncoderLayer(`."""
        reprs = [repr(m) for m in self._modules.values()]
        if not reprs:
            return f"{self._get_name()}()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for start, end, text in runs:
            label = f"({start}): " if start == end else f"({start}-{end}): {end - start + 1} x "
            lines.append((label + text).replace("\n", "\n  "))
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"


def _free_key(module: Module, key: Any, what: str) -> str:
    """PyTorch's checks on a container key: a string, no '.', not an existing attribute (a key named
    like a method would hide it)."""
    if not isinstance(key, str):
        raise TypeError(f"{what} name should be a string. Got {type(key).__name__}")
    if hasattr(type(module), key) or (key in module.__dict__ and key not in module._modules
                                      and key not in module._parameters):
        raise KeyError(f"attribute '{key}' already exists")
    return key


def _put(module: Module, table: str, key: str, value: Any) -> None:
    """Register `value` under `key`; an existing key keeps its position (as PyTorch's dict assignment)."""
    if key in module.__dict__[table]:
        module.__dict__[table][key] = module.__dict__[key] = value
    elif table == "_modules":
        module.add_module(key, value)
    else:
        module.register_parameter(key, value)


def _pairs(values: Any, container: str) -> Iterable[tuple[Any, Any]]:
    if isinstance(values, Mapping | ModuleDict | ParameterDict):
        return list(values.items())
    out = []
    for j, item in enumerate(values):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(f"{container} update sequence element #{j} should be a (key, value) pair, got "
                             f"{item!r}")
        out.append((item[0], item[1]))
    return out


class ModuleDict(Module):
    """Modules by name, registered (in insertion order) so that their parameters are found; state_dict
    keys are `name.param`."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if key not in self._modules:
            _free_key(self, key, "module")
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _put(self, "_modules", key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self.__dict__.pop(key, None)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module


def _torch_repr(module: Module) -> str:
    """PyTorch's Module.__repr__ for a module whose extra_repr has several lines and no children."""
    extra = module.extra_repr()
    lines = extra.split("\n") if extra else []
    if not lines:
        return f"{module._get_name()}()"
    if len(lines) == 1:
        return f"{module._get_name()}({lines[0]})"
    return f"{module._get_name()}(\n  " + "\n  ".join(lines) + "\n)"


def _as_parameter(value: Any, container: str) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)  # a plain tensor is wrapped (sharing its storage), as PyTorch
    raise TypeError(f"{container} holds tensors (cr.nn.Parameter), got {type(value).__name__}")


def _parameter_line(key: Any, p: Parameter, dtype_name: str) -> str:
    size = "x".join(str(n) for n in p.shape)
    return f"  ({key}): Parameter containing: [{dtype_name} of size {size}]"


class ParameterList(Module):
    """A list of parameters, registered as "0", "1", ... (plain tensors are wrapped in Parameter)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> int:
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range")
        return idx % n

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[str(self._index(idx))]

    def __setitem__(self, idx: int, value: Any) -> None:
        _put(self, "_parameters", str(self._index(idx)), _as_parameter(value, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p, str(p.dtype)) for k, p in enumerate(self))

    def __repr__(self) -> str:
        return _torch_repr(self)


class ParameterDict(Module):
    """Parameters by name, in insertion order (plain tensors are wrapped in Parameter)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._parameters:
            _free_key(self, key, "parameter")
        _put(self, "_parameters", key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        self.__dict__.pop(key, None)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def clear(self) -> None:
        for key in list(self._parameters):
            del self[key]

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self[key]
        return value

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = _pairs(parameters, "ParameterDict")
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            pairs = sorted(pairs)  # PyTorch sorts a plain dict's keys (an OrderedDict keeps its order)
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p, p.type()) for k, p in self.items())

    def __repr__(self) -> str:
        return _torch_repr(self)
