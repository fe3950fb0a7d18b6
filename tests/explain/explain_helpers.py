"""Shared builders for the explain tests: the chapter's examples recorded in full."""

from __future__ import annotations

import os
from pathlib import Path

import chainrule as cr
from chainrule.chapter import examples

SNAPSHOTS = Path(__file__).parent / "snapshots"


def recorded(name: str) -> dict[str, cr.Tensor]:
    """Run one of the chapter's examples (which calls backward()) with recording on."""
    with cr.explain.record():
        return getattr(examples, name)()


def loss_of(tensors: dict[str, cr.Tensor]) -> cr.Tensor:
    return tensors["L"] if "L" in tensors else tensors["h"]


def two_layer(retain: bool = False) -> dict[str, cr.Tensor]:
    """The chapter's two-layer network, built directly (no backward yet)."""
    x = cr.tensor(3.0, dtype=cr.float64)
    w1 = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
    b1 = cr.tensor(0.0, dtype=cr.float64, requires_grad=True)
    w2 = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    b2 = cr.tensor(-1.0, dtype=cr.float64, requires_grad=True)
    z1 = w1 * x + b1
    h = cr.relu(z1)
    y = w2 * h + b2
    L = (y - 4.0) ** 2  # noqa: N806 - the chapter's name
    return cr.name_tensors(locals())


def check_snapshot(name: str, text: str) -> None:
    """Compare with the committed snapshot; UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept)"
