"""An LSTM learns to add up a sequence: 8 numbers in [-1, 1] come in one at a time, and after the last one a
linear layer reads the sum off the final hidden state.

    python examples/lstm_sum.py

Predicting 0 every time (the best constant) has a mean squared error of 8/3 = 2.67; after a few seconds of
Adam the LSTM's error on sequences it never saw is below 0.01. Backpropagation through time is nothing
special here: the LSTM is unrolled into 8 copies of its cell in the graph and `loss.backward()` applies the
chain rule through all of them.
"""

from __future__ import annotations

import chainrule as cr
from chainrule import nn

LENGTH = 8


class Summer(nn.Module):
    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: cr.Tensor) -> cr.Tensor:  # x: (batch, LENGTH, 1)
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1]).squeeze(-1)  # the last layer's final hidden state -> one number


def batch(n: int, generator: cr.Generator) -> tuple[cr.Tensor, cr.Tensor]:
    x = cr.rand(n, LENGTH, 1, generator=generator) * 2 - 1
    return x, x.sum((1, 2))


def train(steps: int = 400, seed: int = 0, verbose: bool = False) -> float:
    """Train on fresh random batches; return the mean squared error on 1000 held-out sequences."""
    cr.manual_seed(seed)
    data = cr.Generator(seed)
    model = Summer()
    optimizer = cr.optim.Adam(model.parameters(), lr=0.02)
    for step in range(1, steps + 1):
        x, y = batch(64, data)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  training loss {loss.item():.4f}")
    x, y = batch(1000, cr.Generator(seed + 1))
    with cr.no_grad():
        error = nn.functional.mse_loss(model(x), y).item()
    if verbose:
        print(f"held-out mean squared error {error:.4f} (always predicting 0: {LENGTH / 3:.2f})")
        sample = x[:3]
        with cr.no_grad():
            for seq, got in zip(sample.squeeze(-1).numpy(), model(sample).numpy()):
                print("  " + " + ".join(f"{v:+.2f}" for v in seq) + f" = {seq.sum():+.3f}, LSTM says {got:+.3f}")
    return error


def main() -> float:
    return train(verbose=True)


if __name__ == "__main__":
    main()
