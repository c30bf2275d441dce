"""A small mobile-style classifier mixing the less common layers: ReLU6, LeakyReLU, GELU, SiLU,
Dropout2d, AvgPool2d with ceil_mode, AdaptiveAvgPool2d(1) and a Softmax head."""
from collections import OrderedDict

import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self, in_channels: int = 3, num_classes: int = 10, drop_rate: float = 0.1) -> None:
        super().__init__()
        # stride-2 3x3 conv without padding: 224 -> 111, an odd size on purpose
        self.stem = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(in_channels, 32, kernel_size=3, stride=2)),
            ("bn", nn.BatchNorm2d(32)),
            ("act", nn.ReLU6(inplace=True)),
        ]))
        # ceil_mode keeps the last odd row/column: 111 -> 56 (55 without it)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2, ceil_mode=True)
        self.block1 = nn.Sequential(
            nn.Conv2d(32, 64, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
            nn.LeakyReLU(negative_slope=0.1, inplace=True),
            nn.Dropout2d(p=drop_rate),
        )
        self.block2 = nn.Sequential(
            nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(128),
            nn.GELU(),
            nn.Conv2d(128, 128, kernel_size=1),
            nn.SiLU(),
        )
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = self.pool(x)
        x = self.block1(x)
        x = self.block2(x)
        x = self.global_pool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc(x)
        return self.softmax(x)


if __name__ == "__main__":
    model = SmallCNN().eval()
    with torch.no_grad():
        probs = model(torch.randn(2, 3, 224, 224))
    print(probs.shape, probs.sum(dim=1))
