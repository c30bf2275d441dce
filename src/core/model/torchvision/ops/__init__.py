from .misc import Conv2dNormActivation, SqueezeExcitation
