#!/usr/bin/python3
"""Whole-model training fixtures from PyTorch (the oracle for src/core/training/step.ts, test/unit/training.test.ts).

Run with Debian's torch 1.13:  /usr/bin/python3 tools/make-step-fixtures.py
The model is test/fixtures/training/tiny_alexnet.py (LRN, groups=2, tanh, overlapping max-pooling, BatchNorm,
Dropout and Dropout2d). From one set of initial weights, each optimizer configuration takes 3 steps of
F.cross_entropy on the same 3 batches with the same dropout masks (re-seeded per step; the masks are read back
by replaying ATen's draws and checked against what the forward did). Writes test/fixtures/training/steps.json
(the manifest: shapes, labels, losses, num_batches_tracked) and steps.bin (float32 little-endian: initial state,
inputs, masks, the logits and the state_dict after every step).
"""
import importlib.util
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'training')
SOURCE = 'test/fixtures/training/tiny_alexnet.py'
ENTRY = 'TinyAlexNet'
INPUT = [3, 36, 36]
BATCH = 4
CLASSES = 10
STEPS = 3

RUNS = [
    dict(name='sgd_momentum', label_smoothing=0.0,
         optimizer=dict(kind='sgd', lr=0.05, momentum=0.9, dampening=0.0, nesterov=False, weightDecay=5e-4)),
    dict(name='adam', label_smoothing=0.1,
         optimizer=dict(kind='adam', lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=5e-4)),
    dict(name='sgd_nesterov_dampening', label_smoothing=0.0,
         optimizer=dict(kind='sgd', lr=0.02, momentum=0.8, dampening=0.0, nesterov=True, weightDecay=1e-4)),
    dict(name='sgd_dampening_no_decay', label_smoothing=0.0,
         optimizer=dict(kind='sgd', lr=0.03, momentum=0.5, dampening=0.25, nesterov=False, weightDecay=0.0)),
]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# record_masks / drawn_masks: the dropout masks PyTorch drew, read back the same way as for the op fixtures
grad_fixtures = load('tools/make-grad-fixtures.py', 'make_grad_fixtures')


class Blob:
    """float32 tensors appended to one binary file, referenced by offset (in floats) and shape."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, t):
        # a copy: parameters change in place at the next step
        ref = dict(offset=self.size, shape=list(t.shape))
        flat = t.detach().to(torch.float32).reshape(-1).clone()
        self.parts.append(flat)
        self.size += flat.numel()
        return ref

    def write(self, path):
        torch.cat(self.parts).numpy().astype('<f4').tofile(path)


def make_optimizer(model, o):
    if o['kind'] == 'sgd':
        return torch.optim.SGD(model.parameters(), lr=o['lr'], momentum=o['momentum'], dampening=o['dampening'],
                               nesterov=o['nesterov'], weight_decay=o['weightDecay'])
    return torch.optim.Adam(model.parameters(), lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'],
                            weight_decay=o['weightDecay'])


def state_refs(model, blob):
    out = {}
    for k, v in model.state_dict().items():
        out[k] = dict(int=int(v.item())) if v.dtype == torch.int64 else blob.add(v)
    return out


def main():
    Model = getattr(load(SOURCE, 'tiny_alexnet'), ENTRY)
    blob = Blob()
    torch.manual_seed(7)
    model = Model(CLASSES)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    batches = [(torch.randn([BATCH] + INPUT), torch.randint(0, CLASSES, (BATCH,))) for _ in range(STEPS)]
    dropouts = [m for m in model.modules() if isinstance(m, (nn.Dropout, nn.Dropout2d))]

    manifest = dict(torch=torch.__version__, source=SOURCE, entry=ENTRY, input=INPUT, batch=BATCH, classes=CLASSES,
                    initial=state_refs(model, blob), steps=[], runs=[])
    masks_per_step = None
    for run in RUNS:
        model = Model(CLASSES)
        model.load_state_dict(initial)
        model.train()
        seen = grad_fixtures.record_masks(model)
        optimizer = make_optimizer(model, run['optimizer'])
        steps = []
        masks_this_run = []
        for step, (x, labels) in enumerate(batches):
            seen.clear()
            seed = 100 + step
            torch.manual_seed(seed)
            logits = model(x)
            masks = grad_fixtures.drawn_masks(seen, seed)
            masks_this_run.append(masks)
            loss = F.cross_entropy(logits, labels, label_smoothing=run['label_smoothing'])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps.append(dict(loss=loss.item(), logits=blob.add(logits), state=state_refs(model, blob)))
        if masks_per_step is None:
            masks_per_step = masks_this_run
        else:
            for a, b in zip(masks_per_step, masks_this_run):
                assert all(torch.equal(p[2], q[2]) for p, q in zip(a, b)), 'runs drew different masks'
        manifest['runs'].append(dict(name=run['name'], optimizer=run['optimizer'], labelSmoothing=run['label_smoothing'], steps=steps))
    assert len(masks_per_step[0]) == len(dropouts)
    for (x, labels), masks in zip(batches, masks_per_step):
        manifest['steps'].append(dict(input=blob.add(x), labels=labels.tolist(),
                                      masks=[dict(shape=s, p=p, data=blob.add(m)) for s, p, m in masks]))
    blob.write(os.path.join(OUT, 'steps.bin'))
    with open(os.path.join(OUT, 'steps.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print(f'{len(RUNS)} runs of {STEPS} steps, {blob.size * 4} bytes of tensors')


if __name__ == '__main__':
    main()
