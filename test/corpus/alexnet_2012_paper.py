# AlexNet as described in Krizhevsky, Sutskever & Hinton (NIPS 2012),
# "ImageNet Classification with Deep Convolutional Neural Networks".
# The two-GPU split is kept as groups=2 on conv2, conv4 and conv5 (conv3 and the
# FC layers talk across GPUs). 227x227 makes the arithmetic of conv1 work out to 55x55.
#
# input[3, 227, 227]
import torch
import torch.nn as nn
import torch.nn.functional as F


class AlexNet2012(nn.Module):
    def __init__(self, num_classes=1000):
        super(AlexNet2012, self).__init__()
        # conv1: 96 kernels of 11x11x3, stride 4
        self.conv1 = nn.Conv2d(3, 96, kernel_size=11, stride=4)
        # local response normalization, section 3.3 of the paper
        self.norm1 = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2)
        # overlapping pooling, section 3.4: z=3, s=2
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2)
        # conv2: 256 kernels of 5x5x48 (each GPU only sees its own half)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2)
        self.norm2 = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2)
        # conv3: 384 kernels of 3x3x256, connected to both GPUs
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        # conv4: 384 kernels of 3x3x192
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2)
        # conv5: 256 kernels of 3x3x192
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2)
        self.fc6 = nn.Linear(256 * 6 * 6, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, num_classes)
        # dropout with p=0.5 in the first two FC layers, section 4.2
        self.dropout = nn.Dropout(p=0.5)

    def forward(self, x):
        x = self.pool(self.norm1(F.relu(self.conv1(x))))   # [96, 27, 27]
        x = self.pool(self.norm2(F.relu(self.conv2(x))))   # [256, 13, 13]
        x = F.relu(self.conv3(x))                          # [384, 13, 13]
        x = F.relu(self.conv4(x))                          # [384, 13, 13]
        x = self.pool(F.relu(self.conv5(x)))               # [256, 6, 6]
        x = x.view(x.size(0), 256 * 6 * 6)
        x = self.dropout(F.relu(self.fc6(x)))
        x = self.dropout(F.relu(self.fc7(x)))
        x = self.fc8(x)
        return x


if __name__ == '__main__':
    net = AlexNet2012()
    out = net(torch.randn(1, 3, 227, 227))
    print(out.shape)  # torch.Size([1, 1000])
