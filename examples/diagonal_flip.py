"""The chapter's diagonal-flip task: a 2x2 binary image [a b; c d] in, the image flipped along its main
diagonal [a c; b d] out, for all 16 images, learned by a small ReLU network trained with chainrule.

    python examples/diagonal_flip.py

First the chapter's 4 -> 3 -> 4 network, then the same network with 4 hidden units. An output bit is read
as 1 when its logit is > 0.

Why 3 hidden units cannot reach zero error: each output bit is decided by the sign of an affine function of
the 3 hidden activations, i.e. by which side of a plane in the 3-D hidden space the image lands on. Four
planes cut 3-D space into at most 1 + 4 + 6 + 4 = 15 regions, but the 16 targets are 16 different bit
patterns, so they need 16 different regions: at least one image always comes out wrong, whatever the
weights. With 4 hidden units (16 regions possible) the network learns all 16 images exactly.
"""

from __future__ import annotations

import chainrule as cr
from chainrule import nn


def train(hidden: int, seed: int = 0, steps: int = 1000, lr: float = 0.05) -> tuple[nn.Module, int]:
    """Full-batch Adam on binary cross-entropy; returns the model and its number of wrong output bits."""
    x, y = cr.datasets.diagonal_flip()
    cr.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 4))
    optimizer = cr.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        optimizer.step()
    with cr.no_grad():
        wrong = int(((model(x).numpy() > 0) != (y.numpy() > 0.5)).sum())
    return model, wrong


def show(model: nn.Module) -> None:
    x, y = cr.datasets.diagonal_flip()
    with cr.no_grad():
        out = (model(x).numpy() > 0).astype(int)
    for bits, target, got in zip(x.numpy().astype(int), y.numpy().astype(int), out):
        mark = "ok" if (target == got).all() else "WRONG"
        print(f"  [{bits[0]} {bits[1]}; {bits[2]} {bits[3]}] -> [{got[0]} {got[1]}; {got[2]} {got[3]}]"
              f"   target [{target[0]} {target[1]}; {target[2]} {target[3]}]  {mark}")


def main() -> int:
    for hidden in (3, 4):
        model, wrong = train(hidden)
        x, y = cr.datasets.diagonal_flip()
        with cr.no_grad():
            images_wrong = int(((model(x).numpy() > 0) != (y.numpy() > 0.5)).any(axis=1).sum())
        print(f"\n4 -> {hidden} -> 4 ReLU network, seed 0: {wrong} of 64 output bits wrong, "
              f"{16 - images_wrong} of 16 images right")
        show(model)
    print("\nWith 3 hidden units at least one image must be wrong (4 planes make at most 15 regions of the hidden "
          "space for 16 patterns); 4 hidden units learn every image.")
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
