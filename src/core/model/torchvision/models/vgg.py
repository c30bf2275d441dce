# torchvision.models.vgg (0.14): configurations A, B, D, E with and without BatchNorm.
from typing import Dict, List, Union

import torch
import torch.nn as nn

import alexnet_explorer


class VGG(nn.Module):
    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


def make_layers(cfg, batch_norm: bool = False) -> nn.Sequential:
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _vgg(name: str, cfg: str, batch_norm: bool, weights, **kwargs) -> VGG:
    alexnet_explorer.weights_ignored(name, weights)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


def vgg11(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg11", "A", False, weights or pretrained, **kwargs)


def vgg11_bn(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg11_bn", "A", True, weights or pretrained, **kwargs)


def vgg13(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg13", "B", False, weights or pretrained, **kwargs)


def vgg13_bn(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg13_bn", "B", True, weights or pretrained, **kwargs)


def vgg16(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg16", "D", False, weights or pretrained, **kwargs)


def vgg16_bn(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg16_bn", "D", True, weights or pretrained, **kwargs)


def vgg19(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg19", "E", False, weights or pretrained, **kwargs)


def vgg19_bn(*, weights=None, progress: bool = True, pretrained=None, **kwargs) -> VGG:
    return _vgg("vgg19_bn", "E", True, weights or pretrained, **kwargs)
