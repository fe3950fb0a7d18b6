"""`torch.utils.data.dataloader`'s path: `DataLoader` and the collate functions, re-exported from
`chainrule.utils.data`."""

from chainrule.utils.data import DataLoader, default_collate, default_convert

__all__ = ["DataLoader", "default_collate", "default_convert"]
