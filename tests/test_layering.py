"""Architecture rules (docs/architecture.md), checked on the source's syntax trees.

Nothing outside the core assigns to a core class, method, module instance or node at run time. The layers
above (explain, viz, trace, web, widgets, cli, chapter, onnx) see the engine through its seams (module hooks,
`cr.autograd.observe()`, `cr.autograd.observe_calls()`); the first check fails on monkey-patching:
`Tensor.backward = ...`, `Module.__call__ = ...`, `setattr(autograd, ...)`, `object.__setattr__(module,
"forward", ...)`, writes through `__dict__`, or stores into node fields. The others: no private name crosses
a package line, `._data` is read only through `.array` outside the engine, and the upper layers read no
private attribute of the core's objects."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"
UPPER = ("explain", "viz", "trace", "playgrounds", "web", "widgets", "cli", "chapter", "onnx")
CORE = ("engine", "ops", "autograd", "nn", "optim", "func", "creation", "dtypes", "random", "serialization",
        "interop", "datasets", "utils")
# Fields of engine nodes and tensor internals, and the methods a patch would replace: never assigned from above.
FORBIDDEN_ATTRS = {
    "op", "inputs", "datas", "parents", "out", "attrs", "epoch", "acc", "deps", "mark", "tensor_ref", "hooks",
    "retains_grad", "watched", "out_modified", "creation_trace", "out_name", "grad_fn", "_data", "_version",
    "_grad_hooks", "_post_accumulate_hooks", "_modified_epoch", "forward", "backward", "__call__", "__init__",
    "__getattr__", "__setattr__", "_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_parameters",
    "_modules", "_buffers",
}
DICT_WRITES = {"pop", "update", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"}


def _core_names(tree: ast.Module) -> set[str]:
    """Names bound by importing chainrule's core (modules, classes, functions) or chainrule itself."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "chainrule" or alias.name.split(".")[1:2] and alias.name.split(".")[1] in CORE:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "chainrule" and (len(parts) == 1 or parts[1] in CORE):
                for alias in node.names:
                    names.add(alias.asname or alias.name)
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    core = _core_names(tree)
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: {what}")

    def check_target(target: ast.expr, node: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for t in target.elts:
                check_target(t, node)
            return
        if isinstance(target, ast.Attribute):
            base = _root(target.value)
            if base == "self" and isinstance(target.value, ast.Name):
                return  # an upper-layer object's own attribute
            if target.attr in FORBIDDEN_ATTRS:
                flag(node, f"assigns .{target.attr} of {ast.unparse(target.value)}")
            elif base in core and isinstance(target.value, ast.Name | ast.Attribute) and base != "self":
                flag(node, f"assigns {ast.unparse(target)} on the core")
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
                and target.value.attr == "__dict__":
            flag(node, f"writes {ast.unparse(target)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                check_target(target, node)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and node.target is not None:
            check_target(node.target, node)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                check_target(target, node)
        elif isinstance(node, ast.Call):
            func = node.func
            text = ast.unparse(func)
            if text in ("object.__setattr__", "object.__delattr__", "type.__setattr__"):
                flag(node, f"calls {text}")
            elif text in ("setattr", "delattr") and node.args:
                first = node.args[0]
                if _root(first) in core or (isinstance(first, ast.Name) and first.id in ("module", "node", "tensor")):
                    flag(node, f"calls {text}({ast.unparse(first)}, ...)")
            elif (isinstance(func, ast.Attribute) and func.attr in DICT_WRITES
                  and isinstance(func.value, ast.Attribute) and func.value.attr == "__dict__"):
                flag(node, f"calls {text}")
    return found


def _upper_files() -> list[Path]:
    return sorted(p for pkg in UPPER for p in (SRC / pkg).rglob("*.py"))


def test_there_are_upper_layer_files() -> None:
    assert len(_upper_files()) > 20


@pytest.mark.parametrize("path", _upper_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_monkey_patching_of_the_core(path: Path) -> None:
    assert _problems(path) == []


def test_the_check_catches_patches(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from chainrule.engine.tensor import Tensor\n"
        "from chainrule import autograd\n"
        "import chainrule as cr\n"
        "Tensor.backward = None\n"
        "setattr(autograd, 'grad', None)\n"
        "cr.nn.Module.__call__ = None\n"
        "object.__setattr__(m, 'forward', None)\n"
        "m.__dict__.pop('forward', None)\n"
        "node.retains_grad = False\n"
        "n.__dict__['x'] = 1\n", encoding="utf-8")
    global SRC
    saved, SRC = SRC, tmp_path.parent
    try:
        problems = _problems(bad)
    finally:
        SRC = saved
    assert len(problems) == 7, problems


# ----------------------------------------------------------------------------- private names and `._data`
# The packages of src/chainrule: a subpackage (engine, ops, nn, ...) or a top-level module (creation, random, ...).
def _package_of_file(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _package_of_module(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "chainrule"


def _is_module(module: str) -> bool:
    base = SRC.parent.joinpath(*module.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# Private names still imported or read across package lines, with the reason each cannot go yet. Keep it empty.
PRIVATE_ALLOWED: dict[str, str] = {}


def _private_crossings(path: Path) -> list[str]:
    """`from chainrule.other import _name`, imports from another package's `_module`, and `module._name` on a
    module imported from another package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    mine = _package_of_file(path)
    where = str(path.relative_to(SRC.parent))
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> module of another package
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "chainrule" and _package_of_module(node.module) != mine:
            private_module = any(_private(p) for p in node.module.split(".")[1:])
            for alias in node.names:
                if private_module or _private(alias.name):
                    found.append(f"{where}:{node.lineno}: from {node.module} import {alias.name}")
                elif _is_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("chainrule.") and _package_of_module(alias.name) != mine:
                    if any(_private(p) for p in alias.name.split(".")):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
                    if alias.asname:
                        modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules \
                and _private(node.attr):
            found.append(f"{where}:{node.lineno}: {modules[node.value.id]}.{node.attr}")
    return [f for f in found if f.split(": ", 1)[1] not in PRIVATE_ALLOWED]


def _all_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_private_name_crosses_a_package_line() -> None:
    assert [p for path in _all_files() for p in _private_crossings(path)] == []


def test_the_private_name_check_catches_crossings(tmp_path: Path) -> None:
    pkg = tmp_path / "chainrule" / "nn"
    pkg.mkdir(parents=True)
    (tmp_path / "chainrule" / "engine").mkdir()
    (tmp_path / "chainrule" / "engine" / "observe.py").write_text("", encoding="utf-8")
    bad = pkg / "bad.py"
    bad.write_text("from chainrule.engine.backward import _seed\n"
                   "from chainrule.nn._functional_more import x\n"  # same package: fine
                   "from chainrule.ops import _private_module\n"
                   "from chainrule.engine import observe as _observe\n"
                   "_observe._local.calls\n", encoding="utf-8")
    global SRC
    saved, SRC = SRC, tmp_path / "chainrule"
    try:
        found = _private_crossings(bad)
    finally:
        SRC = saved
    assert len(found) == 3, found
    assert "from chainrule.engine.backward import _seed" in found[0]
    assert "chainrule.engine.observe._local" in found[2]


# A tensor's storage is read through the public `Tensor.array` outside the engine (`._data` is the engine's
# field). Every package reads through `.array`; files that store the field (the in-place machinery) are listed
# with the reason. Keep DATA_READS_ALLOWED empty.
DATA_READS_ALLOWED: dict[str, str] = {}
DATA_STORES_ALLOWED = {  # files outside the engine that set a tensor's storage, and why
    "ops/registry.py": "makes each op's output tensor (node creation)",
    "ops/elementwise.py": "makes binary ops' output tensors (node creation, the unrolled fast path)",
    "ops/inplace.py": "in-place ops write into the tensor they update",
    "ops/views.py": "a view is refreshed from its base after an out-of-place rebase",
    "ops/out.py": "`out=` resizes the output tensor",
    "autograd/gradcheck.py": "perturbs an input's values in place for finite differences",
    "nn/parameter.py": "a Parameter adopts its data's storage; zero_grads clears gradients in place",
    "nn/modules/module.py": "Module.to(dtype) and load_state_dict write into the parameters' own storage",
    "nn/modules/batchnorm.py": "num_batches_tracked counts up in place, as PyTorch's buffer does",
    "nn/init.py": "initializers fill a parameter in place (under no_grad), as torch.nn.init does",
    "optim": "optimizers update parameters, gradients and momentum buffers in place (under no_grad)",
}


def _data_uses(path: Path) -> tuple[list[int], list[int]]:
    """Line numbers of reads and of stores of an attribute named `_data` (`x._data`, `getattr(x, "_data")`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    reads, stores = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "_data":
            (reads if isinstance(node.ctx, ast.Load) else stores).append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "_data":
            (stores if node.func.id in ("setattr", "delattr") else reads).append(node.lineno)
    return reads, stores


def _allowed(path: Path, table: dict[str, str]) -> bool:
    rel = path.relative_to(SRC)
    return str(rel) in table or (len(rel.parts) > 1 and rel.parts[0] in table)


def test_data_is_read_through_the_public_accessor_outside_the_engine() -> None:
    found = []
    for path in _all_files():
        if path.relative_to(SRC).parts[0] == "engine":
            continue
        reads, stores = _data_uses(path)
        rel = path.relative_to(SRC.parent)
        if reads and not _allowed(path, DATA_READS_ALLOWED):
            found += [f"{rel}:{n}: reads ._data (use .array)" for n in reads]
        if stores and not _allowed(path, DATA_STORES_ALLOWED) and not _allowed(path, DATA_READS_ALLOWED):
            found += [f"{rel}:{n}: stores ._data" for n in stores]
    assert found == []



def test_the_data_check_catches_reads_and_stores(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("a = t._data\n"
                   "b = getattr(t, '_data', t)\n"
                   "t._data = a\n"
                   "setattr(t, '_data', b)\n"
                   "c = t.array\n", encoding="utf-8")
    assert _data_uses(bad) == ([1, 2], [3, 4])

# ----------------------------------------------------------------------------- private attributes of core objects
# The layers above the core read the engine through public names: `t.array` (not `t._data`), `t._version`
# (PyTorch's own name), `module.named_parameters(recurse=False)` (not `module._parameters`), `from_numpy(a)` (not
# `Tensor._make(a)`). This check fails when a module of an upper layer reads or writes an attribute with one
# leading underscore (`x._name`, `getattr(x, "_name")`) of anything but `self`, `cls`, `type(self)`, `super()`, a
# class or function of its own module, a name imported from its own package, or a module from outside chainrule
# (`sys._getframe`, `os._exit`: the standard library's documented API).
PRIVATE_ATTR_LAYERS = ("explain", "viz", "trace", "playgrounds", "web", "widgets", "cli", "onnx", "compile",
                       "chapter")
# "<package>" (every file of it), "<file>: .<attribute>" or "*: .<attribute>" (anywhere), with the reason each is
# allowed.
PRIVATE_ATTRS_ALLOWED = {
    "*: ._version": "PyTorch's own public name: `Tensor._version`, the in-place version counter (its docs and "
                    "torch.autograd's errors name it)",
    "trace/substitute.py: ._cr_key": "substitute.py's own tag on the ast nodes it parsed itself (its data on "
                                     "standard-library objects, not the core's)",
}
_ACCESSORS = ("getattr", "hasattr", "setattr", "delattr")


def _own_names(tree: ast.Module, package: str) -> set[str]:
    """Names whose private attributes are this module's own business (see above)."""
    names = {"self", "cls"}
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "chainrule":
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level > 0 or parts[:2] == ["chainrule", package]:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _is_own(value: ast.expr, own: set[str]) -> bool:
    if isinstance(value, ast.Name):
        return value.id in own
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        if value.func.id == "super":
            return True
        return value.func.id == "type" and len(value.args) == 1 and isinstance(value.args[0], ast.Name) \
            and value.args[0].id == "self"
    return False


def _private_attribute_uses(path: Path) -> list[str]:
    rel = path.relative_to(SRC)
    package = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    if package in PRIVATE_ATTRS_ALLOWED:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    own = _own_names(tree, package)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            value, attr = node.value, node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _ACCESSORS \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str) and _private(node.args[1].value):
            value, attr = node.args[0], node.args[1].value
        else:
            continue
        if _is_own(value, own) or f"{rel}: .{attr}" in PRIVATE_ATTRS_ALLOWED or f"*: .{attr}" in PRIVATE_ATTRS_ALLOWED:
            continue
        found.append((node.lineno, f"{SRC.name}/{rel}:{node.lineno}: {ast.unparse(node)}"))
    return [text for _, text in sorted(found)]


def _private_attr_files() -> list[Path]:
    return sorted(p for pkg in PRIVATE_ATTR_LAYERS for p in (SRC / pkg).rglob("*.py"))


def test_upper_layers_read_no_private_attribute_of_the_core() -> None:
    assert [p for path in _private_attr_files() for p in _private_attribute_uses(path)] == []


def test_the_private_attribute_allow_table_has_no_stale_entries() -> None:
    for key in PRIVATE_ATTRS_ALLOWED:
        where = key.split(": .")[0]
        if where == "*":
            continue
        assert (SRC / where).exists(), key
        if ": ." in key:
            assert f".{key.split(': .')[1]}" in (SRC / where).read_text(encoding="utf-8"), key


def test_the_private_attribute_check_catches_reads(tmp_path: Path) -> None:
    pkg = tmp_path / "chainrule" / "explain"
    pkg.mkdir(parents=True)
    bad = pkg / "bad.py"
    bad.write_text("import sys\n"
                   "from chainrule.engine.tensor import Tensor\n"
                   "from chainrule.explain import record\n"
                   "from chainrule.explain.record import Recorder\n"
                   "class Mine:\n"
                   "    def f(self, t, leaf, module):\n"
                   "        self._ok, type(self)._ok, super()._ok, Mine._ok, record._ok, Recorder._ok\n"
                   "        sys._getframe(0)\n"
                   "        t._version\n"  # PyTorch's name: allowed
                   "        t._modified_epoch\n"  # caught: 1
                   "        leaf._grad_hooks.append(None)\n"  # 2
                   "        getattr(module, '_parameters', {})\n"  # 3
                   "        Tensor._make(None)\n"  # 4
                   "        t.grad_fn._saved = None\n"  # 5
                   "        getattr(module, '__dict__')\n", encoding="utf-8")
    global SRC
    saved, SRC = SRC, tmp_path / "chainrule"
    try:
        found = _private_attribute_uses(bad)
    finally:
        SRC = saved
    assert len(found) == 5, found
    assert [f.split(": ", 1)[1] for f in found] == [
        "t._modified_epoch", "leaf._grad_hooks", "getattr(module, '_parameters', {})", "Tensor._make",
        "t.grad_fn._saved"], found


# Modules inside the package import the modules they use, never the root `chainrule` (which imports every layer:
# a cycle).
ROOT_IMPORTS_ALLOWED: dict[str, str] = {}


def _root_imports(path: Path) -> list[str]:
    """`import chainrule` and `from chainrule import name` where the name is not a module of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name == "chainrule" for alias in node.names):
            found.append(f"{path.name}:{node.lineno}: import chainrule")
        elif isinstance(node, ast.ImportFrom) and node.module == "chainrule" and node.level == 0:
            found += [f"{path.name}:{node.lineno}: from chainrule import {alias.name}" for alias in node.names
                      if not _is_module(f"chainrule.{alias.name}")]
    return found


def test_no_module_imports_the_root_package() -> None:
    found = []
    for path in _all_files():
        rel = path.relative_to(SRC)
        if rel.parts == ("__init__.py",) or rel.parts[0] in ROOT_IMPORTS_ALLOWED:
            continue
        found += [f"{rel.parent}/{p}" for p in _root_imports(path)]
    assert found == []


def test_the_root_import_check_catches_them(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import chainrule\nimport chainrule as cr\nfrom chainrule import __version__, nn\n"
                   "from chainrule import dtypes\nimport chainrule.nn\n", encoding="utf-8")
    assert [p.split(": ", 1)[1] for p in _root_imports(bad)] == [
        "import chainrule", "import chainrule", "from chainrule import __version__"]
