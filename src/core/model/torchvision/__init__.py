# torchvision as AlexNet Explorer's analysis reads it: the classic classification models and their building blocks.
from . import models
from . import ops
