"""A CIFAR-10 net as such repos write it: GroupNorm + PReLU, InstanceNorm2d + ELU, LayerNorm, Hardtanh, clamp."""
# input[3, 32, 32]
import torch
import torch.nn as nn
import torch.nn.functional as F


class NormActNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1, bias=False)
        self.gn1 = nn.GroupNorm(8, 32)
        self.act1 = nn.PReLU(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.in2 = nn.InstanceNorm2d(64, affine=True)
        self.act2 = nn.ELU(alpha=0.5)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.in3 = nn.InstanceNorm2d(64)
        self.act3 = nn.Hardtanh(0.0, 6.0)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.ln = nn.LayerNorm(128)
        self.act4 = nn.PReLU()
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.max_pool2d(self.act1(self.gn1(self.conv1(x))), 2)
        x = F.max_pool2d(self.act2(self.in2(self.conv2(x))), 2)
        x = F.max_pool2d(self.act3(self.in3(self.conv3(x))), 2)
        x = torch.clamp(x, max=4.0) + x.clamp_min(1.0)
        x = self.act4(self.ln(self.fc1(torch.flatten(x, 1))))
        return self.fc2(F.hardtanh(x, -3.0, 3.0))
