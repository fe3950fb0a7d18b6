"""`cr.utils`: `cr.utils.data` (datasets and loaders), `cr.utils.hooks` (RemovableHandle)."""

from chainrule.utils import data, hooks

__all__ = ["data", "hooks"]
