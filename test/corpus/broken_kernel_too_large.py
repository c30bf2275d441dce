# LeNet-5 made one conv deeper: at 32x32 input the feature map is already 1x1
# after conv3, so conv4's 3x3 kernel no longer fits.
# input[1, 32, 32]
import torch
import torch.nn as nn


class DeepLeNet(nn.Module):
    def __init__(self):
        super(DeepLeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)       # 28x28
        self.pool1 = nn.MaxPool2d(kernel_size=2)          # 14x14
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)      # 10x10
        self.pool2 = nn.MaxPool2d(kernel_size=2)          # 5x5
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5)    # 1x1
        self.conv4 = nn.Conv2d(120, 120, kernel_size=3)   # does not fit
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(self.relu(self.conv1(x)))
        x = self.pool2(self.relu(self.conv2(x)))
        x = self.relu(self.conv3(x))
        x = self.relu(self.conv4(x))
        x = torch.flatten(x, 1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)
