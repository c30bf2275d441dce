#!/usr/bin/python3
"""Gradient fixtures for the backward passes of the classic-CNN ops (test/unit/backward-newops.test.ts).

Run with Debian's torch 1.13:  /usr/bin/python3 tools/make-newops-grad-fixtures.py
Writes test/fixtures/grads-newops/cases.json. Each case is an op spelling with its arguments written as the shape
fixtures write them (tools/make-shape-fixtures.py: without the tensor input), an input and an upstream gradient
drawn from a fixed seed, and PyTorch's output and autograd gradients: dLoss/dInput and, for modules with
parameters, dLoss/dParameter by name. Modules run in eval mode (the ONNX forward's semantics).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "grads-newops", "cases.json")
CASES = []


def case(op, pos=(), kw=None, shape=(1, 3, 6, 6), note="", ties=False):
    CASES.append(dict(op=op, positional=list(pos), keywords=dict(kw or {}), shape=list(shape), note=note, ties=ties))


FN = "torch.nn.functional."
case(".mean", [[2, 3]], shape=(2, 4, 3, 5), note="squeeze-and-excitation")
case(".mean", [1, True], shape=(2, 4, 3), note="keepdim")
case("torch.mean", [], shape=(2, 3, 4), note="every dim")
case("torch.transpose", [1, 2], shape=(2, 3, 4, 5))
case(".permute", [0, 3, 1, 2], shape=(2, 3, 4, 5))
case("Hardswish", [], shape=(2, 3, 4, 5), note="values across -3..3 and beyond")
case("Hardsigmoid", [], shape=(2, 3, 4, 5))
case(FN + "hardswish", [], shape=(2, 8))
case("AdaptiveMaxPool2d", [[5, 3]], shape=(2, 3, 13, 8), note="overlapping bins")
case("AdaptiveMaxPool2d", [2], shape=(1, 2, 6, 6), note="divisible")
case("AdaptiveMaxPool2d", [[3, 2]], shape=(1, 2, 7, 5), note="ties (ReLU zeros): the first maximum", ties=True)
case("ZeroPad2d", [[1, -2, -1, 3]], shape=(2, 3, 5, 6), note="pad and crop")
case(FN + "pad", [[0, 1, 2, 0]], {"value": 0.5}, shape=(1, 2, 4, 4))
case("Upsample", [], {"scale_factor": 2}, shape=(1, 2, 3, 4), note="nearest x2")
case("Upsample", [], {"scale_factor": 1.5, "mode": "bilinear"}, shape=(1, 2, 5, 4), note="bilinear x1.5")
case("UpsamplingBilinear2d", [], {"size": [7, 9]}, shape=(1, 2, 3, 4), note="align_corners")
case(FN + "interpolate", [[7, 5]], {"mode": "nearest"}, shape=(1, 2, 3, 4), note="nearest to a size")
case(FN + "interpolate", [], {"scale_factor": 0.5, "mode": "bilinear"}, shape=(1, 2, 6, 8), note="bilinear down")
case(FN + "interpolate", [], {"scale_factor": 3, "mode": "nearest-exact"}, shape=(1, 2, 2, 3))
case("BatchNorm1d", [4], shape=(3, 4), note="[N, C], eval")
case("BatchNorm1d", [4], shape=(2, 4, 5), note="[N, C, L], eval")
case("BatchNorm1d", [4], {"affine": False}, shape=(2, 4, 5), note="no affine, eval")


def as_python(v):
    return tuple(as_python(x) for x in v) if isinstance(v, list) else v


def resolve(qualified):
    obj = torch
    for part in qualified.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def floats(t):
    return [float(v) for v in t.detach().flatten().tolist()]


def run(c, gen):
    pos = [as_python(v) for v in c["positional"]]
    kw = {k: as_python(v) for k, v in c["keywords"].items()}
    x = torch.randn(c["shape"], generator=gen) * 3
    if c["ties"]:
        x = torch.relu(x).round()
    x.requires_grad_(True)
    module = None
    op = c["op"]
    if op.startswith("."):
        out = getattr(x, op[1:])(*pos, **kw)
    elif "." in op:
        out = resolve(op)(x, *pos, **kw)
    else:
        module = getattr(nn, op)(*pos, **kw)
        with torch.no_grad():
            for name, p in module.named_parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5 + (1 if name == "weight" else 0))
            for name, b in module.named_buffers():
                if name == "running_mean":
                    b.copy_(torch.randn(b.shape, generator=gen) * 0.5)
                elif name == "running_var":
                    b.copy_(torch.rand(b.shape, generator=gen) + 0.5)
        module.eval()
        out = module(x)
    d_out = torch.randn(out.shape, generator=gen)
    out.backward(d_out)
    rec = dict(op=op, positional=c["positional"], keywords=c["keywords"], note=c["note"], shape=c["shape"],
               input=floats(x), outShape=list(out.shape), output=floats(out), dOut=floats(d_out), dInput=floats(x.grad))
    if module is not None:
        state = module.state_dict()
        rec["state"] = {k: dict(shape=list(v.shape), data=floats(v.float())) for k, v in state.items() if v.is_floating_point()}
        rec["dParams"] = {n: floats(p.grad) for n, p in module.named_parameters()}
    return rec


def main():
    gen = torch.Generator().manual_seed(11)
    records = [run(c, gen) for c in CASES]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(f'{{"torch": {json.dumps(torch.__version__)}, "cases": [\n')
        f.write(",\n".join(json.dumps(r) for r in records))
        f.write("\n]}\n")
    print(f"{len(records)} cases -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
