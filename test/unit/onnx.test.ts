// The ONNX exporter against PyTorch: models built from our IR + the fixture weights, run in onnxruntime-node,
// compared to PyTorch 1.13's outputs (tools/make-onnx-fixtures.py); the bytes are the ones onnx.checker passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { analyzeSource } from '../../src/core/model/analyze';
import {
  BUILDER_VERSION,
  OnnxExportError,
  ProtoWriter,
  activationOutputs,
  buildOnnxModel,
  expectedParams,
  floatTensors,
} from '../../src/core/onnx';
import { bindStateDict } from '../../src/core/weights';
import { readCheckpointFile } from '../../src/core/weights/read-file.node';
import {
  type FixtureModel,
  FIXTURE_DIR,
  TOLERANCE,
  relativeError,
  analyzeFixture,
  bindFixture,
  buildFixtureOnnx,
  fixtureVariants,
  readFixtureSpec,
  readFloats,
} from '../fixtures/onnx/fixture';
import { join } from 'node:path';

const spec = readFixtureSpec();

async function run(bytes: Uint8Array, input: Float32Array, shape: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  return session.run({ input: new ort.Tensor('float32', input, shape) });
}

const model = (name: string): FixtureModel => spec.models.find((m) => m.name === name)!;
const errors: Record<string, number> = {};

test('the fixtures cover the seed AlexNet, the paper AlexNet, the mixed ops, the corpus models, the classic-CNN ops (SE blocks with expand_as, squeeze, sum; every padding mode; clamp and Hardtanh; ELU and PReLU; GroupNorm; LayerNorm; InstanceNorm2d), the CIFAR and MNIST sizes and torchvision\'s ResNet, DenseNet, MobileNetV2/V3, ShuffleNetV2, SqueezeNet and GoogLeNet', () => {
  assert.deepEqual(
    spec.models.map((m) => m.name),
    ['alexnet_small', 'alexnet_2012_small', 'mixed_ops', 'small_cnn_mixed', 'resnet_tiny', 'inception_tiny', 'se_shuffle', 'decoder', 'bn_head', 'se_classic', 'pad_modes', 'clamp_acts', 'elu_prelu', 'group_norm', 'layer_norm', 'instance_norm', 'lenet_cifar10', 'mnist_small',
      'resnet_small', 'densenet_small', 'mobilenet_v2_small', 'mobilenet_v3_small_small', 'shufflenet_small', 'squeezenet_small', 'googlenet_small'],
  );
  // the torchvision ones are built by the shipped torchvision definitions (the file imports torchvision.models)
  for (const m of spec.models.filter((x) => x.source.endsWith('torchvision_small.py'))) assert.match(m.entry, /^\w+\(\)$/);
  assert.match(spec.torch, /^1\.13/);
  assert.ok(spec.onnx, 'the fixture script ran onnx.checker');
});

for (const m of spec.models) {
  test(`${m.name}: onnx.checker passed exactly these bytes (builder ${BUILDER_VERSION})`, () => {
    for (const variant of fixtureVariants(m)) {
      const bytes = buildFixtureOnnx(m, variant.options);
      const checked = m.checked?.[variant.suffix];
      assert.ok(checked, `no checker result for ${m.name}${variant.suffix}`);
      assert.equal(
        createHash('sha256').update(bytes).digest('hex'),
        checked.sha256,
        `${m.name}${variant.suffix}.onnx differs from the file onnx.checker passed: run /usr/bin/python3 tools/make-onnx-fixtures.py`,
      );
    }
  });

  test(`${m.name}: onnxruntime-node gives PyTorch's output within ${TOLERANCE} relative`, async () => {
    const bytes = buildFixtureOnnx(m);
    const out = await run(bytes, readFloats(m.inputFile), [1, ...m.input]);
    assert.deepEqual(out.logits.dims, [1, m.logits.length]);
    const err = relativeError(out.logits.data as Float32Array, m.logits);
    errors[m.name] = err;
    assert.ok(err <= TOLERANCE, `${m.name}: relative error ${err}`);
  });

  test(`${m.name}: float16 weights kept as float16 (classify's file): PyTorch's output within ${TOLERANCE}, half the bytes`, async () => {
    const full = buildFixtureOnnx(m);
    const bytes = buildFixtureOnnx(m, { halfWeights: true });
    // the fixture's checkpoint is float16: every weight the graph reads is a float16 initializer (2 bytes a value,
    // not 4), widened by a Cast node (under 200 bytes a tensor with its names)
    const bound = bindFixture(m);
    assert.ok(bound.ok);
    const text = new TextDecoder('latin1').decode(bytes);
    const halves = [...floatTensors(bound.tensors)].filter(([key, t]) => t.half && text.includes(`${key}.float16`));
    assert.ok(halves.length > 0, 'no float16 initializer');
    const values = halves.reduce((n, [, t]) => n + t.data.length, 0);
    assert.ok(full.length - bytes.length >= 2 * values - 200 * halves.length, `${bytes.length} bytes against ${full.length} with float32 weights, ${values} float16 values`);
    const out = await run(bytes, readFloats(m.inputFile), [1, ...m.input]);
    const err = relativeError(out.logits.data as Float32Array, m.logits);
    assert.ok(err <= TOLERANCE, `${m.name}: relative error ${err}`);
  });
}

/** Every recorded module output against the graph output of its layer (activations as outputs, batch N); the worst error. */
async function compareActivations(m: FixtureModel) {
  const analysis = analyzeFixture(m);
  const bytes = buildFixtureOnnx(m, { batch: 'N', activations: true });
  const out = await run(bytes, readFloats(m.inputFile), [1, ...m.input]);
  const names = activationOutputs(analysis);
  const all = readFloats(m.activationsFile!);
  const seen = new Map<string, number>();
  let worst = 0;
  for (const rec of m.activations!) {
    const k = seen.get(rec.path) ?? 0;
    seen.set(rec.path, k + 1);
    const layer = names.filter((n) => n.path === rec.path)[k];
    assert.ok(layer, `no layer for ${rec.path} call ${k}`);
    const got = out[layer.name];
    assert.ok(got, `no graph output ${layer.name}`);
    assert.deepEqual(got.dims, rec.shape, rec.path);
    const size = rec.shape.reduce((a, b) => a * b, 1);
    const err = relativeError(got.data as Float32Array, all.subarray(rec.offset, rec.offset + size));
    worst = Math.max(worst, err);
    assert.ok(err <= TOLERANCE, `${rec.path}: relative error ${err}`);
  }
  return { out, names, worst };
}

test('mixed_ops: every module output matches PyTorch (activations as graph outputs, any batch)', async () => {
  const m = model('mixed_ops');
  const { out, names, worst } = await compareActivations(m);
  assert.ok(m.activations!.length >= 25);
  // every IR layer is a graph output, named by path when the module runs once, else by node id
  assert.equal(Object.keys(out).length, names.length + 1);
  assert.ok(names.some((n) => n.name === 'stem.0') && names.some((n) => n.name === n.nodeId && n.path === null));
  errors['mixed_ops (per layer)'] = worst;
});

test('decoder: every upsampling, padding, adaptive max pooling and BatchNorm1d module output matches PyTorch', async () => {
  const m = model('decoder');
  const { worst } = await compareActivations(m);
  const paths = m.activations!.map((a) => a.path);
  for (const p of ['up1', 'up2', 'up3', 'up4', 'pad', 'pool', 'pool2', 'bn']) assert.ok(paths.includes(p), p);
  errors['decoder (per layer)'] = worst;
});

test('se_classic: every module output of an SE block with expand_as, squeeze, unsqueeze, expand and sum matches PyTorch (any batch)', async () => {
  const m = model('se_classic');
  const { worst } = await compareActivations(m);
  const paths = m.activations!.map((a) => a.path);
  for (const p of ['conv', 'avg_pool', 'fc.0', 'fc.3', 'head']) assert.ok(paths.includes(p), p);
  errors['se_classic (per layer)'] = worst;
});

test('pad_modes: every padding module output (reflect, replicate, constant with a crop, a circular-padded conv) matches PyTorch (any batch)', async () => {
  const m = model('pad_modes');
  const { worst } = await compareActivations(m);
  const paths = m.activations!.map((a) => a.path);
  for (const p of ['reflect', 'replicate', 'constant', 'conv2']) assert.ok(paths.includes(p), p);
  errors['pad_modes (per layer)'] = worst;
});

// the ops of CIFAR repos and classification zoos: each fixture model's module outputs, and the layers it must record
const newOpModels: Array<[string, string, string[]]> = [
  ['clamp_acts', 'every Hardtanh module output (clamp, clamp_min, clamp_max on the way)', ['conv', 'act', 'act2', 'head']],
  ['elu_prelu', 'every ELU and PReLU module output (one slope, per channel on 4-D and 2-D inputs)', ['elu', 'prelu', 'prelu1', 'prelu_fc', 'head']],
  ['group_norm', 'every GroupNorm module output (affine, without affine, one group, on [N, C])', ['gn1', 'gn2', 'gn3', 'gn_fc', 'head']],
  ['layer_norm', 'every LayerNorm module output (over [C, H, W], the last dim, without affine)', ['ln1', 'ln2', 'ln_fc', 'head']],
  ['instance_norm', 'every InstanceNorm2d module output (the default, with affine)', ['in1', 'in2', 'head']],
];
for (const [name, what, layers] of newOpModels) {
  test(`${name}: ${what} matches PyTorch (any batch)`, async () => {
    const m = model(name);
    const { worst } = await compareActivations(m);
    const paths = m.activations!.map((a) => a.path);
    for (const p of layers) assert.ok(paths.includes(p), p);
    errors[`${name} (per layer)`] = worst;
  });
}

test('batch N: a batch of two gives each sample its batch-1 output', async () => {
  // (not bn_head: a BatchNorm without running statistics normalizes with the whole batch's statistics, as PyTorch does)
  for (const name of ['alexnet_2012_small', 'resnet_tiny', 'se_shuffle', 'decoder', 'se_classic', 'pad_modes', 'elu_prelu', 'group_norm', 'layer_norm', 'instance_norm']) {
    const m = model(name);
    const one = readFloats(m.inputFile);
    const two = new Float32Array(one.length * 2);
    two.set(one.map((v) => v * 0.5));
    two.set(one, one.length);
    const out = await run(buildFixtureOnnx(m, { batch: 'N' }), two, [2, ...m.input]);
    assert.deepEqual(out.logits.dims, [2, m.logits.length]);
    const second = (out.logits.data as Float32Array).subarray(m.logits.length);
    assert.ok(relativeError(second, m.logits) <= TOLERANCE, name);
  }
});

test('expectedParams: the state_dict keys and shapes PyTorch registers', () => {
  const a = analyzeFixture(model('alexnet_2012_small'));
  const expected = expectedParams(a);
  assert.deepEqual(expected.find((e) => e.path === 'conv2')!.params, [
    { name: 'weight', shape: [32, 8, 5, 5] },
    { name: 'bias', shape: [32] },
  ]);
  assert.deepEqual(expected.find((e) => e.path === 'fc6')!.params, [
    { name: 'weight', shape: [64, 1152] },
    { name: 'bias', shape: [64] },
  ]);
  // modules called twice (pool, dropout) are listed once
  assert.equal(expected.filter((e) => e.path === 'pool').length, 1);
  const bn = expectedParams(analyzeFixture(model('mixed_ops')));
  assert.deepEqual(bn.find((e) => e.path === 'stem.1')!.params.map((p) => `${p.name}${JSON.stringify(p.shape)}`), [
    'weight[8]', 'bias[8]', 'running_mean[8]', 'running_var[8]', 'num_batches_tracked[]',
  ]);
  assert.deepEqual(bn.find((e) => e.path === 'branch_b.1')!.params.map((p) => p.name), ['running_mean', 'running_var', 'num_batches_tracked']);
  assert.deepEqual(bn.find((e) => e.path === 'branch_c.1')!.params.map((p) => p.name), ['weight', 'bias']);
  assert.equal(bn.find((e) => e.path === 'branch_a.0')!.params[0].shape.join('x'), '8x8x3x4');
  for (const m of spec.models) assert.ok(bindFixture(m).ok, m.name);
});

test('weights of another architecture: load_state_dict\'s error', () => {
  const a = analyzeFixture(model('alexnet_small'));
  const r = bindStateDict(expectedParams(a), readCheckpointFile(join(FIXTURE_DIR, 'alexnet_2012_small.pth')), { modelName: 'AlexNet' });
  assert.equal(r.ok, false);
  assert.match(r.error!, /^Error\(s\) in loading state_dict for AlexNet:\n\tMissing key\(s\) in state_dict: "features\.0\.weight"/);
  assert.match(r.error!, /Unexpected key\(s\) in state_dict: "conv1\.weight"/);
});

test('weights that do not fit the layer: the builder names the key and both shapes', () => {
  const m = model('alexnet_small');
  const analysis = analyzeFixture(m);
  const tensors = floatTensors(bindFixture(m, analysis).tensors);
  tensors.set('features.3.weight', { shape: [16, 8, 3, 3], data: new Float32Array(16 * 8 * 9) });
  assert.throws(() => buildOnnxModel(analysis, tensors), (e: unknown) => {
    assert.ok(e instanceof OnnxExportError);
    assert.equal(e.layer, 'features.3');
    assert.equal(e.line, 13);
    assert.match(e.message, /layer 'features\.3' \(Conv2d, line 13\).*'features\.3\.weight' has shape \[16, 8, 3, 3\] in the weights, the layer needs \[16, 8, 5, 5\]/);
    return true;
  });
  tensors.delete('classifier.6.bias');
  assert.throws(() => buildOnnxModel(analysis, new Map([...tensors].filter(([k]) => k !== 'features.3.weight'))), /the weights have no 'features\.3\.weight'/);
});

const exportError = (source: string): OnnxExportError => {
  const a = analyzeSource(source);
  try {
    buildOnnxModel(a, new Map(), {});
  } catch (e) {
    assert.ok(e instanceof OnnxExportError, String(e));
    return e;
  }
  assert.fail('expected an OnnxExportError');
};

test('what cannot be exported: a clear error naming the layer and its line', () => {
  const header = 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n# input[3, 8, 8]\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n';
  const avg = exportError(`${header}        self.pool = nn.AvgPool2d(2, divisor_override=3)\n    def forward(self, x):\n        return self.pool(x)\n`);
  assert.equal(avg.line, 8);
  assert.match(avg.message, /layer 'pool' \(AvgPool2d, line 8\).*divisor_override=3/);
  const rnd = exportError(`${header}        pass\n    def forward(self, x):\n        return x + torch.randn(1, 3, 8, 8)\n`);
  assert.equal(rnd.line, 10);
  assert.match(rnd.message, /torch\.randn at line 10.*random/);
  const tracked = exportError(`${header}        self.norm = nn.InstanceNorm2d(3, track_running_stats=True)\n    def forward(self, x):\n        return self.norm(x)\n`);
  assert.equal(tracked.line, 8);
  assert.match(tracked.message, /layer 'norm' \(InstanceNorm2d, line 8\).*track_running_stats=True/);
  const unknown = exportError(`${header}        self.up = nn.PixelShuffle(2)\n    def forward(self, x):\n        return self.up(x)\n`);
  assert.match(unknown.message, /line \d+/);
  const merge = analyzeSource(`${header}        pass\n    def forward(self, x):\n        return x.view(-1)\n`);
  assert.throws(() => buildOnnxModel(merge, new Map(), { batch: 'N' }), /\.view at line 10.*mixing the batch dimension.*export with batch 1/);
  assert.doesNotThrow(() => buildOnnxModel(merge, new Map(), { batch: 1 }));
  // squeeze() of a batch-1 analysis drops the batch dimension: any batch cannot keep it
  const squeezed = analyzeSource(`${header}        pass\n    def forward(self, x):\n        return torch.squeeze(x[:, :1])\n`);
  assert.throws(() => buildOnnxModel(squeezed, new Map(), { batch: 'N' }), /torch\.squeeze at line 10.*squeezes the batch dimension.*export with batch 1/);
  assert.doesNotThrow(() => buildOnnxModel(squeezed, new Map(), { batch: 1 }));
});

test('protobuf: varints (negative int64 as ten bytes), floats, nested lengths', () => {
  const w = new ProtoWriter();
  w.int(1, 300);
  w.int(2, -1);
  w.float(3, 1.5);
  const inner = new ProtoWriter();
  inner.string(1, 'ab');
  w.message(4, inner);
  assert.deepEqual(
    Array.from(w.finish()),
    [0x08, 0xac, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1d, 0, 0, 0xc0, 0x3f, 0x22, 4, 0x0a, 2, 0x61, 0x62],
  );
  const big = new ProtoWriter();
  big.int(1, 2 ** 40);
  assert.deepEqual(Array.from(big.finish()), [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
});

test('report: max relative error per model', () => {
  // printed for the record (node --test shows it with the test's diagnostics)
  for (const [name, err] of Object.entries(errors)) console.log(`# ${name}: ${err.toExponential(2)}`);
});
