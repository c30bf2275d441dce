# A four-layer convolutional network, the kind the 2012 AlexNet paper trained for its Figure 1 (ReLU reaches 25%
# training error on CIFAR-10 six times faster than tanh), here for Fashion-MNIST's 1x28x28 images: small enough for
# the Train panel's "ReLU vs tanh" to run hundreds of steps in seconds on the CPU.
import torch
import torch.nn as nn


class FourLayerCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, padding=2),   # input[1, 28, 28]  output[16, 28, 28]
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),        # output[16, 13, 13]
            nn.Conv2d(16, 32, kernel_size=5, padding=2),  # output[32, 13, 13]
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),        # output[32, 6, 6]
            nn.Conv2d(32, 32, kernel_size=3, padding=1),  # output[32, 6, 6]
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(32 * 6 * 6, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, start_dim=1)
        return self.classifier(x)
