"""`dir(cr)` holds the public API and nothing else: no helper (`Any`, `annotations`, the `xp_*` VJP adapters)
leaks into the namespace, and `__all__` lists what is public."""

from __future__ import annotations

import types

import chainrule as cr

# chainrule's own subpackages and modules that are attributes of `cr` because they are imported (by chainrule
# itself, or later: `import chainrule.web` makes `cr.web`), not because they are API; what a user may rely on is
# in `cr.__all__`.
_IMPORTED_MODULES = {"creation", "dtypes", "engine", "ops"}


def _own_submodule(name: str) -> bool:
    value = getattr(cr, name)
    return isinstance(value, types.ModuleType) and value.__name__ == f"chainrule.{name}"


def test_dir_holds_only_the_public_names() -> None:
    public = set(cr.__all__)
    names = {n for n in dir(cr) if not n.startswith("_")}
    unexpected = sorted(n for n in names - public if not _own_submodule(n))
    assert unexpected == []


def test_all_names_exist_and_no_helpers_are_public() -> None:
    assert [n for n in cr.__all__ if not hasattr(cr, n)] == []
    assert len(cr.__all__) == len(set(cr.__all__))
    leaks = [n for n in cr.__all__ if n.startswith("xp_") or n in {"Any", "annotations", "cast", "getitem",
                                                                    "index_add_zeros", "TYPE_CHECKING"}]
    assert leaks == []


def test_imported_modules_are_chainrule_modules() -> None:
    for n in _IMPORTED_MODULES:
        assert isinstance(getattr(cr, n), types.ModuleType)
        assert getattr(cr, n).__name__ == f"chainrule.{n}"


def _public_namespaces() -> dict[str, types.ModuleType]:
    """Every module a user reaches through public names: `cr.nn`, `cr.nn.init`, `cr.utils.data`, ..."""
    found: dict[str, types.ModuleType] = {}
    todo = [cr]
    while todo:
        module = todo.pop()
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name, None)
            if isinstance(value, types.ModuleType) and value.__name__.startswith("chainrule.") \
                    and value.__name__ not in found:
                found[value.__name__] = value
                todo.append(value)
    return found


def test_every_public_namespace_declares_all() -> None:
    """`__all__` everywhere the public namespace is built: each module reached as `cr.<name>...` lists what it
    offers, and each listed name exists."""
    namespaces = _public_namespaces()
    assert {"chainrule.nn.init", "chainrule.random", "chainrule.utils.data", "chainrule.backends.cudnn"} <= set(
        namespaces)
    assert [n for n, m in namespaces.items() if not hasattr(m, "__all__")] == []
    assert [(n, a) for n, m in namespaces.items() for a in m.__all__ if not hasattr(m, a)] == []
