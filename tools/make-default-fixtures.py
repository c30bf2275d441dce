#!/usr/bin/env python3
"""PyTorch's logits for the shipped default weights on every shipped sample image (the reference for
test/unit/default-model.test.ts), plus the accuracy of the shipped float16 weights on the whole test set.

    /usr/bin/python3 tools/make-default-fixtures.py
"""
import glob, gzip, json, os, struct, sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'models'))
from alexnet import AlexNet  # noqa: E402

DIR = os.path.join(ROOT, 'models', 'fashion-mnist')
PREPROCESS = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])


def load_model():
    sd = torch.load(os.path.join(DIR, 'alexnet-fashion-mnist.pth'))
    model = AlexNet(num_classes=10)
    model.load_state_dict({k: v.float() for k, v in sd.items()})
    return model.eval()


def read_idx(name):
    with gzip.open(os.path.join('/usr/share/datasets/fashion-mnist', name), 'rb') as f:
        data = f.read()
    ndim = struct.unpack('>I', data[:4])[0] & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    model = load_model()
    labels = json.load(open(os.path.join(DIR, 'class_indices.json')))
    samples = []
    with torch.no_grad():
        for path in sorted(glob.glob(os.path.join(DIR, 'samples', '*.png'))):
            x = PREPROCESS(Image.open(path).convert('RGB')).unsqueeze(0)
            logits = model(x)[0]
            samples.append({'file': os.path.relpath(path, ROOT), 'logits': [float(v) for v in logits],
                            'top1': int(logits.argmax()), 'label': labels[str(int(logits.argmax()))]})
        xte = read_idx('t10k-images-idx3-ubyte.gz')
        yte = read_idx('t10k-labels-idx1-ubyte.gz')
        if '--samples-only' in sys.argv:  # a quick check of the sample logits; accuracy on 400 images only
            xte, yte = xte[:400], yte[:400]
        correct = 0
        for i in range(0, len(xte), 200):
            xb = torch.stack([PREPROCESS(Image.fromarray(im, mode='L').convert('RGB')) for im in xte[i:i + 200]])
            correct += int((model(xb).argmax(1).numpy() == yte[i:i + 200]).sum())
    out = {'weights': 'models/fashion-mnist/alexnet-fashion-mnist.pth', 'torch': torch.__version__,
           'testAccuracyFloat16Weights': correct / len(xte), 'samples': samples}
    os.makedirs(os.path.join(ROOT, 'test', 'fixtures'), exist_ok=True)
    with open(os.path.join(ROOT, 'test', 'fixtures', 'default-model.json'), 'w') as f:
        json.dump(out, f, indent=1)
    print(f"{len(samples)} samples; test accuracy with the shipped float16 weights: {correct / len(xte):.4f}")
    if '--samples-only' not in sys.argv:
        write_model_card(correct / len(xte), len(xte))


def write_model_card(accuracy, n):
    meta = json.load(open(os.path.join(DIR, 'training.json')))
    size = os.path.getsize(os.path.join(DIR, 'alexnet-fashion-mnist.pth'))
    lrs = ', '.join(f'{lr:g}' for lr in meta['learning_rates'][:meta['epoch']])
    card = f"""# Model card: AlexNet (half width) on Fashion-MNIST

The default weights of AlexNet Explorer's **Classify with AlexNet**: what the classification panel and
`alexnet-explorer classify` use until you load your own checkpoint.

| | |
|---|---|
| Architecture | `models/alexnet.py`: the study note's half-width AlexNet (conv 48-128-192-192-128, FC 2048-2048), `num_classes=10` |
| Parameters | {sum(v.numel() for v in torch.load(os.path.join(DIR, 'alexnet-fashion-mnist.pth')).values() if v.is_floating_point()):,} |
| File | `alexnet-fashion-mnist.pth`: a `state_dict` saved by `torch.save`, float16, {size / 2**20:.1f} MiB, sha256 `{meta['sha256'][:16]}…` |
| Labels | `class_indices.json`: {', '.join(json.load(open(os.path.join(DIR, 'class_indices.json'))).values())} |
| Test accuracy | **{accuracy * 100:.2f}%** on the {n:,} Fashion-MNIST test images, measured by PyTorch {torch.__version__} with these float16 weights (float32 weights after the same epoch: {meta['accuracy'] * 100:.2f}%) |

## Data
Fashion-MNIST (Zalando Research, MIT licence) as Debian packages it (`apt-get install dataset-fashion-mnist`:
`/usr/share/datasets/fashion-mnist/`): 60,000 training and 10,000 test images, 28x28 grayscale, 10 classes.
The 20 images in `samples/` are from the test set (two per class), named after their test-set index and label.

## Preprocessing (preset `seed`)
The study note's training script: each grayscale image converted to RGB, `Resize((224, 224))` (PIL bilinear),
`ToTensor()`, `Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))`. The extension reproduces this exactly (the resize
is PIL's algorithm; `test/unit/images.test.ts` compares pixel for pixel), and on the 20 samples its logits
equal PyTorch's within 1e-4 relative (`test/unit/default-model.test.ts`).

## Training
`tools/train-fashion-mnist.py` with Debian's torch {meta['torch']} on the CPU: Adam, batch {meta['batch_size']},
{meta['epoch']} epoch(s) with learning rates {lrs}, no augmentation, Kaiming initialisation (`init_weights=True`),
seed {meta['seed']}. The log is `train.log`. The weights of the epoch with the best test accuracy are saved in float16.

## Reproduce
```sh
apt-get install -y python3-torch python3-torchvision dataset-fashion-mnist
/usr/bin/python3 tools/train-fashion-mnist.py --epochs {meta['epoch']} --threads 2   # hours on a CPU
/usr/bin/python3 tools/make-default-fixtures.py     # PyTorch's reference logits, accuracy, this card
```

## Limits
Trained on centred, 28x28, white-on-black product photos: photographs of clothes, other backgrounds or other
objects are outside what it has seen, and its top-1 there means little.
"""
    # the engine's own retraining (engine-epoch1.json, written by hand from `alexnet-explorer train`) keeps its section
    old = open(os.path.join(DIR, 'MODEL_CARD.md')).read() if os.path.exists(os.path.join(DIR, 'MODEL_CARD.md')) else ''
    marker = "\n## Retrained with AlexNet Explorer's own engine"
    if marker in old and marker not in card:
        section = old[old.index(marker):]
        section = section[:section.index('\n## ', 1)] if '\n## ' in section[1:] else section
        card = card.replace('\n## Reproduce', section + '\n## Reproduce', 1)
    with open(os.path.join(DIR, 'MODEL_CARD.md'), 'w') as f:
        f.write(card)


if __name__ == '__main__':
    main()
