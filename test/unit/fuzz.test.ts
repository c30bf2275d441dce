// 10,000 random mutations of the corpus: the core never throws, never hangs, answers each in under 50 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import type { Analysis } from '../../src/core/model/ir';
import { rng } from './rng';

const corpusDir = join(__dirname, '..', 'corpus');
const sources = readdirSync(corpusDir).filter((f) => f.endsWith('.py')).map((f) => readFileSync(join(corpusDir, f), 'utf8'));
sources.push(readFileSync(join(__dirname, '..', '..', 'models', 'alexnet.py'), 'utf8'));

const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 10_000);

const TOKENS = ['(', ')', '[', ']', ':', ',', '\n', '    ', '\t', '*', '**', "'", '"""', '\\', 'nn.Conv2d(', 'nn.Linear(', 'self.', 'x = ', 'return ',
  '0', '-1', '1e9', '999999999999', 'None', 'lambda: ', 'for i in range(10**9):\n    ', 'while True:\n    ', '#', 'input[3, 1, 1]', '@', '...', 'yield', 'class X(nn.Module):\n'];

export function mutate(src: string, r: () => number): string {
  const lines = src.split('\n');
  const pick = (n: number) => Math.floor(r() * n);
  const ops = 1 + pick(3);
  let s = src;
  for (let k = 0; k < ops; k++) {
    const at = pick(s.length + 1);
    switch (pick(8)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + pick(20)); break;
      case 1: s = s.slice(0, at) + TOKENS[pick(TOKENS.length)] + s.slice(at); break;
      case 2: { const i = pick(lines.length); lines.splice(i, 0, lines[pick(lines.length)] ?? ''); s = lines.join('\n'); break; }
      case 3: { const i = pick(lines.length), j = pick(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; s = lines.join('\n'); break; }
      case 4: s = s.replace(/\d+/g, (m) => (r() < 0.15 ? String([0, 1, 2, 3, 7, 100000, -5][pick(7)]) : m)); break;
      case 5: s = s.slice(0, at); break;
      case 6: { const i = pick(lines.length); lines[i] = ' '.repeat(pick(9)) + (lines[i] ?? '').trimStart(); s = lines.join('\n'); break; }
      default: s = s.slice(0, at) + String.fromCharCode(pick(0x3000)) + s.slice(at); break;
    }
  }
  return s;
}

/** What is wrong with an analysis of `src`, or null: diagnostics on real lines, a graph whose edges join its nodes, totals that add up. */
export function malformed(a: Analysis, src: string): string | null {
  const lines = src.split('\n').length;
  for (const d of a.diagnostics) {
    if (typeof d.message !== 'string' || d.message.trim() === '') return `a diagnostic without a message: ${JSON.stringify(d)}`;
    if (!['error', 'warning', 'info'].includes(d.severity)) return `a diagnostic of severity ${String(d.severity)}`;
    if (!(d.range.line >= 1 && d.range.line <= lines && d.range.endLine >= d.range.line)) return `a diagnostic outside the file (line ${d.range.line} of ${lines}): ${d.message}`;
  }
  const nodes = new Map(a.graph.nodes.map((n) => [n.id, n]));
  if (nodes.size !== a.graph.nodes.length) return 'two nodes share an id';
  for (const e of a.graph.edges) {
    if (!nodes.has(e.from) || !nodes.has(e.to)) return `edge ${e.id} joins unknown nodes ${e.from} -> ${e.to}`;
    if (!nodes.get(e.to)!.inputs.includes(e.id) || !nodes.get(e.from)!.outputs.includes(e.id)) return `edge ${e.id} is not listed on its nodes`;
  }
  for (const n of a.graph.nodes) if (typeof n.key !== 'string' || typeof n.title !== 'string' || n.title === '') return `node ${n.id} (${n.op}) has no key or title`;
  const macs = a.layers.reduce((s, l) => s + l.macs, 0);
  if (macs !== a.totalMacs) return `the layers' MACs add up to ${macs}, the total says ${a.totalMacs}`;
  if (a.error && !a.diagnostics.some((d) => d.severity === 'error' && d.message.includes(a.error!.message))) return `the error '${a.error.message}' has no diagnostic`;
  if (a.entry !== null && a.output === null && a.diagnostics.length === 0) return 'a model without an output and without a word why';
  return null;
}

// Time is bench material (npm run bench); here the analyser's own step and wall-clock budgets bound each mutation.
test(`fuzz: ${MUTATIONS} mutations of the corpus never throw and give a well-formed analysis`, () => {
  const r = rng(20121203);
  for (const s of sources) analyzeSource(s); // warm up the JIT
  let slowest = 0;
  let slowestSeed = -1;
  for (let i = 0; i < MUTATIONS; i++) {
    const src = mutate(sources[i % sources.length], r);
    const t0 = performance.now();
    let result;
    try {
      result = analyzeSource(src);
    } catch (e) {
      assert.fail(`mutation #${i} threw: ${(e as Error).stack}\n--- source ---\n${src}`);
    }
    const ms = performance.now() - t0;
    if (ms > slowest) { slowest = ms; slowestSeed = i; }
    const broken = malformed(result, src);
    if (broken) assert.fail(`mutation #${i}: ${broken}\n--- source ---\n${src}`);
    JSON.stringify(result); // the IR must stay serializable
  }
  console.log(`slowest mutation: #${slowestSeed}, ${slowest.toFixed(1)} ms (information, not a check)`);
});
