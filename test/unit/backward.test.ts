// Each op's backward against PyTorch's autograd: a one-op (or few-op) model from test/fixtures/grads (written by
// tools/make-grad-fixtures.py), built with our train-mode lowering and backward for both targets (the WebGPU
// formulation and the CPU one onnxruntime-node trains with), run on onnxruntime-node; the output, dLoss/dInput,
// every parameter's gradient and the buffers' next values compared with PyTorch's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { analyzeSource } from '../../src/core/model/analyze';
import type { FloatTensor } from '../../src/core/onnx';
import { GRAD_INPUT_NAME, GRAD_OUTPUT_NAME, NEXT_SUFFIX, buildGradientGraph } from '../../src/core/training';
import { getOp } from '../../src/core/ops/registry';
import type { OnnxTarget } from '../../src/core/ops/types';
import { GRAD_RELATIVE, relativeError } from './tolerances';

interface GradFixture {
  name: string;
  source: string;
  entry: string;
  input: number[];
  batch: number;
  x: number[];
  state: Record<string, { shape: number[]; dtype: string; data: number[] }>;
  masks: { shape: number[]; p: number; data: number[] }[];
  output_shape: number[];
  output: number[];
  grad_output: number[];
  grad_input: number[];
  grads: Record<string, number[]>;
  buffers: Record<string, number[]>;
}

const DIR = join(__dirname, '..', 'fixtures', 'grads');
const fixtures: GradFixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as GradFixture);

const worst: Record<string, number> = {};

test('the gradient fixtures cover every op that has a backward', () => {
  const keys = new Set<string>();
  for (const f of fixtures) for (const n of analyzeSource(f.source, { input: f.input, entry: f.entry }).graph.nodes) keys.add(n.key);
  for (const key of ['conv2d', 'linear', 'relu', 'relu6', 'leaky_relu', 'tanh', 'sigmoid', 'gelu', 'silu', 'identity', 'max_pool2d', 'avg_pool2d',
    'adaptive_avg_pool2d', 'local_response_norm', 'batch_norm2d', 'dropout', 'dropout2d', 'flatten', 'view', 'add', 'sub', 'mul', 'div', 'neg',
    'cat', 'softmax', 'log_softmax', 'mean', 'transpose', 'permute', 'hardswish', 'hardsigmoid', 'adaptive_max_pool2d', 'pad', 'upsample',
    'batch_norm1d', 'slice', 'squeeze', 'unsqueeze', 'expand', 'sum', 'clamp', 'elu', 'prelu', 'group_norm', 'layer_norm', 'instance_norm2d']) {
    assert.ok(keys.has(key), `no gradient fixture uses ${key}`);
    assert.ok(getOp(key)?.backward, `${key} has no backward`);
  }
});

for (const f of fixtures) for (const target of ['webgpu', 'cpu'] as OnnxTarget[]) {
  test(`${f.name} [${target}]: output, dInput, dParameters and buffers equal PyTorch's within ${GRAD_RELATIVE} relative`, async () => {
    const analysis = analyzeSource(f.source, { input: f.input, entry: f.entry, batch: f.batch });
    assert.equal(analysis.error, undefined, analysis.error?.message);
    const tensors = new Map<string, FloatTensor>();
    for (const [key, t] of Object.entries(f.state)) if (t.dtype !== 'int64') tensors.set(key, { shape: t.shape, data: Float32Array.from(t.data) });
    const graph = buildGradientGraph(analysis, tensors, { batch: f.batch, dropout: f.masks.length > 0, target });
    assert.equal(graph.masks.length, f.masks.length, 'dropout masks');
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', Float32Array.from(f.x), [f.batch, ...f.input]),
      [GRAD_OUTPUT_NAME]: new ort.Tensor('float32', Float32Array.from(f.grad_output), f.output_shape),
    };
    for (const s of graph.state) {
      const t = f.state[s.key];
      assert.ok(t, `PyTorch's state_dict has no '${s.key}'`);
      feeds[s.key] = new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
    }
    graph.masks.forEach((m, i) => {
      assert.deepEqual(m.shape, f.masks[i].shape, `mask ${m.name} shape`);
      feeds[m.name] = new ort.Tensor('float32', Float32Array.from(f.masks[i].data), m.shape);
    });
    const session = await ort.InferenceSession.create(graph.onnx);
    const out = await session.run(feeds);
    const check = (what: string, actual: ort.Tensor | undefined, expected: number[]) => {
      assert.ok(actual, `no output ${what}`);
      const e = relativeError(actual.data as Float32Array, expected);
      worst[`${f.name} [${target}]`] = Math.max(worst[`${f.name} [${target}]`] ?? 0, e);
      assert.ok(e <= GRAD_RELATIVE, `${what}: relative error ${e.toExponential(2)} > ${GRAD_RELATIVE}`);
    };
    assert.deepEqual(out.output.dims, f.output_shape);
    check('output', out.output, f.output);
    check('grad_input', out[GRAD_INPUT_NAME], f.grad_input);
    const paramGrads = graph.outputs.filter((o) => o.name.startsWith('grad.')).map((o) => o.name.slice(5));
    assert.deepEqual(paramGrads.sort(), Object.keys(f.grads).sort(), 'the parameters with gradients');
    for (const [key, expected] of Object.entries(f.grads)) check(`grad.${key}`, out[`grad.${key}`], expected);
    for (const [key, expected] of Object.entries(f.buffers)) {
      const actual = out[key + NEXT_SUFFIX];
      assert.ok(actual, `no next value of buffer ${key}`);
      // num_batches_tracked too: float32 in the graph, and it must count exactly
      if (key.endsWith('num_batches_tracked')) assert.deepEqual(Array.from(actual.data as Float32Array), expected, key);
      else check(key + NEXT_SUFFIX, actual, expected);
    }
  });
}

test('report: max relative error per gradient fixture', () => {
  const rows = Object.entries(worst).map(([name, e]) => `${name}: ${e.toExponential(2)}`);
  process.stdout.write(`# backward vs PyTorch autograd (max relative error): ${rows.join(', ')}\n`);
  assert.equal(rows.length, fixtures.length * 2);
});
