# CNN for Fashion-MNIST, written with names imported from torch.nn (Kaggle notebook style).
# input[1, 28, 28]
import torch
from torch.nn import Module, Conv2d, MaxPool2d, Linear, ReLU, Dropout, Sequential, BatchNorm2d


class FashionCNN(Module):

    def __init__(self):
        super(FashionCNN, self).__init__()

        self.layer1 = Sequential(
            Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1),
            BatchNorm2d(32),
            ReLU(),
            MaxPool2d(kernel_size=2, stride=2)
        )

        self.layer2 = Sequential(
            Conv2d(in_channels=32, out_channels=64, kernel_size=3),
            BatchNorm2d(64),
            ReLU(),
            MaxPool2d(2)
        )

        self.fc1 = Linear(in_features=64*6*6, out_features=600)
        self.drop = Dropout(0.25)
        self.fc2 = Linear(in_features=600, out_features=120)
        self.fc3 = Linear(in_features=120, out_features=10)

    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.view(out.size(0), -1)
        out = self.fc1(out)
        out = self.drop(out)
        out = self.fc2(out)
        out = self.fc3(out)

        return out


if __name__ == '__main__':
    model = FashionCNN()
    print(model)
    print(model(torch.zeros(100, 1, 28, 28)).shape)
