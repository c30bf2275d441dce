// The training step as one ONNX graph against PyTorch: TinyAlexNet (LRN, groups=2, tanh, overlapping max-pooling,
// BatchNorm, Dropout/Dropout2d with PyTorch's masks) takes 3 steps per optimizer on onnxruntime-node, the state
// outputs fed back as the next step's inputs; every weight and buffer is compared with PyTorch's after each step
// (tools/make-step-fixtures.py), for both build targets (the WebGPU graph and the CPU one the CLI trains with).
// And the WebGPU graph uses only ONNX ops onnxruntime-web's WebGPU EP has kernels for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { floatTensors } from '../../src/core/onnx';
import { analyzeFixture, bindFixture, readFixtureSpec } from '../fixtures/onnx/fixture';
import { LABELS_NAME, LOSS_NAME, LR_NAME, STEP_NAME, WEBGPU_OPS, buildTrainingStep } from '../../src/core/training';
import { type Ref, analysis, build, floats, manifest } from '../fixtures/training/steps';
import { LOSS_RELATIVE, UPDATE_ABSOLUTE, UPDATE_RELATIVE, UPDATE_ULPS, ulp32 } from './tolerances';
import type { OnnxTarget } from '../../src/core/ops/types';

/** The op types of an ONNX model's graph, read from its protobuf (ModelProto.graph = 7, GraphProto.node = 1, NodeProto.op_type = 4). */
function onnxOpTypes(bytes: Uint8Array): string[] {
  const fields = (buf: Uint8Array): { field: number; value: Uint8Array | number }[] => {
    const out: { field: number; value: Uint8Array | number }[] = [];
    let i = 0;
    const varint = (): number => {
      let v = 0;
      let scale = 1;
      for (;;) {
        const b = buf[i++];
        v += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) return v;
      }
    };
    while (i < buf.length) {
      const key = varint();
      const wire = key % 8;
      const field = Math.floor(key / 8);
      if (wire === 0) out.push({ field, value: varint() });
      else if (wire === 2) {
        const n = varint();
        out.push({ field, value: buf.subarray(i, i + n) });
        i += n;
      } else if (wire === 5) i += 4;
      else if (wire === 1) i += 8;
      else throw new Error(`wire type ${wire}`);
    }
    return out;
  };
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const graph = fields(bytes).find((f) => f.field === 7)!.value as Uint8Array;
  return fields(graph)
    .filter((f) => f.field === 1)
    .map((n) => {
      const node = fields(n.value as Uint8Array);
      const op = text(node.find((f) => f.field === 4)!.value as Uint8Array);
      const outputs = node.filter((f) => f.field === 2).length;
      return outputs > 1 ? `${op}:${outputs} outputs` : op;
    });
}

test('the fixture: torch 1.13, TinyAlexNet with LRN, groups=2, tanh, max-pooling, BatchNorm and dropout', () => {
  assert.match(manifest.torch, /^1\.13/);
  assert.equal(analysis.error, undefined);
  const keys = new Set(analysis.graph.nodes.map((n) => n.key));
  for (const k of ['local_response_norm', 'conv2d', 'tanh', 'max_pool2d', 'batch_norm2d', 'dropout', 'dropout2d', 'linear']) assert.ok(keys.has(k), k);
  assert.ok(analysis.graph.nodes.some((n) => n.key === 'conv2d' && n.args.groups === 2));
  assert.deepEqual(manifest.runs.map((r) => r.optimizer.kind), ['sgd', 'adam', 'sgd', 'sgd']);
});

for (const run of manifest.runs) for (const target of ['webgpu', 'cpu'] as OnnxTarget[]) {
  test(`${run.name} [${target}]: ${run.steps.length} steps on onnxruntime-node give PyTorch's weights within ${UPDATE_RELATIVE} of its update`, async () => {
    const step = build(run, target);
    assert.equal(step.masks.length, manifest.steps[0].masks.length, 'one mask per dropout layer');
    const session = await ort.InferenceSession.create(step.onnx);
    const state = new Map<string, ort.Tensor>();
    for (const s of step.state) {
      const r = manifest.initial[s.input];
      if (s.kind === 'optimizer') state.set(s.input, new ort.Tensor('float32', new Float32Array(s.shape.reduce((a, b) => a * b, 1)), s.shape));
      else if ('int' in r) state.set(s.input, new ort.Tensor('float32', Float32Array.from([r.int]), s.shape));
      else state.set(s.input, new ort.Tensor('float32', Float32Array.from(floats(r)), s.shape));
    }
    const worst: string[] = [];
    for (let k = 0; k < run.steps.length; k++) {
      const data = manifest.steps[k];
      const feeds: Record<string, ort.Tensor> = {
        input: new ort.Tensor('float32', Float32Array.from(floats(data.input)), data.input.shape),
        [LABELS_NAME]: new ort.Tensor('float32', Float32Array.from(data.labels), [data.labels.length]),
        [LR_NAME]: new ort.Tensor('float32', Float32Array.from([run.optimizer.lr]), []),
        [STEP_NAME]: new ort.Tensor('float32', Float32Array.from([k + 1]), []),
      };
      step.masks.forEach((m, i) => {
        assert.deepEqual(m.shape, data.masks[i].shape, `mask ${m.name}`);
        assert.equal(m.p, data.masks[i].p);
        feeds[m.name] = new ort.Tensor('float32', Float32Array.from(floats(data.masks[i].data)), m.shape);
      });
      for (const [name, t] of state) feeds[name] = t;
      const out = await session.run(feeds);
      const expected = run.steps[k];
      const loss = (out[LOSS_NAME].data as Float32Array)[0];
      assert.ok(Math.abs(loss - expected.loss) <= LOSS_RELATIVE * Math.abs(expected.loss), `step ${k + 1} loss ${loss} vs PyTorch's ${expected.loss}`);
      for (const s of step.state) state.set(s.input, out[s.output]);
      for (const s of step.state) {
        if (s.kind === 'optimizer') continue;
        const torchAfter = expected.state[s.input];
        assert.ok(torchAfter, `PyTorch's state_dict has no '${s.input}'`);
        const ours = out[s.output];
        if ('int' in torchAfter) {
          assert.equal((ours.data as Float32Array)[0], torchAfter.int, `${s.input} after step ${k + 1}`);
          continue;
        }
        const after = floats(torchAfter);
        const before = floats(manifest.initial[s.input] as Ref);
        const got = ours.data as Float32Array;
        let maxUpdate = 0;
        for (let i = 0; i < after.length; i++) maxUpdate = Math.max(maxUpdate, Math.abs(after[i] - before[i]));
        assert.ok(maxUpdate > 0, `${s.input}: PyTorch did not change it (the test could not fail)`);
        let ratio = 0;
        let at = 0;
        for (let i = 0; i < after.length; i++) {
          const allowed = UPDATE_RELATIVE * Math.abs(after[i] - before[i]) + UPDATE_ULPS * ulp32(after[i]) + UPDATE_ABSOLUTE * maxUpdate;
          const r = Math.abs(got[i] - after[i]) / allowed;
          if (r > ratio) [ratio, at] = [r, i];
        }
        if (k === run.steps.length - 1) worst.push(`${s.input} ${ratio.toFixed(3)}`);
        assert.ok(
          ratio <= 1,
          `${s.input}[${at}] after step ${k + 1}: ours ${got[at]}, PyTorch's ${after[at]} (before ${before[at]}): ${ratio.toFixed(2)}x the allowed error`,
        );
      }
    }
    process.stdout.write(`# ${run.name} [${target}]: error / allowed after ${run.steps.length} steps: ${worst.join(', ')}\n`);
  });
}

test('the training graph uses only ONNX ops with a WebGPU kernel (no MaxPool Indices, LRN or LogSoftmax)', () => {
  for (const run of manifest.runs) {
    const ops = onnxOpTypes(build(run).onnx);
    assert.ok(ops.length > 100, `only ${ops.length} nodes read`);
    const outside = [...new Set(ops.filter((op) => !WEBGPU_OPS.has(op)))];
    assert.deepEqual(outside, [], `${run.name} uses ${outside.join(', ')}`);
  }
  for (const banned of ['LRN', 'LogSoftmax', 'MaxPool:2 outputs']) assert.ok(!WEBGPU_OPS.has(banned));
});

test('the CPU graph (opset 16) takes max-pooling\'s gradient through MaxPool\'s Indices and ScatterElements, the WebGPU one without', () => {
  const cpu = onnxOpTypes(build(manifest.runs[0], 'cpu').onnx);
  assert.ok(cpu.includes('MaxPool:2 outputs') && cpu.includes('ScatterElements'), 'CPU graph');
  const webgpu = onnxOpTypes(build(manifest.runs[0]).onnx);
  assert.ok(webgpu.includes('MaxPool') && !webgpu.includes('MaxPool:2 outputs') && !webgpu.includes('ScatterElements'), 'WebGPU graph');
});

test('the step\'s contract: inputs, outputs and state linked by name', () => {
  const step = build(manifest.runs[0]);
  const inputs = new Set(step.inputs.map((i) => i.name));
  const outputs = new Set(step.outputs.map((o) => o.name));
  for (const name of ['input', LABELS_NAME, LR_NAME, STEP_NAME]) assert.ok(inputs.has(name), name);
  assert.deepEqual(step.outputs.slice(0, 2).map((o) => o.name), [LOSS_NAME, 'logits']);
  assert.deepEqual(step.outputs[1].shape, [manifest.batch, manifest.classes]);
  assert.ok(step.inputs.every((i) => i.type === 'float32') && step.outputs.every((o) => o.type === 'float32'), 'every graph value is float32 (no int64 kernels on WebGPU)');
  for (const s of step.state) {
    assert.ok(inputs.has(s.input) && outputs.has(s.output), s.input);
  }
  const keys = step.state.filter((s) => s.kind !== 'optimizer').map((s) => s.input).sort();
  assert.deepEqual(keys, Object.keys(manifest.initial).sort(), 'every state_dict entry is state');
  assert.equal(step.state.find((s) => s.input.endsWith('num_batches_tracked'))?.type, 'int64');
  const momentum = step.state.filter((s) => s.kind === 'optimizer').map((s) => s.input);
  assert.ok(momentum.every((m) => m.endsWith('.momentum_buffer')) && momentum.length === keys.length - 3, momentum.join());
});

test('the ONNX fixture models (AlexNets, convolutions with reflect/replicate/circular padding, BatchNorm/GELU/SiLU/Softmax, residual +=, torch.cat, SE, upsampling, BatchNorm1d, clamp/Hardtanh, ELU, PReLU, GroupNorm, LayerNorm, InstanceNorm2d, CIFAR and MNIST nets, torchvision\'s ResNet/DenseNet/MobileNetV2/V3/ShuffleNetV2/SqueezeNet/GoogLeNet) build WebGPU-only training steps, and CPU ones onnxruntime loads', async () => {
  const built: string[] = [];
  for (const m of readFixtureSpec().models) {
    const a = analyzeFixture(m);
    const bound = bindFixture(m, a);
    assert.ok(bound.ok, bound.error ?? undefined);
    const options = { optimizer: manifest.runs[1].optimizer, batch: 2, dropout: true };
    const ops = onnxOpTypes(buildTrainingStep(a, floatTensors(bound.tensors), options).onnx);
    const outside = [...new Set(ops.filter((op) => !WEBGPU_OPS.has(op)))];
    assert.deepEqual(outside, [], `${m.name} uses ${outside.join(', ')}`);
    // the CPU graph of the same model loads in onnxruntime (its types and shapes check out)
    const cpu = await ort.InferenceSession.create(buildTrainingStep(a, floatTensors(bound.tensors), { ...options, target: 'cpu' }).onnx, { graphOptimizationLevel: 'disabled' });
    await cpu.release();
    built.push(m.name);
  }
  assert.deepEqual(built, ['alexnet_small', 'alexnet_2012_small', 'mixed_ops', 'small_cnn_mixed', 'resnet_tiny', 'inception_tiny', 'se_shuffle', 'decoder', 'bn_head', 'se_classic', 'pad_modes', 'clamp_acts', 'elu_prelu', 'group_norm', 'layer_norm', 'instance_norm', 'lenet_cifar10', 'mnist_small',
    'resnet_small', 'densenet_small', 'mobilenet_v2_small', 'mobilenet_v3_small_small', 'shufflenet_small', 'squeezenet_small', 'googlenet_small']);
});
