"""`cr.utils`: `cr.utils.data` (datasets and loaders)."""

from chainrule.utils import data
