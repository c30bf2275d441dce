#!/usr/bin/env python3
"""Train the seed AlexNet (models/alexnet.py, num_classes=10) on Fashion-MNIST at 224x224.

Reproducible: fixed seeds, Debian's torch (/usr/bin/python3), data from `apt-get install dataset-fashion-mnist`.
Preprocessing is the seed training script's: Resize((224, 224)), ToTensor, Normalize((0.5,)*3, (0.5,)*3),
with the grayscale images converted to RGB. Resumable: a checkpoint is written after every epoch, and the
shipped files (float16 weights, labels, model card) are rewritten whenever test accuracy improves.

    /usr/bin/python3 tools/train-fashion-mnist.py [--epochs 3] [--threads 1] [--out models/fashion-mnist]
"""
import argparse, gzip, json, os, sys, time, struct, hashlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'models'))
from alexnet import AlexNet  # noqa: E402

DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
LRS = [3e-4, 1.5e-4, 5e-5, 2.5e-5, 1e-5]


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


PREPROCESS = transforms.Compose([
    transforms.Resize((224, 224)),
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])


def batch(images):
    return torch.stack([PREPROCESS(Image.fromarray(im, mode='L').convert('RGB')) for im in images])


def evaluate(model, images, labels, bs=200):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), bs):
            out = model(batch(images[i:i + bs]))
            correct += (out.argmax(1).numpy() == labels[i:i + bs]).sum()
    return correct / len(images)


def log(out, msg):
    line = f'{time.strftime("%Y-%m-%d %H:%M:%S")} {msg}'
    print(line, flush=True)
    with open(os.path.join(out, 'train.log'), 'a') as f:
        f.write(line + '\n')


def ship(model, out, acc, epoch, args):
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    path = os.path.join(out, 'alexnet-fashion-mnist.pth')
    torch.save(half, path)
    with open(os.path.join(out, 'class_indices.json'), 'w') as f:
        json.dump({str(i): c for i, c in enumerate(CLASSES)}, f, indent=4)
    sha = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    meta = {'accuracy': float(acc), 'epoch': epoch, 'epochs_planned': args.epochs, 'batch_size': args.batch_size,
            'learning_rates': LRS[:args.epochs], 'seed': args.seed, 'torch': torch.__version__, 'sha256': sha,
            'preset': 'seed', 'input': [3, 224, 224], 'num_classes': 10}
    with open(os.path.join(out, 'training.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    log(out, f'shipped epoch {epoch} weights: test accuracy {acc:.4f}, {os.path.getsize(path)} bytes, sha256 {sha[:12]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch-size', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'fashion-mnist'))
    ap.add_argument('--state', default=os.path.join(ROOT, '.tools', 'train-state.pt'))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(os.path.dirname(args.state), exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    xtr, ytr = read_idx('train-images-idx3-ubyte.gz'), read_idx('train-labels-idx1-ubyte.gz').astype(np.int64)
    xte, yte = read_idx('t10k-images-idx3-ubyte.gz'), read_idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)

    model = AlexNet(num_classes=10, init_weights=True)
    opt = torch.optim.Adam(model.parameters(), lr=LRS[0])
    start_epoch, best = 0, 0.0
    if os.path.exists(args.state):
        st = torch.load(args.state)
        model.load_state_dict(st['model']); opt.load_state_dict(st['optimizer'])
        start_epoch, best = st['epoch'], st['best']
        log(args.out, f'resumed after epoch {start_epoch}, best {best:.4f}')
    else:
        log(args.out, f'start: {args.epochs} epochs, batch {args.batch_size}, Adam {LRS[:args.epochs]}, {args.threads} thread(s), torch {torch.__version__}')

    for epoch in range(start_epoch, args.epochs):
        for g in opt.param_groups:
            g['lr'] = LRS[min(epoch, len(LRS) - 1)]
        model.train()
        rng = np.random.default_rng(args.seed + epoch)
        order = rng.permutation(len(xtr))
        t0, running, seen = time.time(), 0.0, 0
        steps = len(order) // args.batch_size
        for step in range(steps):
            idx = order[step * args.batch_size:(step + 1) * args.batch_size]
            x, y = batch(xtr[idx]), torch.from_numpy(ytr[idx])
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            running += loss.item() * len(idx); seen += len(idx)
            if (step + 1) % 50 == 0:
                log(args.out, f'epoch {epoch + 1} step {step + 1}/{steps} loss {running / seen:.4f} ({(time.time() - t0) / (step + 1):.2f} s/step)')
                running, seen = 0.0, 0
        acc = evaluate(model, xte, yte)
        log(args.out, f'epoch {epoch + 1} done in {time.time() - t0:.0f} s: test accuracy {acc:.4f}')
        if acc > best:
            best = acc
            ship(model, args.out, acc, epoch + 1, args)
        torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': epoch + 1, 'best': best}, args.state)
    log(args.out, f'finished: best test accuracy {best:.4f}')


if __name__ == '__main__':
    main()
