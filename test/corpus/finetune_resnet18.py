# How most fine-tuning scripts start: torchvision's resnet18 without downloading weights, its fc replaced
# for 5 classes, the backbone frozen.
import torch
import torch.nn as nn
import torchvision.models as models

net = models.resnet18(weights=None)
net.fc = nn.Linear(512, 5)

for name, param in net.named_parameters():
    if not name.startswith("fc."):
        param.requires_grad = False

if __name__ == "__main__":
    print(net(torch.randn(1, 3, 224, 224)).shape)
