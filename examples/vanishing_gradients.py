"""The chapter's opening, run: a 10-layer network whose first-layer gradient vanishes or explodes
with the scale of its weights.

Each layer is Linear(16, 16) followed by ReLU, with weights drawn as scale * sqrt(2 / 16) * N(0, 1)
(scale 1 is He initialization, which keeps signals steady through ReLU layers). The gradient reaching
the first layer is a product of every later layer's weights (and the forward signal of every earlier
one), so its size goes like scale**10 or faster: it vanishes at scale 0.25 and explodes at scale 3.

    python examples/vanishing_gradients.py           # tables for three scales
    python examples/vanishing_gradients.py --plot    # also writes gradient_flow_<scale>.png
"""

from __future__ import annotations

import sys

import chainrule as cr
from chainrule import nn


def network(scale: float, depth: int = 10, width: int = 16, seed: int = 0) -> nn.Sequential:
    cr.manual_seed(seed)
    layers: list[nn.Module] = []
    for _ in range(depth):
        linear = nn.Linear(width, width, dtype=cr.float64)
        with cr.no_grad():
            linear.weight.copy_(cr.randn(width, width, dtype=cr.float64) * (scale * (2.0 / width) ** 0.5))
            linear.bias.zero_()
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last layer


def first_layer_gradient(scale: float, plot: bool = False) -> float:
    model = network(scale)
    cr.manual_seed(1)
    x = cr.randn(64, 16, dtype=cr.float64)
    target = cr.randn(64, 16, dtype=cr.float64)
    loss = ((model(x) - target) ** 2).mean()
    loss.backward()
    flow = cr.explain.gradient_flow(model)
    print(f"\nweight scale {scale}: loss {loss.item():.4g}")
    flow.print()
    if plot:
        flow.plot(f"gradient_flow_{scale}.png")
    return flow.layers[0].grad_norm


if __name__ == "__main__":
    plot = "--plot" in sys.argv
    norms = {scale: first_layer_gradient(scale, plot) for scale in (0.25, 1.0, 3.0)}
    print("\nfirst layer's gradient norm by weight scale:")
    for scale, norm in norms.items():
        print(f"  scale {scale}: {norm:.3g}")
