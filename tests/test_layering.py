"""Architecture rule: nothing outside the core assigns to a core class, method, module instance or node at
run time. The layers above (explain, viz, trace, web, widgets, cli, chapter) see the engine through its
seams (module hooks, `cr.autograd.observe()`, `cr.autograd.observe_calls()`); this AST check over their
source fails on monkey-patching: `Tensor.backward = ...`, `Module.__call__ = ...`, `setattr(autograd, ...)`,
`object.__setattr__(module, "forward", ...)`, writes through `__dict__`, or stores into node fields."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"
UPPER = ("explain", "viz", "trace", "playgrounds", "web", "widgets", "cli", "chapter")
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
