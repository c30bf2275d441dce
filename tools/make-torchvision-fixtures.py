#!/usr/bin/python3
"""torchvision 0.14's own classification factories, the oracle for the definitions the analysis ships
(src/core/model/torchvision/*.py): for each factory, at [1, 3, 224, 224] in eval mode, the output shape,
the parameter count, every leaf module call (path and output shape, in call order), the state_dict's
keys and shapes, the keys of modules the eval-mode forward never calls, and torchvision's parameter count for
the model its DEFAULT weights load into, and googlenet's train-mode namedtuple. Run with Debian's torch 1.13 / torchvision 0.14:
    /usr/bin/python3 tools/make-torchvision-fixtures.py
    /usr/bin/python3 tools/make-torchvision-fixtures.py googlenet   # only the factories named
Writes test/fixtures/torchvision/<factory>.json (compact: one line per list), read by test/unit/torchvision.test.ts.
"""
import json
import os
import sys

import torch
import torchvision

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "torchvision")

FACTORIES = [
    "alexnet",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "squeezenet1_0", "squeezenet1_1", "mobilenet_v2",
    "mobilenet_v3_small", "mobilenet_v3_large",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "googlenet",
]

# factories whose train-mode output differs from eval's: googlenet's GoogLeNetOutputs(logits, aux_logits2, aux_logits1)
TRAIN_OUTPUT = {"googlenet"}


def fixture(name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    paths = {m: p for p, m in model.named_modules()}
    layers = []
    called = set()

    def hook(module, _inputs, output):
        layers.append([paths[module], list(output.shape)])
        called.add(paths[module])

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 224, 224))
    for h in handles:
        h.remove()
    state = model.state_dict()
    # parameters of modules the eval-mode forward never calls (googlenet's aux1/aux2: called only in training)
    not_called = [k for k in state if k.rsplit(".", 1)[0] not in called]
    extra = {}
    if name in TRAIN_OUTPUT:
        model.train()
        produced = {}
        handles = [m.register_forward_hook(lambda m, _i, o: produced.__setitem__(id(o), paths[m]))
                   for m in model.modules() if not list(m.children())]
        with torch.no_grad():
            y = model(torch.zeros(1, 3, 224, 224))
        for h in handles:
            h.remove()
        model.eval()
        # a namedtuple: its class name, fields, each field's shape and the module whose output it is
        # (torchvision 0.14's aux_logits2 is aux1's output: its forward swaps the names)
        extra["trainOutput"] = {"type": type(y).__name__, "fields": list(y._fields), "shapes": [list(t.shape) for t in y],
                                "modules": [produced.get(id(t)) for t in y]}
    return {
        "factory": name,
        "torchvision": torchvision.__version__,
        "output": list(out.shape),
        "totalParams": sum(p.numel() for p in model.parameters()),
        "layers": layers,
        "stateDict": [[k, list(v.shape)] for k, v in state.items()],
        "notCalledInEval": not_called,
        # torchvision's own count for the model its pretrained weights load into (googlenet drops its aux heads)
        "weightsNumParams": torchvision.models.get_model_weights(name).DEFAULT.meta["num_params"],
        **extra,
    }


def dumps(f):
    head = {k: v for k, v in f.items() if k not in ("layers", "stateDict", "notCalledInEval")}
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return "{\n" + body + f',\n  "layers": {json.dumps(f["layers"], separators=(",", ":"))},\n  "stateDict": {json.dumps(f["stateDict"], separators=(",", ":"))},\n  "notCalledInEval": {json.dumps(f["notCalledInEval"], separators=(",", ":"))}\n}}\n'


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for name in FACTORIES:
        if only and name not in only:
            continue
        f = fixture(name)
        with open(os.path.join(OUT, name + ".json"), "w") as out:
            out.write(dumps(f))
        print(f"{name:20} {f['totalParams']:>12,} params {len(f['layers']):4} layers {len(f['stateDict']):4} state_dict entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
