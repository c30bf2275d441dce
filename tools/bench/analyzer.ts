// Parse + infer of models/alexnet.py in process, and the CLI as a whole process against a PyTorch
// summary of the same model as a whole process (/usr/bin/python3 with Debian's torch).
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { parse } from '../../src/core/python';

const root = join(__dirname, '..', '..');
const model = join(root, 'models/alexnet.py');
const source = readFileSync(model, 'utf8');

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeInProcess(label: string, f: () => void, n: number): number {
  for (let i = 0; i < 50; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  const m = median(xs);
  console.log(`${label.padEnd(44)} median ${m.toFixed(3)} ms  p90 ${xs.sort((a, b) => a - b)[Math.floor(n * 0.9)].toFixed(3)} ms  (${n} runs)`);
  return m;
}

function timeProcess(label: string, cmd: string, args: string[], n: number): number | null {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    const ms = performance.now() - t;
    if (r.status !== 0) {
      console.log(`${label}: failed (${r.status}): ${(r.stderr || r.error?.message || '').split('\n')[0]}`);
      return null;
    }
    xs.push(ms);
  }
  const m = median(xs);
  console.log(`${label.padEnd(44)} median ${m.toFixed(1)} ms  min ${Math.min(...xs).toFixed(1)} ms  (${n} runs)`);
  return m;
}

const big = Array.from({ length: 12 }, () => source).join('\n').replace(/class AlexNet/g, (_, i) => `class AlexNet${i}`);
const lines = big.split('\n').length;

console.log('### in process');
timeInProcess('parse models/alexnet.py', () => parse(source), 1000);
const full = timeInProcess('parse + infer models/alexnet.py (goal < 1 ms)', () => analyzeSource(source), 1000);
timeInProcess(`parse + infer, a ${lines}-line file`, () => analyzeSource(big), 200);

console.log('\n### whole process');
const cli = timeProcess('alexnet-explorer inspect --json (node)', process.execPath, [join(root, 'dist/cli.js'), 'inspect', model, '--json'], 10);
const torchPy = '/usr/bin/python3';
const hasTorch = existsSync(torchPy) && spawnSync(torchPy, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
let torch: number | null = null;
if (hasTorch) {
  torch = timeProcess('PyTorch summary (python3 + torch, hooks)', torchPy, [join(root, 'tools/torch-summary.py'), model], 5);
} else {
  console.log('PyTorch summary: skipped (/usr/bin/python3 has no torch: apt-get install -y python3-torch)');
}
console.log('\n### ratios');
console.log(`in-process parse+infer: ${full.toFixed(3)} ms (goal < 1 ms: ${full < 1 ? 'met' : 'NOT met'})`);
if (cli && torch) console.log(`CLI vs PyTorch summary, whole process: ${(torch / cli).toFixed(1)}x faster (goal >= 10x: ${torch / cli >= 10 ? 'met' : 'NOT met'})`);
