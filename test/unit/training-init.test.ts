// From-scratch initialization: torch.nn.init's fans, gains and distributions. Our random stream is not PyTorch's,
// so the draws are compared statistically with PyTorch's own draws (test/fixtures/training/torch-training.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../src/core/model/analyze';
import { InitError, type InitDistribution, calculateGain, draw, fanInAndFanOut, initDistribution, initialStateDict } from '../../src/core/training/init';
import { Rng, STREAMS } from '../../src/core/training/random';
import { type InitCase, torchTraining } from '../fixtures/training/torch-training';

// Tolerances, all here: a mean within 5 standard errors, a std within 2% (its standard error at >= 400k draws is
// under 0.2%: 2% catches a wrong gain or fan, which moves it by 10% or more).
const MEAN_SE = 5;
const STD_REL = 0.02;
const DRAWS = 400_000;

function stats(v: Float32Array | Float64Array): { mean: number; std: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / (v.length - 1)) };
}

/** The distribution a fixture case describes, through our code: the layers' defaults or the init function. */
function distributionOf(c: InitCase): InitDistribution {
  if (c.name === 'conv_default_weight' || c.name === 'linear_default_weight') return initDistribution('kaiming_uniform_', { a: Math.sqrt(5) }, c.shape);
  if (c.name === 'conv_default_bias' || c.name === 'linear_default_bias') {
    const weight = c.name.startsWith('conv') ? [16, 8, 3, 3] : [64, 256];
    const bound = 1 / Math.sqrt(fanInAndFanOut(weight).fanIn);
    return { kind: 'uniform', low: -bound, high: bound };
  }
  return initDistribution(c.fn!, c.args, c.shape);
}

/** Mean and std the distribution defines (trunc normal: none in closed form here; compared by draws only). */
function analytic(d: InitDistribution): { mean: number; std: number } | null {
  if (d.kind === 'uniform') return { mean: (d.low + d.high) / 2, std: (d.high - d.low) / Math.sqrt(12) };
  if (d.kind === 'normal') return { mean: d.mean, std: d.std };
  if (d.kind === 'constant') return { mean: d.value, std: 0 };
  return null;
}

function near(actual: { mean: number; std: number }, expected: { mean: number; std: number }, n: number, what: string) {
  const se = expected.std / Math.sqrt(n);
  assert.ok(Math.abs(actual.mean - expected.mean) <= MEAN_SE * se + 1e-7, `${what}: mean ${actual.mean} vs ${expected.mean} (se ${se})`);
  assert.ok(Math.abs(actual.std - expected.std) <= STD_REL * expected.std + 1e-7, `${what}: std ${actual.std} vs ${expected.std}`);
}

test('fan_in / fan_out and calculate_gain are torch.nn.init\'s', () => {
  for (const f of torchTraining.fans) assert.deepEqual(fanInAndFanOut(f.shape), { fanIn: f.fan_in, fanOut: f.fan_out }, `shape ${f.shape}`);
  for (const g of torchTraining.gains) assert.ok(Math.abs(calculateGain(g.nonlinearity, g.param) - g.gain) < 1e-12, `${g.nonlinearity}(${g.param})`);
  assert.throws(() => fanInAndFanOut([5]), /Fan in and fan out can not be computed for tensor with fewer than 2 dimensions/);
  assert.throws(() => initDistribution('kaiming_normal_', { mode: 'fan_avg' }, [3, 3]), /Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]/);
  assert.throws(() => calculateGain('swish'), /Unsupported nonlinearity swish/);
});

for (const c of torchTraining.init) {
  const label = `${c.name}${Object.keys(c.args).length ? ` ${JSON.stringify(c.args)}` : ''} ${JSON.stringify(c.shape)}`;
  test(`${label}: the distribution's mean/std match PyTorch's draws, and so do ours`, () => {
    const d = distributionOf(c);
    const formula = analytic(d);
    // the formula side: what torch computes for this shape, against torch's own empirical figures
    if (formula) near({ mean: c.mean, std: c.std }, formula, c.n, 'PyTorch draws vs the formula');
    const ours = new Float32Array(DRAWS);
    draw(d, ours, new Rng(42, STREAMS.init));
    const s = stats(ours);
    near(s, formula ?? { mean: c.mean, std: c.std }, DRAWS, 'our draws');
    if (!formula) near(s, { mean: c.mean, std: c.std }, Math.min(DRAWS, c.n) / 2, 'our draws vs PyTorch draws');
    let min = Infinity;
    let max = -Infinity;
    for (const x of ours) { if (x < min) min = x; if (x > max) max = x; }
    if (d.kind === 'uniform' || d.kind === 'trunc_normal') assert.ok(min >= d.low && max <= d.high, `within [${d.low}, ${d.high}]`);
  });
}

test('a model\'s state_dict from scratch: every layer\'s defaults, BatchNorm ones/zeros/0/1, then the recorded nn.init calls in order', () => {
  const src = `import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 6 * 6, 10)
    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.fc(x.flatten(1))
`;
  const analysis = analyzeSource(src, { input: [3, 8, 8] });
  const sd = initialStateDict(analysis, new Rng(1, STREAMS.init), [
    { target: 'conv.weight', fn: 'kaiming_normal_', args: { mode: 'fan_out', nonlinearity: 'relu' }, line: 9 },
    { target: 'conv.bias', fn: 'constant_', args: { val: 0 }, line: 10 },
    { target: 'fc.bias', fn: 'constant_', args: { val: 0.5 }, line: 11 },
    { target: 'fc.bias', fn: 'zeros_', args: {}, line: 12 },
  ]);
  assert.deepEqual([...sd.keys()], ['conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked', 'fc.weight', 'fc.bias']);
  const f = (k: string) => Array.from(sd.get(k)!.data as Float32Array);
  assert.ok(f('bn.weight').every((v) => v === 1) && f('bn.running_var').every((v) => v === 1));
  assert.ok(f('bn.bias').every((v) => v === 0) && f('bn.running_mean').every((v) => v === 0));
  assert.deepEqual(sd.get('bn.num_batches_tracked'), { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
  assert.ok(f('conv.bias').every((v) => v === 0), 'constant_(0) applied');
  assert.ok(f('fc.bias').every((v) => v === 0), 'the later zeros_ wins: calls apply in order');
  const bound = 1 / Math.sqrt(288);
  assert.ok(f('fc.weight').every((v) => Math.abs(v) <= bound) && Math.max(...f('fc.weight').map(Math.abs)) > bound * 0.9, 'fc.weight: kaiming_uniform(a=sqrt(5)) bound 1/sqrt(fan_in)');
  assert.ok(Math.max(...f('conv.weight').map(Math.abs)) > 1 / Math.sqrt(27), 'conv.weight was redrawn from kaiming_normal_ (fan_out), beyond the default bound');
  assert.throws(() => initialStateDict(analysis, new Rng(1), [{ target: 'conv.weight', fn: 'orthogonal_', args: {}, line: 7 }]),
    (e: Error) => e instanceof InitError && e.line === 7 && /torch\.nn\.init\.orthogonal_ is not supported/.test(e.message));
  assert.throws(() => initialStateDict(analysis, new Rng(1), [{ target: 'head.weight', fn: 'zeros_', args: {}, line: 8 }]), /line 8: zeros_ initializes 'head\.weight', which the model does not have/);
});

test('torchvision\'s factories record torchvision 0.14\'s own init loops: resnet18 from scratch has kaiming_normal_(fan_out, relu) convolutions', () => {
  const analysis = analyzeSource('import torchvision\nmodel = torchvision.models.resnet18()\n', { input: [3, 64, 64] });
  assert.ok(!analysis.error, analysis.error?.message);
  const calls = analysis.init ?? [];
  const convs = analysis.graph.nodes.filter((n) => n.key === 'conv2d').map((n) => `${n.path}.weight`);
  const bns = analysis.graph.nodes.filter((n) => n.key === 'batch_norm2d').map((n) => n.path);
  assert.equal(convs.length, 20);
  assert.deepEqual(calls.filter((c) => c.fn === 'kaiming_normal_').map((c) => c.target).sort(), [...convs].sort());
  for (const c of calls.filter((x) => x.fn === 'kaiming_normal_')) assert.deepEqual(c.args, { a: 0, mode: 'fan_out', nonlinearity: 'relu' });
  assert.deepEqual(calls.filter((c) => c.fn === 'constant_').map((c) => c.target).sort(), bns.flatMap((p) => [`${p}.weight`, `${p}.bias`]).sort());
  const sd = initialStateDict(analysis, new Rng(3, STREAMS.init));
  // conv1: 64 x 3 x 7 x 7, fan_out = 64 * 49: std sqrt(2 / fan_out)
  const w = sd.get('conv1.weight')!.data as Float32Array;
  near(stats(w), { mean: 0, std: Math.sqrt(2 / (64 * 49)) }, w.length, 'conv1.weight');
});
