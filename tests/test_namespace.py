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
