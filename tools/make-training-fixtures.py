#!/usr/bin/env python3
"""Fixtures for the training data and initialization, from Debian's torch 1.13 / torchvision 0.14:
- imagefolder: the classes and sample order torchvision.datasets.ImageFolder gives for a tree of files;
- fashion_mnist: the first images of Fashion-MNIST's training set through Resize((20, 24)), ToTensor, Normalize(0.5)
  (1 channel, and 3 channels via convert('RGB'));
- init: torch.nn.init's fans and gains, and the empirical mean and std of PyTorch's own draws of each init function
  for given shapes (many draws), for test/unit/training-init.test.ts.

    /usr/bin/python3 tools/make-training-fixtures.py
"""
import gzip, json, math, os, struct, tempfile

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision import datasets, transforms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'training')
DATA = '/usr/share/datasets/fashion-mnist'

# ---- ImageFolder order
TREE = ['b/2.png', 'b/10.png', 'b/sub/a.JPG', 'b/Sub2/z.Png', 'b/notes.txt', 'a/x.jpeg', 'a/y.webp', 'a/z.gif', 'a/deep/er/k.bmp',
        'A_upper/q.tiff', 'A_upper/p.pgm', 'c d/img.ppm', 'c d/img.PNG', 'b/sub/A.png']
with tempfile.TemporaryDirectory() as d:
    for f in TREE:
        os.makedirs(os.path.join(d, os.path.dirname(f)), exist_ok=True)
        open(os.path.join(d, f), 'wb').close()
    ds = datasets.ImageFolder(d, loader=lambda p: p)
    imagefolder = {'files': TREE, 'classes': ds.classes,
                   'samples': [[os.path.relpath(p, d), t] for p, t in ds.samples]}


# ---- Fashion-MNIST preprocessing at a non-square size
def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


images = read_idx('train-images-idx3-ubyte.gz')[:3]
labels = read_idx('train-labels-idx1-ubyte.gz')[:3]
tf = transforms.Compose([transforms.Resize((20, 24)), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
tf3 = transforms.Compose([transforms.Resize((20, 24)), transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
fashion = {'size': [20, 24], 'labels': labels.tolist(),
           'gray': [tf(Image.fromarray(im, mode='L')).flatten().tolist() for im in images],
           'rgb0': tf3(Image.fromarray(images[0], mode='L').convert('RGB')).flatten().tolist()}

# ---- init
torch.manual_seed(0)
SHAPES = [[16, 8, 3, 3], [64, 256], [128, 48, 5, 5], [5, 3], [4, 6, 2, 2, 3]]
fans = [{'shape': s, 'fan_in': nn.init._calculate_fan_in_and_fan_out(torch.empty(s))[0],
         'fan_out': nn.init._calculate_fan_in_and_fan_out(torch.empty(s))[1]} for s in SHAPES]
gains = [{'nonlinearity': n, 'param': p, 'gain': nn.init.calculate_gain(n, p)}
         for n, p in [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None),
                      ('leaky_relu', None), ('leaky_relu', 0.2), ('leaky_relu', math.sqrt(5)), ('selu', None)]]

MIN_DRAWS = 400_000
CASES = [
    ('conv_default_weight', None, {}, [16, 8, 3, 3]),
    ('conv_default_bias', None, {}, [16]),
    ('linear_default_weight', None, {}, [64, 256]),
    ('linear_default_bias', None, {}, [64]),
    ('kaiming_normal_', 'kaiming_normal_', {'mode': 'fan_out', 'nonlinearity': 'relu'}, [128, 48, 5, 5]),
    ('kaiming_normal_', 'kaiming_normal_', {'mode': 'fan_in', 'nonlinearity': 'leaky_relu', 'a': 0.2}, [64, 32, 3, 3]),
    ('kaiming_uniform_', 'kaiming_uniform_', {}, [64, 128]),
    ('kaiming_uniform_', 'kaiming_uniform_', {'a': math.sqrt(5)}, [16, 8, 3, 3]),
    ('xavier_uniform_', 'xavier_uniform_', {'gain': math.sqrt(2)}, [64, 128]),
    ('xavier_normal_', 'xavier_normal_', {}, [32, 16, 3, 3]),
    ('normal_', 'normal_', {'mean': 0, 'std': 0.01}, [2048, 128]),
    ('normal_', 'normal_', {'mean': 1.5, 'std': 2}, [1000]),
    ('uniform_', 'uniform_', {'a': -0.5, 'b': 2}, [1000]),
    ('trunc_normal_', 'trunc_normal_', {'mean': 0, 'std': 1, 'a': -1, 'b': 2}, [1000]),
    ('trunc_normal_', 'trunc_normal_', {'mean': 0, 'std': 0.02, 'a': -2, 'b': 2}, [768, 64]),
    ('constant_', 'constant_', {'val': 0.3}, [7]),
    ('zeros_', 'zeros_', {}, [7]),
    ('ones_', 'ones_', {}, [7]),
]


def draws(name, fn, args, shape):
    out = []
    total = 0
    while total < MIN_DRAWS:
        if name.startswith('conv_default'):
            m = nn.Conv2d(shape[1] if len(shape) > 1 else 8, 16, 3)
            t = m.weight if name.endswith('weight') else m.bias
        elif name.startswith('linear_default'):
            m = nn.Linear(256, 64)
            t = m.weight if name.endswith('weight') else m.bias
        else:
            t = torch.empty(shape)
            getattr(nn.init, fn)(t, **args)
        v = t.detach().double().flatten()
        out.append(v)
        total += v.numel()
    return torch.cat(out)


init = []
for name, fn, args, shape in CASES:
    v = draws(name, fn, args, shape)
    init.append({'name': name, 'fn': fn, 'args': args, 'shape': shape, 'n': v.numel(),
                 'mean': v.mean().item(), 'std': v.std().item(), 'min': v.min().item(), 'max': v.max().item()})

with open(os.path.join(OUT, 'torch-training.json'), 'w') as f:
    json.dump({'torch': torch.__version__, 'imagefolder': imagefolder, 'fashion_mnist': fashion,
               'fans': fans, 'gains': gains, 'init': init}, f)
    f.write('\n')
print('wrote', os.path.join(OUT, 'torch-training.json'))
