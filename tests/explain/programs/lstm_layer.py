"""A sequence model over 200 time steps with the built-in nn.LSTM (its time steps run inside one forward)."""
import chainrule as cr
from chainrule import nn

cr.manual_seed(0)


class Sequence(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, xs: cr.Tensor) -> cr.Tensor:
        out, _ = self.lstm(xs)
        return self.head(out[-1])


model = Sequence()
sequence = cr.randn(200, 2, 3)
loss = model(sequence).pow(2).mean()
loss.backward()
print("loss", round(loss.item(), 6))
