#!/usr/bin/python3
"""Fixtures for the ONNX exporter (test/unit/onnx.test.ts), made by PyTorch: run with /usr/bin/python3
(Debian's torch 1.13 and python3-onnx) from the repository root.

For each model: random weights, rounded to float16 and saved with torch.save(model.state_dict()) (half the
bytes; the reference runs on the same rounded weights in float32), a fixed input (float32 little-endian .bin),
PyTorch's output in eval mode, and for one model every module's output (forward hooks). Then our builder
writes each model's ONNX (tools/write-onnx-fixtures.ts) and onnx.checker checks it; the sha256 of what
passed is recorded, so the test knows the current builder's output is the one that was checked.
"""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn
from PIL import Image
from torchvision import transforms


def preset(name, channels, height, width):
    """The classify presets at the model's own size (src/core/images/preprocess.ts): seed squeezes the whole image
    to (H, W); imagenet resizes the shorter side to floor(min(H, W) * 8 / 7) (256 for 224) and crops (H, W)."""
    gray = channels == 1
    if name == 'seed':
        geometry = [transforms.Resize((height, width))]
        mean, std = ((0.5,), (0.5,)) if gray else ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    else:
        geometry = [transforms.Resize(min(height, width) * 8 // 7), transforms.CenterCrop((height, width))]
        mean, std = ((0.449,), (0.226,)) if gray else ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    return transforms.Compose(geometry + [transforms.ToTensor(), transforms.Normalize(mean, std)])


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')

MODELS = [
    # the seed AlexNet (models/alexnet.py) at a sixth of its width, the 2012 paper's with LRN and groups=2
    dict(name='alexnet_small', source='test/fixtures/onnx/alexnet_small.py', entry='AlexNet', input=[3, 224, 224], seed=1,
         # whole-chain references for `classify`: Pillow decode + torchvision transforms + the model
         images=[('models/fashion-mnist/samples/0000-ankle-boot.png', 'seed'),
                 ('test/fixtures/images/inputs/rgb-300x200.png', 'imagenet')]),
    dict(name='alexnet_2012_small', source='test/fixtures/onnx/alexnet_2012_small.py', entry='AlexNet2012', input=[3, 227, 227], seed=2,
         # `classify` at the model's own size: 227x227 from its `# input[3, 227, 227]`
         images=[('test/fixtures/images/inputs/rgb-300x200.png', 'seed'), ('test/fixtures/images/inputs/rgb-300x200.png', 'imagenet')]),
    # every mapped op; its module outputs are recorded too
    dict(name='mixed_ops', source='test/fixtures/onnx/mixed_ops.py', entry='MixedOps', input=[3, 32, 32], seed=3, activations=True),
    # corpus models as they are: BatchNorm, ReLU6/LeakyReLU/GELU/SiLU, Softmax, residual +=, torch.cat
    dict(name='small_cnn_mixed', source='test/corpus/small_cnn_mixed.py', entry='SmallCNN', input=[3, 64, 64], seed=4),
    dict(name='resnet_tiny', source='test/corpus/resnet_tiny.py', entry='TinyResNet', input=[3, 64, 64], seed=5),
    dict(name='inception_tiny', source='test/corpus/inception_tiny.py', entry='TinyGoogLeNet', input=[3, 64, 64], seed=6),
    # the ops of classic-CNN files: SE + Hardswish/Hardsigmoid + channel shuffle; upsampling, padding, adaptive max
    # pooling and BatchNorm1d (its module outputs recorded too); BatchNorm1d with and without running statistics
    dict(name='se_shuffle', source='test/fixtures/onnx/newops.py', entry='SEShuffle', input=[3, 16, 16], seed=7),
    dict(name='decoder', source='test/fixtures/onnx/newops.py', entry='Decoder', input=[3, 14, 18], seed=8, activations=True),
    dict(name='bn_head', source='test/fixtures/onnx/newops.py', entry='BNHead', input=[3, 16, 16], seed=9),
    # squeeze-and-excitation as zoos write it: y.expand_as(x), squeeze/unsqueeze, expand, sum (module outputs recorded)
    dict(name='se_classic', source='test/fixtures/onnx/newops.py', entry='SEClassic', input=[3, 12, 10], seed=10, activations=True),
    # the padding modules and F.pad's modes (reflect, replicate, circular, constant, negative pads), module outputs recorded
    dict(name='pad_modes', source='test/fixtures/onnx/newops.py', entry='PadModes', input=[3, 12, 10], seed=11, activations=True),
    # clamp / clamp_min / clamp_max / Hardtanh (module outputs recorded)
    dict(name='clamp_acts', source='test/fixtures/onnx/newops.py', entry='ClampActs', input=[3, 16, 16], seed=12, activations=True),
    # ELU and PReLU (one slope, per channel on [N, C, H, W] and [N, C]), module outputs recorded
    dict(name='elu_prelu', source='test/fixtures/onnx/newops.py', entry='EluPrelu', input=[3, 8, 8], seed=13, activations=True),
    # GroupNorm: affine, without affine, one group, on [N, C] (module outputs recorded)
    dict(name='group_norm', source='test/fixtures/onnx/newops.py', entry='GroupNormNet', input=[3, 10, 10], seed=14, activations=True),
    # LayerNorm: over [C, H, W], the last dim of [N, C], without affine (module outputs recorded)
    dict(name='layer_norm', source='test/fixtures/onnx/newops.py', entry='LayerNormNet', input=[3, 8, 8], seed=15, activations=True),
    # InstanceNorm2d: the default and with affine (module outputs recorded)
    dict(name='instance_norm', source='test/fixtures/onnx/newops.py', entry='InstanceNormNet', input=[3, 8, 8], seed=16, activations=True),
    # `classify` of a CIFAR model at 32x32 and an MNIST one at 1x28x28, as their files say
    dict(name='lenet_cifar10', source='test/corpus/lenet_cifar10.py', entry='LeNet', input=[3, 32, 32], seed=7,
         images=[('test/fixtures/images/inputs/rgb-300x200.png', 'seed'), ('test/fixtures/images/inputs/rgb-300x200.png', 'imagenet')]),
    dict(name='mnist_small', source='test/fixtures/onnx/mnist_small.py', entry='Net', input=[1, 28, 28], seed=8,
         images=[('models/fashion-mnist/samples/0000-ankle-boot.png', 'seed'), ('test/fixtures/images/inputs/rgb-300x200.png', 'imagenet')]),
    # torchvision's own ResNet, DenseNet, MobileNetV2/V3, ShuffleNetV2, SqueezeNet and GoogLeNet, narrowed or cut to
    # keep the random weights small: the same file is built by torchvision 0.14 here and by the analysis's own
    # torchvision definitions there (entry: the factory call)
    *[dict(name=name, source='test/fixtures/onnx/torchvision_small.py', entry=name + '()', input=[3, 64, 64], seed=20 + i)
      for i, name in enumerate(['resnet_small', 'densenet_small', 'mobilenet_v2_small', 'mobilenet_v3_small_small',
                                'shufflenet_small', 'squeezenet_small', 'googlenet_small'])],
]


def load_class(source, entry):
    spec = importlib.util.spec_from_file_location('fixture_model', os.path.join(ROOT, source))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # a class, or a factory call without arguments ('resnet_small()'): both are called with none
    return getattr(module, entry[:-2] if entry.endswith('()') else entry)


def randomize(model, gen):
    """He-normal weights (activations stay O(1) through the depth), non-trivial BatchNorm statistics."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5)
            elif isinstance(m, (nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)) and m.weight is not None:
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = m.num_features
                if m.affine:
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
                if m.track_running_stats:
                    m.running_mean.copy_(torch.randn(c, generator=gen) * 0.5)
                    m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                    m.num_batches_tracked.fill_(100)


def write_floats(path, t):
    t.detach().to(torch.float32).contiguous().numpy().astype('<f4').tofile(path)


def make(spec):
    name = spec['name']
    gen = torch.Generator().manual_seed(spec['seed'])
    torch.manual_seed(spec['seed'])
    model = load_class(spec['source'], spec['entry'])()
    randomize(model, gen)
    model.eval()

    # float16 storage; the reference runs on the rounded values
    state = model.state_dict()
    for key in state:
        if state[key].is_floating_point():
            state[key] = state[key].half()
    torch.save(state, os.path.join(OUT, name + '.pth'))
    model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in state.items()})

    x = torch.randn([1] + spec['input'], generator=gen)
    write_floats(os.path.join(OUT, name + '.input.bin'), x)

    records = []
    if spec.get('activations'):
        names = {m: n for n, m in model.named_modules() if n}

        def hook(module, _inputs, output):
            records.append((names[module], output.detach().clone()))

        for m in names:
            if not isinstance(m, nn.Sequential):
                m.register_forward_hook(hook)
    with torch.no_grad():
        logits = model(x)

    entry = dict(
        name=name, source=spec['source'], entry=spec['entry'], input=spec['input'],
        checkpoint=name + '.pth', inputFile=name + '.input.bin',
        logits=[float(v) for v in logits.flatten().tolist()],
    )
    if spec.get('images'):
        entry['images'] = []
        channels, height, width = spec['input']
        for path, preset_name in spec['images']:
            pil = Image.open(os.path.join(ROOT, path)).convert('L' if channels == 1 else 'RGB')
            image = preset(preset_name, channels, height, width)(pil).unsqueeze(0)
            with torch.no_grad():
                out = model(image)
            entry['images'].append(dict(file=path, preset=preset_name, logits=[float(v) for v in out.flatten().tolist()]))
    if records:
        offset = 0
        entry['activations'] = []
        with open(os.path.join(OUT, name + '.activations.bin'), 'wb') as f:
            for path, t in records:
                f.write(t.to(torch.float32).contiguous().numpy().astype('<f4').tobytes())
                entry['activations'].append(dict(path=path, shape=list(t.shape), offset=offset))
                offset += t.numel()
        entry['activationsFile'] = name + '.activations.bin'
    return entry


def check_onnx(fixtures):
    import onnx
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(['node', '--import', 'tsx', 'tools/write-onnx-fixtures.ts', tmp], cwd=ROOT, check=True)
        for entry in fixtures['models']:
            entry['checked'] = {}
            for suffix in ['', '.half', '.activations'] if 'activations' in entry else ['', '.half']:
                path = os.path.join(tmp, entry['name'] + suffix + '.onnx')
                with open(path, 'rb') as f:
                    data = f.read()
                model = onnx.load_from_string(data)
                onnx.checker.check_model(model, full_check=True)
                checker = 'onnx %s check_model(full_check=True)' % onnx.__version__
                entry['checked'][suffix] = dict(sha256=hashlib.sha256(data).hexdigest(), checker=checker)
                print('checked %s%s.onnx (%d bytes, opset %d, ir %d)' % (
                    entry['name'], suffix, len(data), model.opset_import[0].version, model.ir_version))
    fixtures['onnx'] = onnx.__version__


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    expected = os.path.join(OUT, 'expected.json')
    # with names given, only those are remade; the others keep their recorded entries (and are checked again)
    kept = {}
    if only and os.path.exists(expected):
        with open(expected) as f:
            kept = {m['name']: m for m in json.load(f)['models']}
    fixtures = dict(torch=torch.__version__, onnx=None, models=[])
    for spec in MODELS:
        if only and spec['name'] not in only:
            if spec['name'] in kept:
                fixtures['models'].append(kept[spec['name']])
            continue
        fixtures['models'].append(make(spec))
        print('made', spec['name'])
    with open(expected, 'w') as f:
        json.dump(fixtures, f, indent=1)
    check_onnx(fixtures)
    with open(expected, 'w') as f:
        json.dump(fixtures, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
