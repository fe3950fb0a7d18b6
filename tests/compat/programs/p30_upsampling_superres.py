# A small super-resolution network: reflection padding, Conv2d, InstanceNorm2d, PixelShuffle up, an Upsample
# (bilinear) skip connection, F.interpolate, RMSNorm on the flattened features, Adam; and Unfold/Fold as im2col.
import torch
import torch.nn as nn
import torch.nn.functional as F


class SuperRes(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(1, 8, 3), nn.InstanceNorm2d(8, affine=True),
                                  nn.ReLU(), nn.ZeroPad2d((1, 1, 1, 1)), nn.Conv2d(8, 4, 3), nn.PixelShuffle(2))
        self.skip = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.norm = nn.RMSNorm(16 * 16)

    def forward(self, x):
        y = self.body(x) + self.skip(x)
        return self.norm(y.flatten(1)).view_as(y)


model = SuperRes()
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.73 + i).reshape(p.shape) * 0.4 + 0.1)
high = torch.sin(torch.arange(4 * 16 * 16, dtype=torch.float32) * 0.07).reshape(4, 1, 16, 16)
low = F.interpolate(high, scale_factor=0.5, mode="nearest")
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
losses = []
for step in range(8):
    loss = F.mse_loss(model(low), high)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

patches = nn.Unfold(kernel_size=2, stride=2)(high)
rebuilt = nn.Fold(output_size=(16, 16), kernel_size=2, stride=2)(patches)
bilinear = F.interpolate(low[:1], size=(5, 7), mode="bilinear", align_corners=True)
linear = F.interpolate(low[:1, :, 0], scale_factor=1.5, mode="linear")

RESULT = {"losses": losses, "low_shape": list(low.shape), "patches_shape": list(patches.shape),
          "fold_roundtrip": torch.equal(rebuilt, high), "bilinear": bilinear, "linear": linear,
          "unshuffled": nn.PixelUnshuffle(2)(high[:1]).shape[1], "repr": repr(model)}
TOLERANCE = (1e-4, 1e-5)
