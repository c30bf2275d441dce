#!/usr/bin/env python3
"""Shape-rule fixtures from PyTorch (the oracle for src/core/ops).

Run with Debian's torch 1.13:  /usr/bin/python3 tools/make-shape-fixtures.py
Writes test/fixtures/shapes.json, replayed by test/unit/shapes.test.ts.

Each case is (op, positional args, keyword args, input shapes), written the way the evaluator hands them to
bindArgs: positional/keyword args WITHOUT the tensor inputs (module cases: the constructor's args; function
cases: the args after the tensor(s); method cases: the args after self). Lists stand for Python tuples.
The script builds the module / calls the function on zero tensors and records the output shape or the first
line of str(exception), the trainable parameter count, and MACs by the convention in src/core/ops/common.ts.
"""
import os
import sys

# Some torch messages print Python sets ({'same', 'valid'}): fix the hash seed so their order is reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import json
import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(0)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "shapes.json")

CASES = []


def case(op, pos=(), kw=None, inputs=((1, 3, 8, 8),), note=""):
    CASES.append({"op": op, "positional": list(pos), "keywords": dict(kw or {}), "inputs": [list(s) for s in inputs], "note": note})


# ---------------------------------------------------------------- Conv2d
X224 = (1, 3, 224, 224)
case("Conv2d", [3, 48, 11, 4, 2], inputs=[X224], note="half-width AlexNet conv1")
case("Conv2d", [3, 64], {"kernel_size": 11, "stride": 4, "padding": 2}, [X224], "torchvision AlexNet conv1")
case("Conv2d", [3, 96, 11, 4], inputs=[(1, 3, 227, 227)], note="2012 paper conv1 on 227")
case("Conv2d", [48, 128, 5], {"padding": 2}, [(1, 48, 27, 27)], "AlexNet conv2")
case("Conv2d", [96, 256, 5], {"padding": 2, "groups": 2}, [(1, 96, 27, 27)], "paper conv2, two-GPU groups")
case("Conv2d", [128, 192, 3], {"padding": 1}, [(1, 128, 13, 13)], "AlexNet conv3")
case("Conv2d", [384, 384, 3, 1, 1, 1, 2], inputs=[(1, 384, 13, 13)], note="paper conv4, groups positional")
case("Conv2d", [3, 64, 3], {"padding": 1}, [(2, 3, 224, 224)], "VGG conv, batch 2")
case("Conv2d", [1, 6, 5], inputs=[(1, 1, 32, 32)], note="LeNet C1")
case("Conv2d", [6, 16, 5], inputs=[(1, 6, 14, 14)], note="LeNet C3")
case("Conv2d", [1, 6, 5], {"padding": 2}, [(1, 1, 28, 28)], "LeNet on MNIST")
case("Conv2d", [3, 64, 7, 2, 3], {"bias": False}, [X224], "ResNet stem")
case("Conv2d", [64, 128, 1, 2], {"bias": False}, [(1, 64, 56, 56)], "ResNet 1x1 downsample")
case("Conv2d", [3, 8, 3, 2], inputs=[(1, 3, 7, 7)], note="odd size, stride 2")
case("Conv2d", [3, 8, [3, 5], [2, 1], [1, 2]], inputs=[(1, 3, 10, 11)], note="rectangular kernel")
case("Conv2d", [3, 8, 3], {"dilation": 2}, [(1, 3, 9, 9)], "dilation")
case("Conv2d", [3, 8, 3], {"padding": 2, "dilation": 2}, [(1, 3, 9, 9)], "dilation with padding")
case("Conv2d", [3, 8, [3, 3], 1, 0, [2, 3]], inputs=[(1, 3, 10, 12)], note="per-dim dilation")
case("Conv2d", [32, 32, 3], {"padding": 1, "groups": 32}, [(1, 32, 56, 56)], "depthwise")
case("Conv2d", [3, 8, 3], {"padding": "same"}, [(1, 3, 7, 9)], "same, odd kernel")
case("Conv2d", [3, 8, 4], {"padding": "same", "dilation": 3}, [(1, 3, 7, 9)], "same, even kernel, dilation")
case("Conv2d", [3, 8, [5, 2]], {"padding": "same"}, [(1, 3, 6, 6)], "same, rectangular")
case("Conv2d", [3, 8, 5], {"padding": "valid"}, [(1, 3, 7, 9)], "valid")
case("Conv2d", [3, 64, 11, 4, 2], inputs=[(3, 224, 224)], note="unbatched input")
case("Conv2d", [3, 64, 3], inputs=[(0, 3, 9, 9)], note="empty batch")
case("Conv2d", [3, 8, 5], {"padding": 2, "padding_mode": "reflect"}, [(1, 3, 7, 9)], "reflect")
case("Conv2d", [3, 8, 5], {"padding": 3, "padding_mode": "replicate"}, [(1, 3, 2, 2)], "replicate pads beyond size")
case("Conv2d", [3, 8, 5], {"padding": 2, "padding_mode": "circular"}, [(1, 3, 2, 2)], "circular pad == size")
case("Conv2d", [3, 8, 4], {"padding": "same", "padding_mode": "reflect"}, [(1, 3, 7, 9)], "same + reflect")
case("Conv2d", [3, 8, 3], {"stride": [2]}, [(1, 3, 7, 9)], "1-element stride tuple")
case("Conv2d", [3, 8, 3], {"padding": -1, "padding_mode": "reflect"}, [(1, 3, 7, 9)], "negative reflect padding crops")
case("Conv2d", [3, 64, 11], inputs=[(1, 4608)], note="2-D input")
case("Conv2d", [3, 64, 11], inputs=[(1, 3, 4, 4, 4)], note="5-D input")
case("Conv2d", [3, 64, 11], inputs=[()], note="0-D input")
case("Conv2d", [3, 64, 11, 4, 2], inputs=[(1, 1, 224, 224)], note="channel mismatch")
case("Conv2d", [3, 64, 11, 4, 2], inputs=[(1, 224, 224)], note="unbatched channel mismatch")
case("Conv2d", [4, 64, 3], {"groups": 2}, [(1, 8, 8, 8)], "grouped channel mismatch")
case("Conv2d", [3, 64, 3], inputs=[(1, 3, 2, 2)], note="kernel larger than input")
case("Conv2d", [3, 64, 3], {"dilation": 2}, [(1, 3, 4, 4)], "dilated kernel larger than input")
case("Conv2d", [3, 64, [3, 1]], {"padding": [0, 1]}, [(1, 3, 2, 9)], "kernel too big in H only")
case("Conv2d", [3, 64, 1], inputs=[(1, 3, 0, 9)], note="empty spatial dim")
case("Conv2d", [3, 64, 3], {"groups": 2}, note="in_channels not divisible by groups")
case("Conv2d", [4, 63, 3], {"groups": 2}, note="out_channels not divisible by groups")
case("Conv2d", [4, 64, 3], {"groups": 0}, note="groups 0")
case("Conv2d", [4, 64, 3], {"groups": -2}, note="negative groups")
case("Conv2d", [4, 64, 3], {"stride": 2, "padding": "same"}, note="same with stride")
case("Conv2d", [4, 64, 3], {"padding": "foo"}, note="bad padding string")
case("Conv2d", [4, 64, 3], {"padding_mode": "zero"}, note="bad padding_mode")
case("Conv2d", [3, 64, 3], {"padding": -1}, note="negative padding")
case("Conv2d", [3, 64, 3], {"padding": [0, -1]}, note="negative padding in W")
case("Conv2d", [3, 64, 3], {"stride": 0}, note="stride 0")
case("Conv2d", [3, 64, 3], {"stride": -1, "padding": -1}, note="negative padding reported before stride")
case("Conv2d", [3, -64, 3], note="negative out_channels")
case("Conv2d", [-4, 64, 3], {"groups": 2}, note="negative in_channels")
case("Conv2d", [3, 64, -1], note="negative kernel")
case("Conv2d", [3, 0, 3], note="out_channels 0")
case("Conv2d", [3, 64, 0], note="kernel 0")
case("Conv2d", [3, 64, 3], {"dilation": 0}, [(1, 3, 7, 9)], "dilation 0")
case("Conv2d", [4, 64, 3], {"dilation": 0}, [(1, 3, 7, 9)], "channel check before dilation check")
case("Conv2d", [3, 64, 3], {"stride": [1, 1, 1]}, note="3-element stride")
case("Conv2d", [3, 64, 3], {"padding": [1, 1, 1]}, note="3-element padding")
case("Conv2d", [3, 64, [3]], note="1-element kernel tuple")
case("Conv2d", [3, 64, 5], {"padding": 2, "padding_mode": "reflect"}, [(1, 3, 2, 2)], "reflect padding >= W")
case("Conv2d", [3, 64, 1], {"padding": [3, 1], "padding_mode": "reflect"}, [(1, 3, 2, 9)], "reflect padding >= H")
case("Conv2d", [3, 64, 1], {"padding": [3, 1], "padding_mode": "reflect"}, [(3, 2, 9)], "reflect, unbatched")
case("Conv2d", [3, 64, 5], {"padding": 3, "padding_mode": "circular"}, [(1, 3, 2, 2)], "circular wraps twice")
case("Conv2d", [3, 64, 5], {"padding": 2, "padding_mode": "circular"}, [(3, 2, 2)], "circular, unbatched")
case("Conv2d", [3, 64, 5], {"padding": 2, "padding_mode": "reflect"}, [(7,)], "reflect on 1-D")
case("Conv2d", [3, 64, 5], {"padding": 2, "padding_mode": "replicate"}, [(3, 7)], "replicate on 2-D")
case("Conv2d", [3, 64, 4], {"padding": "same"}, [(1, 4, 7, 9)], "same: error shows the right-padded input")
case("Conv2d", [3, 64, 3], {"padding": 1, "padding_mode": "reflect"}, [(1, 4, 7, 9)], "reflect: error shows padded input")
case("Conv2d", [3, 64, 4], {"padding": "same", "padding_mode": "circular"}, [(4, 7, 9)], "circular + same + unbatched")
case("Conv2d", [3, 64, 3], {"padding": "same"}, [(1, 3, 0, 9)], "same on empty spatial dim")
case("Conv2d", [3], note="missing args")
case("Conv2d", [], {"in_channels": 3}, note="missing 2 args, keyword given")
case("Conv2d", [3, 64, 3, 1, 0, 1, 1, True, "zeros", None, None, 7], note="too many positional")
case("Conv2d", [3, 64], {"kernal_size": 3}, note="misspelled keyword")
case("Conv2d", [3, 64, 3], {"in_channels": 3}, note="multiple values")

# ---------------------------------------------------------------- MaxPool2d
case("MaxPool2d", [3, 2], inputs=[(1, 48, 55, 55)], note="AlexNet pool1 (overlapping)")
case("MaxPool2d", [], {"kernel_size": 3, "stride": 2}, [(1, 128, 27, 27)], "AlexNet pool2")
case("MaxPool2d", [3, 2], inputs=[(1, 128, 13, 13)], note="AlexNet pool5")
case("MaxPool2d", [2, 2], inputs=[(1, 64, 224, 224)], note="VGG pool")
case("MaxPool2d", [2], inputs=[(1, 512, 7, 7)], note="stride defaults to kernel")
case("MaxPool2d", [2], inputs=[(1, 512, 7, 8)], note="odd sizes floor")
case("MaxPool2d", [3, 2, 1], inputs=[(1, 64, 112, 112)], note="ResNet maxpool")
case("MaxPool2d", [3, 2], {"ceil_mode": True}, [(1, 3, 6, 6)], "ceil_mode")
case("MaxPool2d", [3, 2], {"ceil_mode": True}, [(1, 64, 56, 56)], "ceil_mode no change")
case("MaxPool2d", [2, 2], {"ceil_mode": True}, [(1, 3, 5, 5)], "ceil_mode adds a window")
case("MaxPool2d", [2, 2, 1], {"ceil_mode": True}, [(1, 3, 5, 5)], "ceil_mode: last window would start in padding")
case("MaxPool2d", [3, 3, 1], {"ceil_mode": True}, [(1, 3, 5, 5)], "ceil_mode adjustment, stride 3")
case("MaxPool2d", [3, 3], {"ceil_mode": True}, [(1, 3, 10, 10)], "ceil_mode partial window inside")
case("MaxPool2d", [2, 2], {"ceil_mode": True}, [(1, 3, 1, 1)], "ceil_mode 1x1")
case("MaxPool2d", [3, 1], {"dilation": 2}, [(1, 3, 9, 9)], "dilation")
case("MaxPool2d", [3, 2, 1, 2], inputs=[(1, 3, 13, 13)], note="dilation with padding")
case("MaxPool2d", [3, 2, 1, 2, False, True], inputs=[(1, 3, 14, 14)], note="dilation + ceil_mode")
case("MaxPool2d", [[3, 1], [2, 1], [1, 0]], inputs=[(1, 3, 4, 4)], note="per-dim kernel/stride/padding")
case("MaxPool2d", [[3]], inputs=[(1, 3, 9, 9)], note="1-element kernel tuple")
case("MaxPool2d", [3, 2], {"return_indices": True}, [(1, 3, 13, 13)], "return_indices (values' shape)")
case("MaxPool2d", [3, 2], inputs=[(48, 55, 55)], note="unbatched")
case("MaxPool2d", [3, 2], inputs=[(0, 3, 13, 13)], note="empty batch")
case("MaxPool2d", [3, 2], inputs=[(1, 4608)], note="2-D input")
case("MaxPool2d", [3, 2], inputs=[(1, 2, 3, 4, 5)], note="5-D input")
case("MaxPool2d", [3, 2], inputs=[()], note="0-D input")
case("MaxPool2d", [3, 2], inputs=[(1, 3, 2, 2)], note="output too small")
case("MaxPool2d", [3, 1], {"dilation": 3}, [(1, 3, 6, 6)], "dilated output too small")
case("MaxPool2d", [3, 2, 2], inputs=[(1, 3, 20, 20)], note="padding more than half the kernel")
case("MaxPool2d", [[3, 1], [2, 1], [1, 1]], inputs=[(1, 3, 4, 4)], note="W padding more than half the kernel")
case("MaxPool2d", [3, 0], inputs=[(1, 3, 20, 20)], note="stride 0")
case("MaxPool2d", [0], inputs=[(1, 3, 20, 20)], note="kernel 0")
case("MaxPool2d", [-2], inputs=[(1, 3, 4, 4)], note="negative kernel")
case("MaxPool2d", [2, -1], inputs=[(1, 3, 4, 4)], note="negative stride")
case("MaxPool2d", [3, 2, -1], inputs=[(1, 3, 20, 20)], note="negative padding")
case("MaxPool2d", [3], {"dilation": 0}, [(1, 3, 20, 20)], "dilation 0")
case("MaxPool2d", [[3, 3, 3]], inputs=[(1, 3, 20, 20)], note="3-element kernel")
case("MaxPool2d", [3, [2, 2, 2]], inputs=[(1, 3, 20, 20)], note="3-element stride")
case("MaxPool2d", [3, 2, [1, 1, 1]], inputs=[(1, 3, 20, 20)], note="3-element padding")
case("MaxPool2d", [3, 2, 1, [1, 1, 1]], inputs=[(1, 3, 20, 20)], note="3-element dilation")
case("MaxPool2d", [3, 2], inputs=[(1, 0, 13, 13)], note="zero channels")
case("MaxPool2d", [1], inputs=[(1, 3, 0, 13)], note="zero height")
case("MaxPool2d", [2], inputs=[(0, 4, 4)], note="unbatched, zero channels")
case("MaxPool2d", [2], {"stride": None}, [(1, 3, 9, 9)], "explicit stride=None")
case("MaxPool2d", [], note="missing kernel_size")
case("MaxPool2d", [3, 2, 0, 1, False, False, 1], note="too many positional")

# ---------------------------------------------------------------- AvgPool2d
case("AvgPool2d", [2, 2], inputs=[(1, 6, 28, 28)], note="LeNet subsampling")
case("AvgPool2d", [2], inputs=[(1, 16, 10, 10)], note="stride defaults to kernel")
case("AvgPool2d", [7], inputs=[(1, 512, 7, 7)], note="global average")
case("AvgPool2d", [3, 2, 1], {"count_include_pad": False}, [(1, 3, 13, 13)], "padding")
case("AvgPool2d", [2, 2, 1], {"ceil_mode": True}, [(1, 3, 5, 5)], "ceil_mode adjustment")
case("AvgPool2d", [3, 2], {"ceil_mode": True}, [(1, 3, 6, 6)], "ceil_mode")
case("AvgPool2d", [[3, 2], [1, 2]], {"divisor_override": 3}, [(1, 3, 7, 8)], "divisor_override, rectangular")
case("AvgPool2d", [2], inputs=[(3, 8, 8)], note="unbatched")
case("AvgPool2d", [2, None, 1], inputs=[(1, 3, 9, 9)], note="explicit stride None")
case("AvgPool2d", [2], inputs=[(0, 3, 5, 13)], note="empty batch")
case("AvgPool2d", [3, 2], inputs=[(1, 4608)], note="2-D input")
case("AvgPool2d", [2], inputs=[(4,)], note="1-D input")
case("AvgPool2d", [2], inputs=[()], note="0-D input")
case("AvgPool2d", [2], inputs=[(1, 2, 3, 4, 5)], note="5-D input")
case("AvgPool2d", [3, 2], inputs=[(1, 3, 2, 2)], note="output too small")
case("AvgPool2d", [3, 2, 2], inputs=[(1, 3, 20, 20)], note="padding more than half the kernel")
case("AvgPool2d", [3, 0], inputs=[(1, 3, 20, 20)], note="stride 0")
case("AvgPool2d", [-1], inputs=[(1, 3, 4, 4)], note="negative kernel")
case("AvgPool2d", [-2, 1], inputs=[(1, 3, 4, 4)], note="negative even kernel")
case("AvgPool2d", [2, -1], inputs=[(1, 3, 4, 4)], note="negative stride")
case("AvgPool2d", [3, 2, -1], inputs=[(1, 3, 20, 20)], note="negative padding")
case("AvgPool2d", [3, 2], {"divisor_override": 0}, [(1, 3, 20, 20)], "divisor 0")
case("AvgPool2d", [[3, 3, 3]], inputs=[(1, 3, 20, 20)], note="3-element kernel")
case("AvgPool2d", [3, [2, 2, 2]], inputs=[(1, 3, 20, 20)], note="3-element stride")
case("AvgPool2d", [3, 2, [1, 1, 1]], inputs=[(1, 3, 20, 20)], note="3-element padding")
case("AvgPool2d", [1], inputs=[(1, 3, 0, 13)], note="zero height")
case("AvgPool2d", [2], inputs=[(0, 4, 4)], note="unbatched, zero channels")
case("AvgPool2d", [], {"kernel_size": 2, "padding": 1, "foo": 1}, note="unexpected keyword")

# ---------------------------------------------------------------- AdaptiveAvgPool2d
case("AdaptiveAvgPool2d", [[6, 6]], inputs=[(1, 128, 13, 13)], note="half-width AlexNet avgpool")
case("AdaptiveAvgPool2d", [[6, 6]], inputs=[(1, 128, 5, 5)], note="output larger than input")
case("AdaptiveAvgPool2d", [7], inputs=[(1, 512, 14, 14)], note="VGG avgpool, int")
case("AdaptiveAvgPool2d", [[5, 3]], inputs=[(1, 8, 13, 8)], note="sizes not dividing")
case("AdaptiveAvgPool2d", [1], inputs=[(1, 2048, 7, 7)], note="ResNet global pool")
case("AdaptiveAvgPool2d", [[1, 1]], inputs=[(2, 16, 9, 3)], note="(1, 1) tuple")
case("AdaptiveAvgPool2d", [[None, 3]], inputs=[(1, 2, 7, 5)], note="None keeps the input size")
case("AdaptiveAvgPool2d", [[4, None]], inputs=[(2, 7, 5)], note="None, unbatched")
case("AdaptiveAvgPool2d", [[6, 6]], inputs=[(2, 4, 5)], note="unbatched")
case("AdaptiveAvgPool2d", [[6, 6]], inputs=[(0, 4, 5)], note="unbatched, zero channels")
case("AdaptiveAvgPool2d", [3], inputs=[(1, 0, 4, 5)], note="zero channels")
case("AdaptiveAvgPool2d", [0], inputs=[(1, 2, 7, 5)], note="output 0")
case("AdaptiveAvgPool2d", [1], inputs=[(1, 4608)], note="int 1 on 2-D: PyTorch takes a mean over the last two dims")
case("AdaptiveAvgPool2d", [1], inputs=[(1, 2, 3, 4, 5)], note="int 1 on 5-D")
case("AdaptiveAvgPool2d", [1], inputs=[(4608,)], note="int 1 on 1-D")
case("AdaptiveAvgPool2d", [1], inputs=[()], note="int 1 on 0-D")
case("AdaptiveAvgPool2d", [1], inputs=[(1, 3, 0, 4)], note="int 1 on empty spatial")
case("AdaptiveAvgPool2d", [6], inputs=[(1, 4608)], note="2-D input")
case("AdaptiveAvgPool2d", [6], inputs=[(1, 2, 3, 4, 5)], note="5-D input")
case("AdaptiveAvgPool2d", [[6, None]], inputs=[(1, 4608)], note="tuple on 2-D input")
case("AdaptiveAvgPool2d", [[1, 1]], inputs=[(1, 4608)], note="(1, 1) on 2-D input")
case("AdaptiveAvgPool2d", [[1, 2, 3]], inputs=[(1, 2, 7, 5)], note="3-element output size")
case("AdaptiveAvgPool2d", [[1]], inputs=[(1, 2, 7, 5)], note="1-element output size")
case("AdaptiveAvgPool2d", [-1], inputs=[(1, 2, 7, 5)], note="negative output size")
case("AdaptiveAvgPool2d", [3], inputs=[(1, 2, 0, 5)], note="zero height")
case("AdaptiveAvgPool2d", [3], inputs=[(1, 2, 5, 0)], note="zero width")
case("AdaptiveAvgPool2d", [None], inputs=[(1, 2, 7, 5)], note="None output size")
case("AdaptiveAvgPool2d", [], note="missing output_size")

# ---------------------------------------------------------------- LocalResponseNorm
case("LocalResponseNorm", [5], {"alpha": 1e-4, "beta": 0.75, "k": 2.0}, [(1, 96, 55, 55)], "2012 paper LRN")
case("LocalResponseNorm", [2], inputs=[(2, 3, 4)], note="3-D input")
case("LocalResponseNorm", [5], inputs=[(1, 3, 4, 5, 6)], note="5-D input")
case("LocalResponseNorm", [50], inputs=[(1, 3, 4, 5)], note="size larger than channels")
case("LocalResponseNorm", [5], inputs=[(0, 3, 4, 5)], note="empty input")
case("LocalResponseNorm", [5], inputs=[(1, 4608)], note="2-D input")
case("LocalResponseNorm", [5], inputs=[()], note="0-D input")
case("LocalResponseNorm", [0], inputs=[(1, 3, 4, 5)], note="size 0")
case("LocalResponseNorm", [-1], inputs=[(1, 3, 4, 5)], note="size -1")
case("LocalResponseNorm", [0], inputs=[(2, 3, 4)], note="size 0, 3-D")
case("LocalResponseNorm", [-2], inputs=[(2, 3, 4, 4)], note="size -2")
case("LocalResponseNorm", [-2], inputs=[(2, 3, 4)], note="size -2, 3-D")
case("LocalResponseNorm", [], note="missing size")

# ---------------------------------------------------------------- BatchNorm2d
case("BatchNorm2d", [48], inputs=[(2, 48, 27, 27)], note="after conv")
case("BatchNorm2d", [64], {"affine": False}, [(2, 64, 8, 8)], "affine=False has no parameters")
case("BatchNorm2d", [64, 1e-3, 0.01], inputs=[(1, 64, 2, 2)], note="batch 1 with spatial size")
case("BatchNorm2d", [64], inputs=[(0, 64, 1, 1)], note="empty batch")
case("BatchNorm2d", [64], inputs=[(2, 64)], note="2-D input")
case("BatchNorm2d", [64], inputs=[(2, 64, 1, 1, 1)], note="5-D input")
case("BatchNorm2d", [64], inputs=[(2, 3, 4, 4)], note="channel mismatch")
case("BatchNorm2d", [64], {"track_running_stats": False}, [(2, 3, 4, 4)], "channel mismatch, no running stats")
case("BatchNorm2d", [64], {"affine": False, "track_running_stats": False}, [(2, 3, 4, 4)], "no tensors to mismatch")
case("BatchNorm2d", [64], inputs=[(1, 64, 1, 1)], note="one value per channel in training")
case("BatchNorm2d", [64], inputs=[(1, 3, 1, 1)], note="batch-size check before channel check")
case("BatchNorm2d", [-64], note="negative num_features")

# ---------------------------------------------------------------- activations
case("ReLU", [], inputs=[(1, 48, 55, 55)])
case("ReLU", [True], inputs=[(1, 4096)], note="inplace positional")
case("ReLU", [], {"inplace": True}, [()], "0-D")
case("ReLU", [True, True], note="too many positional")
case("ReLU6", [], inputs=[(5,)])
case("LeakyReLU", [0.2, True], inputs=[(2, 3)])
case("LeakyReLU", [], {"negative_slope": 0.1}, [(1, 3, 8, 8)])
case("Tanh", [], inputs=[(1, 120)])
case("Tanh", [True], note="Tanh takes no arguments")
case("Sigmoid", [], inputs=[(1, 6, 28, 28)])
case("Sigmoid", [], {"x": 1}, note="unexpected keyword")
case("GELU", [], inputs=[(2, 3)])
case("GELU", ["tanh"], inputs=[(2, 3, 4)])
case("GELU", [], {"approximate": "foo"}, [(2, 3)], "bad approximate")
case("SiLU", [], inputs=[(1, 32, 112, 112)])
case("Identity", [], inputs=[(1, 4096)])
case("Identity", [54], {"unused_argument1": 0.1}, [(5,)], "Identity accepts any args")

# ---------------------------------------------------------------- Dropout
case("Dropout", [], inputs=[(1, 4608)])
case("Dropout", [0.2], {"inplace": True}, [(1, 3, 8, 8)])
case("Dropout", [], {"p": 1}, [()], "p=1, 0-D")
case("Dropout", [1.5], note="p > 1")
case("Dropout", [-0.5], note="p < 0")
case("Dropout2d", [], inputs=[(1, 64, 8, 8)])
case("Dropout2d", [0.3], inputs=[(2, 3)], note="2-D input")
case("Dropout2d", [], inputs=[(1, 2, 3, 4, 5)], note="5-D input")
case("Dropout2d", [], inputs=[(3,)], note="1-D input")
case("Dropout2d", [0], inputs=[(3,)], note="1-D input, p=0")
case("Dropout2d", [1.5], note="p > 1")

# ---------------------------------------------------------------- Flatten
case("Flatten", [], inputs=[(1, 128, 6, 6)], note="half-width AlexNet classifier input")
case("Flatten", [], inputs=[(1, 256, 6, 6)], note="torchvision AlexNet")
case("Flatten", [0], inputs=[(5, 3)])
case("Flatten", [1, 2], inputs=[(2, 3, 4, 5)])
case("Flatten", [-3, -2], inputs=[(2, 3, 4, 5)])
case("Flatten", [], {"start_dim": 2, "end_dim": 2}, [(2, 3, 4, 5)], "start == end")
case("Flatten", [], inputs=[(0, 3, 4)], note="empty batch")
case("Flatten", [2, 1], inputs=[(2, 3, 4)], note="start after end")
case("Flatten", [], inputs=[(3,)], note="1-D input")
case("Flatten", [], inputs=[()], note="0-D input")
case("Flatten", [1, 3], inputs=[(2, 3, 4)], note="end out of range")
case("Flatten", [0, -5], inputs=[(2, 3, 4)], note="negative end out of range")

# ---------------------------------------------------------------- Linear
case("Linear", [4608, 2048], inputs=[(1, 4608)], note="half-width AlexNet fc1")
case("Linear", [2048, 1000], inputs=[(1, 2048)], note="half-width AlexNet fc3")
case("Linear", [9216, 4096], inputs=[(1, 9216)], note="torchvision AlexNet fc6")
case("Linear", [16 * 5 * 5, 120], inputs=[(1, 400)], note="LeNet F5")
case("Linear", [1600, 512], inputs=[(2, 3, 1600)], note="3-D input")
case("Linear", [1600, 512], inputs=[(1600,)], note="1-D input")
case("Linear", [1600, 512], {"bias": False}, [(0, 1600)], "no bias, empty batch")
case("Linear", [0, 5], inputs=[(2, 0)], note="in_features 0")
case("Linear", [3, 0], inputs=[(2, 3)], note="out_features 0")
case("Linear", [1600, 512], inputs=[(1, 2304)], note="in_features mismatch")
case("Linear", [1600, 512], inputs=[(2304,)], note="mismatch, 1-D")
case("Linear", [1600, 512], inputs=[(2, 3, 2304)], note="mismatch, 3-D")
case("Linear", [1600, 512], inputs=[(2, 3, 4, 2304)], note="mismatch, 4-D")
case("Linear", [1600, 512], {"bias": False}, [(2, 2304)], "mismatch, no bias")
case("Linear", [1600, 512], inputs=[()], note="0-D input")
case("Linear", [-1, 512], note="negative in_features")
case("Linear", [3, -512], note="negative out_features")
case("Linear", [], {"in_features": 400, "out_features": 10}, [(3, 400)], "all keywords")
case("Linear", [3], note="missing out_features")
case("Linear", [], note="missing both")
case("Linear", [3, 4], {"bais": False}, note="misspelled keyword")
case("Linear", [3, 4, True, None, None, 5], note="too many positional")

# ---------------------------------------------------------------- Softmax / LogSoftmax
case("Softmax", [1], inputs=[(1, 1000)])
case("Softmax", [], {"dim": -1}, [(2, 3, 10)])
case("Softmax", [], inputs=[(1, 10)], note="implicit dim, 2-D")
case("Softmax", [], inputs=[(2, 3, 4)], note="implicit dim, 3-D")
case("Softmax", [], inputs=[()], note="implicit dim, 0-D")
case("Softmax", [0], inputs=[()], note="dim 0 on 0-D")
case("Softmax", [], {"dim": None}, [(4, 10)], "explicit dim=None")
case("Softmax", [2], inputs=[(2, 3)], note="dim out of range")
case("Softmax", [-3], inputs=[(2, 3)], note="negative dim out of range")
case("Softmax", [1], inputs=[()], note="dim 1 on 0-D")
case("LogSoftmax", [1], inputs=[(1, 10)])
case("LogSoftmax", [2], inputs=[(2, 3)], note="dim out of range")
case("LogSoftmax", [], inputs=[(5,)], note="implicit dim, 1-D")

# ---------------------------------------------------------------- torch.nn.functional
FN = "torch.nn.functional."
case(FN + "relu", [], inputs=[(1, 64, 8, 8)])
case(FN + "relu", [], {"inplace": True}, [(1, 16)])
case(FN + "relu", [True, 3], inputs=[(1, 16)], note="too many positional")
case(FN + "relu", [], {"inplac": True}, [(1, 16)], note="misspelled keyword")
case(FN + "relu6", [], inputs=[(1, 32, 4, 4)])
case(FN + "leaky_relu", [0.2], inputs=[(2, 3)])
case(FN + "leaky_relu", [], {"negative_slope": 0.1, "inplace": True}, [(2, 3)])
case(FN + "gelu", [], inputs=[(2, 3)])
case(FN + "gelu", [], {"approximate": "tanh"}, [(2, 3)])
case(FN + "gelu", ["tanh"], inputs=[(2, 3)], note="approximate is keyword-only")
case(FN + "gelu", [], {"approximate": "foo"}, [(2, 3)], "bad approximate")
case(FN + "gelu", [], {"foo": 1}, [(2, 3)], "unexpected keyword (native)")
case(FN + "silu", [], inputs=[(2, 3)])
case(FN + "sigmoid", [], inputs=[(1, 120)])
case(FN + "sigmoid", [1], inputs=[(1, 120)], note="too many positional")
case(FN + "tanh", [], inputs=[(1, 84)])
case(FN + "tanh", [], {"a": 1}, [(1, 84)], "unexpected keyword")
case(FN + "max_pool2d", [2], inputs=[(1, 6, 28, 28)], note="LeNet functional pool")
case(FN + "max_pool2d", [3, 2], inputs=[(1, 48, 55, 55)])
case(FN + "max_pool2d", [], {"kernel_size": 2, "stride": 2, "ceil_mode": True}, [(1, 3, 5, 5)])
case(FN + "max_pool2d", [[2, 2]], inputs=[(1, 16, 10, 10)], note="tuple kernel")
case(FN + "max_pool2d", [3, 2], {"return_indices": True}, [(1, 3, 13, 13)])
case(FN + "max_pool2d", [3, 2], inputs=[(1, 3, 2, 2)], note="output too small")
case(FN + "max_pool2d", [2], {"stride": None}, [(1, 3, 9, 9)], "explicit stride=None")
case(FN + "max_pool2d", [], inputs=[(1, 3, 8, 8)], note="missing kernel_size")
case(FN + "max_pool2d", [2, 2, 0, 1, False, False, 9], inputs=[(1, 3, 8, 8)], note="too many positional")
case(FN + "max_pool2d", [], {"kernel_sz": 2}, [(1, 3, 8, 8)], "misspelled keyword")
case(FN + "avg_pool2d", [2], inputs=[(1, 6, 28, 28)])
case(FN + "avg_pool2d", [3, 2, 1], {"ceil_mode": True, "count_include_pad": False}, [(1, 3, 13, 13)])
case(FN + "avg_pool2d", [3, 2], inputs=[(1, 4608)], note="2-D input")
case(FN + "avg_pool2d", [], inputs=[(1, 3, 8, 8)], note="missing kernel_size (native wording)")
case(FN + "avg_pool2d", [2], {"foo": 1}, [(1, 3, 8, 8)], "unexpected keyword (native)")
case(FN + "avg_pool2d", [2, 2, 0, False, True, None, 1], inputs=[(1, 3, 8, 8)], note="too many positional (native)")
case(FN + "avg_pool2d", [2], {"kernel_size": 2}, [(1, 3, 8, 8)], "multiple values (native)")
case(FN + "adaptive_avg_pool2d", [[6, 6]], inputs=[(1, 256, 13, 13)])
case(FN + "adaptive_avg_pool2d", [1], inputs=[(1, 512, 7, 7)])
case(FN + "adaptive_avg_pool2d", [], {"output_size": [None, 2]}, [(1, 3, 5, 7)])
case(FN + "adaptive_avg_pool2d", [6], inputs=[(1, 4608)], note="2-D input")
case(FN + "adaptive_avg_pool2d", [], inputs=[(1, 3, 5, 7)], note="missing output_size")
case(FN + "dropout", [], inputs=[(1, 4096)])
case(FN + "dropout", [0.5], {"training": False}, [(1, 4096)])
case(FN + "dropout", [1.5], inputs=[(1, 4096)], note="p > 1")
case(FN + "dropout", [0.5, True, False, 1], inputs=[(1, 4096)], note="too many positional")
case(FN + "dropout2d", [0.2], inputs=[(1, 64, 8, 8)])
case(FN + "dropout2d", [], inputs=[(3,)], note="1-D input")
case(FN + "dropout2d", [], {"training": False}, [(3,)], "1-D input, not training")
case(FN + "softmax", [], {"dim": 1}, [(1, 10)])
case(FN + "softmax", [-1], inputs=[(2, 3, 4)])
case(FN + "softmax", [], inputs=[(2, 3, 4)], note="implicit dim")
case(FN + "softmax", [2], inputs=[(2, 3)], note="dim out of range")
case(FN + "softmax", [1, 3, None, 5], inputs=[(2, 3)], note="too many positional")
case(FN + "log_softmax", [1], inputs=[(1, 10)])
case(FN + "log_softmax", [], {"dim": 3}, [(1, 10)], "dim out of range")
case(FN + "local_response_norm", [5], inputs=[(1, 96, 55, 55)])
case(FN + "local_response_norm", [2], inputs=[(1, 4608)], note="2-D input")
case(FN + "local_response_norm", [], inputs=[(1, 3, 4, 4)], note="missing size")

# ---------------------------------------------------------------- torch.*
case("torch.relu", [], inputs=[(1, 48, 27, 27)])
case("torch.relu", [1], inputs=[(2, 3)], note="too many positional (native)")
case("torch.relu", [], {"foo": 1}, [(2, 3)], "unexpected keyword (native)")
case("torch.sigmoid", [], inputs=[(2, 3)])
case("torch.sigmoid", [1], inputs=[(2, 3)], note="too many positional (native)")
case("torch.tanh", [], inputs=[()])
case("torch.flatten", [1], inputs=[(1, 128, 6, 6)], note="LeNet-style flatten")
case("torch.flatten", [], inputs=[(2, 3, 4)], note="start_dim defaults to 0")
case("torch.flatten", [], {"start_dim": 1, "end_dim": 2}, [(2, 3, 4, 5)])
case("torch.flatten", [], inputs=[()], note="0-D becomes [1]")
case("torch.flatten", [-1, -1], inputs=[()], note="0-D with dims -1")
case("torch.flatten", [1], inputs=[()], note="0-D, dim out of range")
case("torch.flatten", [1], {"end_dim": 2}, [(2, 3, 4, 5)], "positional and keyword")
case("torch.flatten", [2, 1], inputs=[(2, 3, 4)], note="start after end")
case("torch.flatten", [3], inputs=[(2, 3, 4)], note="start out of range")
case("torch.flatten", [1, 2, 3], inputs=[(2, 3, 4)], note="invalid combination (native overloads)")
case("torch.flatten", [], {"foo": 1}, [(2, 3, 4)], "unexpected keyword (native)")
case("torch.flatten", [1], {"start_dim": 1}, [(2, 3, 4)], "multiple values (native)")
case("torch.softmax", [1], inputs=[(1, 10)])
case("torch.softmax", [], {"dim": -1}, [(1, 10)])
case("torch.softmax", [2], inputs=[(2, 3)], note="dim out of range")
case("torch.softmax", [], inputs=[(2, 3)], note="dim is required (invalid combination)")
case("torch.softmax", [1, None, 3], inputs=[(2, 3)], note="too many positional (native)")
case("torch.log_softmax", [-1], inputs=[(4, 10)])
case("torch.log_softmax", [], inputs=[(4, 10)], note="dim is required")
case("torch.add", [], inputs=[(1, 64, 56, 56), (1, 64, 56, 56)], note="residual")
case("torch.add", [], {"alpha": 2}, [(2, 1, 4), (3, 1)], "broadcast")
case("torch.add", [], inputs=[(1, 3, 4), (3,)], note="broadcast mismatch")
case("torch.add", [], inputs=[(2, 3, 4), (5, 1, 1, 1)], note="broadcast to more dims")
case("torch.add", [], {"foo": 1}, [(2, 3), (2, 3)], "unexpected keyword (native)")
case("torch.add", [2], inputs=[(2, 3), (2, 3)], note="alpha is keyword-only")
case("torch.cat", [1], inputs=[(1, 2, 3, 3), (1, 4, 3, 3)], note="channel concat")
case("torch.cat", [], {"dim": 1}, [(1, 64, 28, 28), (1, 128, 28, 28), (1, 32, 28, 28), (1, 32, 28, 28)], "Inception block")
case("torch.cat", [], inputs=[(2, 3), (4, 3)], note="dim defaults to 0")
case("torch.cat", [-1], inputs=[(1, 2), (1, 3)], note="negative dim")
case("torch.cat", [1], inputs=[(2, 3)], note="one tensor")
case("torch.cat", [0], inputs=[(0,), (1, 3)], note="legacy empty 1-D tensor is skipped")
case("torch.cat", [1], inputs=[(1, 3), (0,)], note="legacy empty 1-D tensor is skipped, last")
case("torch.cat", [3], inputs=[(0,), (0,)], note="only empty 1-D tensors")
case("torch.cat", [1], inputs=[(1, 2, 3, 3), (1, 4, 3, 2)], note="size mismatch")
case("torch.cat", [1], inputs=[(1, 2, 3, 3), (1, 4, 3, 3), (2, 4, 3, 3)], note="size mismatch, third tensor")
case("torch.cat", [-2], inputs=[(1, 2, 3), (1, 4, 4)], note="size mismatch, negative dim")
case("torch.cat", [1], inputs=[(1, 2, 3, 3), (1, 4)], note="rank mismatch")
case("torch.cat", [1], inputs=[(1, 4), (1, 2, 3, 3)], note="rank mismatch, reversed")
case("torch.cat", [1], inputs=[], note="empty list")
case("torch.cat", [2], inputs=[(1, 2), (1, 2)], note="dim out of range")
case("torch.cat", [0], inputs=[(), ()], note="0-D tensors")
case("torch.cat", [0], inputs=[(3,), ()], note="0-D tensor second")
case("torch.cat", [1, 2], inputs=[(1, 2), (1, 2)], note="invalid combination (native overloads)")
case("add", [], inputs=[(1, 64, 56, 56), (1, 64, 56, 56)], note="x + identity")
case("add", [], inputs=[(2, 1, 4), (3, 1)], note="broadcast")
case("add", [], inputs=[(2, 3, 4), (3, 3, 4)], note="mismatch")
case("add", [], inputs=[(2, 0, 4), (1, 4)], note="broadcast with 0")
case("add", [], inputs=[(2, 0, 4), (2, 4)], note="0 vs 2")
case("add", [], inputs=[(), (2, 3)], note="0-D + 2-D")
case("add", [], inputs=[(2, 3)], note="tensor + Python number: one tensor input")
case("sub", [], inputs=[(2, 1, 4), (3, 1)], note="x - y broadcasts")
case("sub", [], inputs=[(2, 3, 4), (3, 3, 4)], note="x - y mismatch")
case("mul", [], inputs=[(1, 64, 56, 56), (1, 64, 1, 1)], note="x * scale (squeeze-and-excitation)")
case("mul", [], inputs=[(2, 3)], note="tensor * Python number")
case("div", [], inputs=[(2, 3, 4), (4,)], note="x / y broadcasts")
case("div", [], inputs=[(2, 3), (3, 2)], note="x / y mismatch")
case("neg", [], inputs=[(1, 3, 8, 8)], note="-x")
case("iadd", [], inputs=[(2, 3, 4), (3, 1)], note="x += y broadcasts y")
case("iadd", [], inputs=[(3, 1), (2, 3, 4)], note="x += y cannot grow x")
case("iadd", [], inputs=[(1, 4), (3, 4)], note="x += y cannot grow x, same rank")
case("iadd", [], inputs=[(2, 3), (4, 3)], note="x += y mismatch")

# ---------------------------------------------------------------- tensor methods
case(".view", [-1, 9216], inputs=[(1, 256, 6, 6)], note="torchvision AlexNet view")
case(".view", [1, -1], inputs=[(1, 128, 6, 6)])
case(".view", [[2, 1152]], inputs=[(1, 256, 3, 3)], note="one tuple")
case(".view", [[-1]], inputs=[(1, 256, 3, 3)], note="one 1-element tuple")
case(".view", [2304], inputs=[(1, 256, 3, 3)], note="one int")
case(".view", [-1, 5], inputs=[(0, 256, 3, 3)], note="empty tensor, inferred 0")
case(".view", [[]], inputs=[(1,)], note="to 0-D")
case(".view", [], {"size": [4, -1]}, [(2, 6)], "size= keyword")
case(".view", [-1, 400], inputs=[(1, 256, 3, 3)], note="brief example")
case(".view", [-1, -1], inputs=[(1, 256, 3, 3)], note="two -1")
case(".view", [-2, 1152], inputs=[(1, 256, 3, 3)], note="invalid dimension")
case(".view", [3, 1152], inputs=[(1, 256, 3, 3)], note="wrong product")
case(".view", [-1, 0], inputs=[(1, 256, 3, 3)], note="0 with -1, non-empty")
case(".view", [-1, 0], inputs=[(0, 256, 3, 3)], note="0 with -1, empty: ambiguous")
case(".view", [[]], inputs=[(1, 256, 3, 3)], note="to 0-D, too many elements")
case(".view", [1, 2.5], inputs=[(1, 256, 3, 3)], note="float element")
case(".view", [1, None], inputs=[(1, 256, 3, 3)], note="None element")
case(".view", [], inputs=[(1, 256, 3, 3)], note="no shape (invalid combination)")
case(".reshape", [-1, 400], inputs=[(1, 256, 3, 3)], note="reshape mismatch")
case(".reshape", [1, -1], inputs=[(1, 16, 5, 5)])
case(".reshape", [], {"shape": [-1, 4]}, [(2, 6)], "shape= keyword")
case(".reshape", [1, 2.5], inputs=[(4,)], note="float element")
case(".reshape", [], inputs=[(4,)], note="missing shape (native wording)")
case(".flatten", [], inputs=[(1, 128, 6, 6)], note="start_dim defaults to 0")
case(".flatten", [1], inputs=[(1, 128, 6, 6)])
case(".flatten", [], {"start_dim": 1, "end_dim": -2}, [(2, 3, 4, 5)])
case(".flatten", [5], inputs=[(2, 3)], note="dim out of range")
case(".flatten", [1, 2, 3], inputs=[(2, 3, 4)], note="invalid combination (native overloads)")
case(".relu", [], inputs=[(1, 64, 8, 8)])
case(".relu", [1], inputs=[(2, 3)], note="takes no arguments")
case(".relu", [], {"inplace": True}, [(2, 3)], "takes no keyword arguments")
case(".sigmoid", [], inputs=[(2, 3)])
case(".tanh", [], inputs=[(2, 3)])
case(".tanh", [1], inputs=[(2, 3)], note="takes no arguments")
case(".softmax", [1], inputs=[(1, 10)])
case(".softmax", [], {"dim": -1}, [(2, 10)])
case(".softmax", [2], inputs=[(2, 3)], note="dim out of range")
case(".softmax", [], inputs=[(2, 3)], note="dim is required (invalid combination)")
case(".softmax", [1], {"foo": 2}, [(2, 3)], "invalid combination with keyword")


# ---------------------------------------------------------------- odd sizes, drawn once (fixed seed)
def sweep():
    import random

    rng = random.Random(1234)
    for _ in range(40):
        k, s, p, d = rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 2)
        hw = (rng.randint(1, 12), rng.randint(1, 12))
        case("Conv2d", [2, 4, k, s, p, d], inputs=[(1, 2) + hw], note="sweep")
    for _ in range(40):
        k, s, p, d = rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 2)
        hw = (rng.randint(1, 12), rng.randint(1, 12))
        case("MaxPool2d", [k, s, p, d], {"ceil_mode": rng.random() < 0.5}, [(1, 2) + hw], "sweep")
    for _ in range(30):
        k, s, p = rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2)
        hw = (rng.randint(1, 12), rng.randint(1, 12))
        case("AvgPool2d", [k, s, p], {"ceil_mode": rng.random() < 0.5}, [(1, 2) + hw], "sweep")


sweep()

# ---------------------------------------------------------------- run
def kind_of(op):
    if op.startswith("."):
        return "method"
    if "." in op or op in ("add", "iadd", "sub", "mul", "div", "neg"):
        return "function"
    return "module"


def as_python(v):
    """JSON lists stand for Python tuples in args."""
    if isinstance(v, list):
        return tuple(as_python(x) for x in v)
    return v


def resolve(qualified):
    obj = torch
    for part in qualified.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def call_source(target, pos, kw):
    args = [repr(v) for v in pos] + [f"{k}={v!r}" for k, v in kw.items()]
    return f"{target}({', '.join(args)})"


def macs_of(module, out):
    if isinstance(module, nn.Conv2d):
        return out.numel() * math.prod(module.weight.shape[1:])
    if isinstance(module, nn.Linear):
        return out.numel() * module.in_features
    return 0


def run(c):
    op, kind = c["op"], kind_of(c["op"])
    pos = [as_python(v) for v in c["positional"]]
    kw = {k: as_python(v) for k, v in c["keywords"].items()}
    tensors = [torch.zeros(tuple(s)) for s in c["inputs"]]
    rec = {"op": op, "kind": kind, "positional": c["positional"], "keywords": c["keywords"], "inputs": c["inputs"]}
    if c["note"]:
        rec["note"] = c["note"]
    module = None
    try:
        if kind == "module":
            module = getattr(nn, op)(*pos, **kw)
            out = module(tensors[0])
        elif op == "add":
            out = tensors[0] + (tensors[1] if len(tensors) > 1 else 1.0)
        elif op in ("sub", "mul", "div"):
            other = tensors[1] if len(tensors) > 1 else 2.0
            out = {"sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b}[op](tensors[0], other)
        elif op == "neg":
            out = -tensors[0]
        elif op == "iadd":
            out = tensors[0]
            out += tensors[1]
        elif op == "torch.cat":
            out = torch.cat(tensors, *pos, **kw)
        elif kind == "function":
            out = resolve(op)(*tensors, *pos, **kw)
        else:
            # Call as user code does (x.relu(1)): CPython names the method differently for a bound-method call.
            out = eval(call_source("t." + op[1:], pos, kw), {"t": tensors[0]})
    except Exception as e:  # noqa: BLE001 - every exception is a fixture
        rec["error"] = str(e).split("\n")[0]
        rec["errorType"] = type(e).__name__
        return rec
    if isinstance(out, tuple):  # return_indices: the values' shape
        out = out[0]
    rec["output"] = list(out.shape)
    rec["params"] = sum(p.numel() for p in module.parameters()) if module is not None else 0
    rec["macs"] = macs_of(module, out) if module is not None else 0
    return rec


def main():
    records = [run(c) for c in CASES]
    with open(OUT, "w") as f:  # one case per line: readable diffs
        f.write(f'{{"torch": {json.dumps(torch.__version__)}, "python": {json.dumps(sys.version.split()[0])}, "cases": [\n')
        f.write(",\n".join(json.dumps(r) for r in records))
        f.write("\n]}\n")
    errors = sum(1 for r in records if "error" in r)
    print(f"{len(records)} cases ({errors} errors) -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
