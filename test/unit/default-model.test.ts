// The shipped default (seed AlexNet trained on Fashion-MNIST): our whole path (PNG decode, the seed's
// preprocessing, ONNX on onnxruntime-node) gives PyTorch's logits for every shipped sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const fixturePath = join(root, 'test', 'fixtures', 'default-model.json');
const weights = join(root, 'models', 'fashion-mnist', 'alexnet-fashion-mnist.pth');
const shipped = existsSync(fixturePath) && existsSync(weights);
const RELATIVE = 1e-4;

test('the shipped weights reach at least 90% on the 10,000 Fashion-MNIST test images (measured by PyTorch)', { skip: !shipped && 'default weights not trained yet' }, () => {
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
  assert.ok(fixture.testAccuracyFloat16Weights >= 0.9, `accuracy ${fixture.testAccuracyFloat16Weights}`);
  const card = readFileSync(join(root, 'models', 'fashion-mnist', 'MODEL_CARD.md'), 'utf8');
  assert.ok(card.includes((fixture.testAccuracyFloat16Weights * 100).toFixed(2)), 'the model card states the measured accuracy');
});

test('classify: logits equal PyTorch\'s within 1e-4 relative, same top-1, for every sample', { skip: !shipped && 'default weights not trained yet', timeout: 240_000 }, () => {
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { samples: { file: string; logits: number[]; top1: number; label: string }[] };
  assert.ok(fixture.samples.length >= 20);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'classify', ...fixture.samples.map((s) => s.file), '--json', '--logits'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(r.stdout) as { file: string; logits: number[]; top: { index: number; label: string }[] }[];
  assert.equal(results.length, fixture.samples.length);
  let worst = 0;
  fixture.samples.forEach((s, i) => {
    const got = results[i];
    const scale = Math.max(...s.logits.map(Math.abs));
    const diff = Math.max(...s.logits.map((v, j) => Math.abs(v - got.logits[j])));
    worst = Math.max(worst, diff / scale);
    assert.ok(diff / scale <= RELATIVE, `${s.file}: max |diff| ${diff} against max |logit| ${scale}`);
    assert.equal(got.top[0].index, s.top1, s.file);
    assert.equal(got.top[0].label, s.label, s.file);
  });
  console.log(`worst relative logit difference over ${results.length} samples: ${worst.toExponential(2)}`);
});
