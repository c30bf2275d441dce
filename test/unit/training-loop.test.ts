// The Trainer's run loop, proven with a hand-written step graph (softmax-step.ts) on onnxruntime-node: state fed
// back step after step, seeded masks and order, cancel keeping what was trained, eval accuracy with the eval model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/model/analyze';
import type { Dataset, SampleTransform } from '../../src/core/training/data';
import { dropoutMasks, epochBatches, loadBatch } from '../../src/core/training/data';
import { initialStateDict } from '../../src/core/training/init';
import { nodeEvalSession, nodeStepRunner } from '../../src/core/training/onnxruntime.node';
import { Rng, STREAMS } from '../../src/core/training/random';
import { type Progress, Trainer, TrainingError } from '../../src/core/training/trainer';
import type { TrainingStep } from '../../src/core/training/types';
import { MOMENTUM, softmaxStep } from './softmax-step';

const SOURCE = 'import torch.nn as nn\nnet = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))\n';
const analysis = analyzeSource(SOURCE, { input: [1, 4, 4] });
const transform: SampleTransform = { channels: 1, size: { height: 4, width: 4 }, preset: 'seed', augment: false };

/** 12 4x4 gray images: class 0 bright on top, class 1 bright below, with some noise. */
function toyData(): Dataset {
  const rng = new Rng(7);
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 12; i++) {
    const label = i % 2;
    const img = new Uint8Array(16);
    for (let p = 0; p < 16; p++) img[p] = ((p < 8) === (label === 0) ? 180 : 40) + rng.below(60);
    images.push(img);
    labels.push(label);
  }
  return { name: 'toy', classes: ['top', 'bottom'], labels: Int32Array.from(labels), pixels: (i) => ({ width: 4, height: 4, channels: 1, data: images[i]! }) };
}

/** The same steps in float64, from the same batches and masks: softmax regression with SGD momentum. */
function reference(step: TrainingStep, data: Dataset, initial: Map<string, Float32Array>, steps: number, lr: number, seed: number, shuffle: boolean) {
  const W = Array.from(initial.get('1.weight')!);
  const b = Array.from(initial.get('1.bias')!);
  const bufW = W.map(() => 0);
  const bufB = b.map(() => 0);
  const shuffleRng = new Rng(seed, STREAMS.shuffle);
  const maskRng = new Rng(seed, STREAMS.masks);
  const B = 4, D = 16, K = 2;
  const losses: number[] = [];
  let batches: Int32Array[] = [];
  let at = 0;
  for (let s = 0; s < steps; s++) {
    if (at === batches.length) {
      batches = epochBatches(data.labels.length, B, shuffle, shuffleRng);
      at = 0;
    }
    const batch = loadBatch(data, batches[at++]!, transform, null);
    const mask = dropoutMasks(step.masks, maskRng).get('mask.x')!;
    const x = Array.from(batch.input, (v, i) => v * mask[i]!);
    const gW = W.map(() => 0);
    const gB = b.map(() => 0);
    let loss = 0;
    for (let i = 0; i < B; i++) {
      const z = [0, 1].map((k) => b[k]! + x.slice(i * D, (i + 1) * D).reduce((acc, v, d) => acc + v * W[k * D + d]!, 0));
      const mx = Math.max(...z);
      const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0));
      loss += (lse - z[batch.classes[i]!]!) / B;
      for (let k = 0; k < K; k++) {
        const g = (Math.exp(z[k]! - lse) - (k === batch.classes[i] ? 1 : 0)) / B;
        gB[k]! += g;
        for (let d = 0; d < D; d++) gW[k * D + d]! += g * x[i * D + d]!;
      }
    }
    losses.push(loss);
    for (let j = 0; j < W.length; j++) { bufW[j] = MOMENTUM * bufW[j]! + gW[j]!; W[j]! -= lr * bufW[j]!; }
    for (let j = 0; j < b.length; j++) { bufB[j] = MOMENTUM * bufB[j]! + gB[j]!; b[j]! -= lr * bufB[j]!; }
  }
  return { W, b, losses };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

async function setup(p: number, seed = 3) {
  const step = softmaxStep({ batch: 4, features: [1, 4, 4], classes: 2, p, prefix: '1' });
  const runner = await nodeStepRunner(step.onnx);
  const initial = initialStateDict(analysis, new Rng(seed, STREAMS.init));
  return { step, runner, initial };
}

test('each step feeds the state the previous one returned: weights and losses after 5 steps match the same steps done by hand', async () => {
  const { step, runner, initial } = await setup(0.25);
  const data = toyData();
  const losses: number[] = [];
  const trainer = new Trainer({ step, runStep: runner.run, analysis, initial, data, transform, lr: 0.1, steps: 5, seed: 11, shuffle: true, onProgress: (p) => losses.push(p.loss) });
  const result = await trainer.run();
  await runner.release();
  const ref = reference(step, data, new Map([...initial].map(([k, t]) => [k, t.data as Float32Array])), 5, 0.1, 11, true);
  assert.equal(result.steps, 5);
  close(losses, ref.losses, 1e-5, 'loss');
  const sd = trainer.stateDict();
  close(sd.get('1.weight')!.data as Float32Array, ref.W, 1e-5, '1.weight');
  close(sd.get('1.bias')!.data as Float32Array, ref.b, 1e-5, '1.bias');
  // the reference differs from the start: the steps did change the weights
  assert.ok(Math.abs((sd.get('1.weight')!.data as Float32Array)[0]! - (initial.get('1.weight')!.data as Float32Array)[0]!) > 1e-6);
});

test('cancel stops after the step in flight and keeps the weights trained so far', async () => {
  const { step, runner, initial } = await setup(0);
  const data = toyData();
  const seen: Progress[] = [];
  const trainer = new Trainer({
    step, runStep: runner.run, analysis, initial, data, transform, lr: 0.05, epochs: 10, seed: 1, shuffle: false,
    onProgress: (p) => { seen.push(p); if (p.step === 2) trainer.cancel(); },
  });
  const result = await trainer.run();
  await runner.release();
  assert.deepEqual({ steps: result.steps, cancelled: result.cancelled }, { steps: 2, cancelled: true });
  assert.equal(seen.length, 2);
  assert.equal(seen[0]!.totalSteps, 30); // 10 epochs of 12 images in batches of 4
  assert.ok(seen.every((p) => p.ms > 0 && p.imagesPerSecond > 0 && p.epoch === 1));
  const ref = reference(step, data, new Map([...initial].map(([k, t]) => [k, t.data as Float32Array])), 2, 0.05, 1, false);
  close(trainer.stateDict().get('1.weight')!.data as Float32Array, ref.W, 1e-5, '1.weight');
});

test('the same seed gives the same run; another seed another one', async () => {
  const finals: Float32Array[] = [];
  for (const seed of [5, 5, 6]) {
    const { step, runner, initial } = await setup(0.5, 0);
    const trainer = new Trainer({ step, runStep: runner.run, analysis, initial, data: toyData(), transform, lr: 0.1, steps: 6, seed, shuffle: true });
    await trainer.run();
    await runner.release();
    finals.push(trainer.stateDict().get('1.weight')!.data as Float32Array);
  }
  assert.deepEqual(finals[0], finals[1]);
  assert.notDeepEqual(finals[0], finals[2]);
});

test('training lowers the loss and the eval-mode model then classifies the toy set', async () => {
  const { step, runner, initial } = await setup(0);
  const data = toyData();
  const losses: number[] = [];
  const trainer = new Trainer({ step, runStep: runner.run, analysis, initial, data, transform, lr: 0.2, epochs: 10, seed: 2, shuffle: true, onProgress: (p) => losses.push(p.loss) });
  const before = await trainer.evaluate(data, nodeEvalSession(), 5);
  const result = await trainer.run();
  await runner.release();
  assert.ok(losses[losses.length - 1]! < losses[0]! / 4, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  assert.equal(await trainer.evaluate(data, nodeEvalSession(), 5), 1);
  assert.equal(result.trainAccuracy, 1);
  assert.ok(before < 1 || losses[0]! > 0.1, 'the untrained model was not already perfect');
});

test('a model whose outputs differ from the classes, or a dataset smaller than a batch, is refused with a clear message', async () => {
  const step = softmaxStep({ batch: 4, features: [1, 4, 4], classes: 3, p: 0, prefix: '1' });
  const initial = initialStateDict(analysis, new Rng(0));
  const run = async () => ({});
  assert.throws(() => new Trainer({ step, runStep: run, analysis, initial, data: toyData(), transform, lr: 1, seed: 0, shuffle: false }),
    (e: Error) => e instanceof TrainingError && /the model has 3 outputs but toy has 2 classes/.test(e.message));
  const big = softmaxStep({ batch: 16, features: [1, 4, 4], classes: 2, p: 0, prefix: '1' });
  assert.throws(() => new Trainer({ step: big, runStep: run, analysis, initial, data: toyData(), transform, lr: 1, seed: 0, shuffle: false }),
    /toy has 12 images, fewer than one batch of 16/);
});
