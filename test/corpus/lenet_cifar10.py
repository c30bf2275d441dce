# LeNet for CIFAR-10, in the style of the "Training a Classifier" tutorial.
# input[3, 32, 32]
import torch
from torch import nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # output(6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # output(16, 5, 5)
        x = x.view(x.size(0), -1)             # output(16*5*5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


if __name__ == '__main__':
    model = LeNet()
    print(model(torch.rand(4, 3, 32, 32)).shape)
