# A convolutional autoencoder: Conv2d with stride down, ConvTranspose2d (with output_padding) up,
# Sigmoid output, MSELoss, Adam; F.conv_transpose2d called directly too.
import torch
import torch.nn as nn
import torch.nn.functional as F


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                     nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.91 + i).reshape(p.shape) * 0.3)
images = (torch.sin(torch.arange(6 * 8 * 8, dtype=torch.float32) * 0.05).reshape(6, 1, 8, 8) + 1) / 2
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.MSELoss()
losses = []
for epoch in range(10):
    recon = model(images)
    loss = criterion(recon, images)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

w = torch.sin(torch.arange(2 * 3 * 2 * 2, dtype=torch.float64)).reshape(2, 3, 2, 2)
x = torch.cos(torch.arange(1 * 2 * 3 * 3, dtype=torch.float64)).reshape(1, 2, 3, 3)
direct = F.conv_transpose2d(x, w, stride=2, padding=0, dilation=1)

RESULT = {"losses": losses, "recon_shape": list(recon.shape), "direct": direct,
          "decoder_weight_shape": list(model.decoder[0].weight.shape), "repr": repr(model.decoder[0])}
TOLERANCE = (1e-3, 1e-5)
