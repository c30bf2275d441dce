# A factory file of a package, as CIFAR repositories split them: resnet_small() returns a ResNet whose class is in a
# sibling file (`from .resnet import ...`), resnet18_10() one that torchvision builds; no model class is defined here.
# input[3, 32, 32]
import torchvision.models as models

from .resnet import BasicBlock, ResNet


def resnet_small():
    return ResNet(BasicBlock, [1, 1, 1])


def resnet18_10(num_classes=10):
    model = models.resnet18(num_classes=num_classes)
    return model
