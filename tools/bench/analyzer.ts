// Parse + infer of models/alexnet.py in process, and the CLI as a whole process against a PyTorch
// summary of the same model as a whole process (/usr/bin/python3 with Debian's torch).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { parse } from '../../src/core/python';
import { median } from './lib/measure';

const root = join(__dirname, '..', '..');
const model = join(root, 'models/alexnet.py');
const source = readFileSync(model, 'utf8');


function timeInProcess(label: string, f: () => void, n: number, warmup = 50): number {
  for (let i = 0; i < warmup; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  const m = median(xs);
  xs.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} median ${m.toFixed(3)} ms  min ${xs[0]!.toFixed(3)} ms  p90 ${xs[Math.floor(n * 0.9)]!.toFixed(3)} ms  (${n} runs)`);
  return m;
}

interface ProcessRun { label: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv }

/** Whole processes run in turn, round after round (so a busy machine slows them alike), their wall times by label. */
function timeProcesses(runs: ProcessRun[], rounds: number): Map<string, number[]> {
  const times = new Map(runs.map((r) => [r.label, [] as number[]]));
  for (let i = 0; i < rounds; i++) {
    for (const r of runs) {
      const t = performance.now();
      const out = spawnSync(r.cmd, r.args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...r.env } });
      const ms = performance.now() - t;
      if (out.status !== 0) throw new Error(`${r.label}: failed (${out.status}): ${(out.stderr || out.error?.message || '').split('\n')[0]}`);
      times.get(r.label)!.push(ms);
    }
  }
  for (const r of runs) {
    const xs = times.get(r.label)!;
    console.log(`${r.label.padEnd(52)} median ${median(xs).toFixed(1)} ms  min ${Math.min(...xs).toFixed(1)} ms  (${xs.length} runs)`);
  }
  return times;
}

const big = Array.from({ length: 12 }, () => source).join('\n').replace(/class AlexNet/g, (_, i) => `class AlexNet${i}`);
const lines = big.split('\n').length;

console.log('### in process');
timeInProcess('parse models/alexnet.py', () => parse(source), 1000);
const full = timeInProcess('parse + infer models/alexnet.py (goal < 1 ms)', () => analyzeSource(source), 1000);
timeInProcess(`parse + infer, a ${lines}-line file`, () => analyzeSource(big), 200);

// torchvision's deepest classic models, built as its factories build them (test/corpus: the torchvision-style
// ResNet with Bottleneck blocks [3, 8, 36, 3] and the ModuleDict DenseNet with torchvision's densenet201 arguments).
const deep = [
  { label: 'resnet152 (test/corpus/resnet_torchvision_style.py)', file: 'test/corpus/resnet_torchvision_style.py', entry: 'ResNet(Bottleneck, [3, 8, 36, 3])' },
  { label: 'densenet201 (test/corpus/densenet_moduledict.py)', file: 'test/corpus/densenet_moduledict.py', entry: 'DenseNet(32, (6, 12, 48, 32), 64, bn_size=4)' },
];
const deepTimes: number[] = [];
for (const d of deep) {
  const text = readFileSync(join(root, d.file), 'utf8');
  const check = analyzeSource(text, { entry: d.entry });
  if (check.output?.join(',') !== '1,1000') throw new Error(`${d.label}: no [1, 1000] output (${check.error?.message ?? 'none'})`);
  deepTimes.push(timeInProcess(`parse + infer ${d.label} (goal < 50 ms)`, () => analyzeSource(text, { entry: d.entry }), 30, 5));
}

console.log('\n### whole process (interleaved)');
// The CLI's code cache in a folder of its own: one run to make it, then every run uses it as a user's second run does.
const cacheDir = mkdtempSync(join(tmpdir(), 'alexnet-explorer-bench-cache-'));
const inspectArgs = [join(root, 'dist/cli.js'), 'inspect', model, '--json'];
spawnSync(process.execPath, inspectArgs, { cwd: root, env: { ...process.env, ALEXNET_EXPLORER_CACHE: cacheDir } });
const torchPy = '/usr/bin/python3';
const hasTorch = existsSync(torchPy) && spawnSync(torchPy, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!hasTorch) console.log('PyTorch summary: not measured (/usr/bin/python3 has no torch: apt-get install -y python3-torch)');
const runs: ProcessRun[] = [
  { label: 'node -e 0 (the floor of any Node CLI)', cmd: process.execPath, args: ['-e', '0'] },
  { label: 'alexnet-explorer inspect --json', cmd: process.execPath, args: inspectArgs, env: { ALEXNET_EXPLORER_CACHE: cacheDir } },
  { label: 'alexnet-explorer inspect --json, no code cache', cmd: process.execPath, args: inspectArgs, env: { ALEXNET_EXPLORER_CACHE: 'off' } },
  ...(hasTorch ? [{ label: 'PyTorch summary (python3 + torch, hooks)', cmd: torchPy, args: [join(root, 'tools/torch-summary.py'), model] }] : []),
];
const times = timeProcesses(runs, 20);
rmSync(cacheDir, { recursive: true, force: true });
const floor = median(times.get(runs[0]!.label)!);
const cli = median(times.get(runs[1]!.label)!);
const cold = median(times.get(runs[2]!.label)!);
console.log('\n### ratios');
console.log(`in-process parse+infer: ${full.toFixed(3)} ms (goal < 1 ms: ${full < 1 ? 'met' : 'NOT met'})`);
deep.forEach((d, i) => console.log(`in-process ${d.label.split(' ')[0]}: ${deepTimes[i]!.toFixed(1)} ms (goal < 50 ms: ${deepTimes[i]! < 50 ? 'met' : 'NOT met'})`));
console.log(`inspect vs node -e 0, whole process, medians: ${(cli / floor).toFixed(2)}x (goal <= 1.3x: ${cli / floor <= 1.3 ? 'met' : 'NOT met'}); ` +
  `without the code cache ${(cold / floor).toFixed(2)}x`);
if (hasTorch) {
  const torch = median(times.get(runs[3]!.label)!);
  console.log(`CLI vs PyTorch summary, whole process: ${(torch / cli).toFixed(1)}x faster (goal >= 10x: ${torch / cli >= 10 ? 'met' : 'NOT met'})`);
}
