// Replays PyTorch's own results (test/fixtures/shapes.json, from tools/make-shape-fixtures.py) through the
// shape rules: getRule -> bindArgs -> infer, comparing output, params, MACs and error text exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ArgValue, Shape } from '../../src/core/model/ir';
import { bindArgs, calleeNameFor } from '../../src/core/ops/bind';
import { allRules, getRule } from '../../src/core/ops/registry';
import { isShapeErr, type ShapeResult, type ShapeRule } from '../../src/core/ops/types';

interface Fixture {
  op: string;
  kind: 'module' | 'function' | 'method';
  positional: ArgValue[];
  keywords: Record<string, ArgValue>;
  inputs: Shape[];
  note?: string;
  output?: Shape;
  params?: number;
  macs?: number;
  error?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixtures: Fixture[] = JSON.parse(readFileSync(join(here, '../fixtures/shapes.json'), 'utf8')).cases;

function run(rule: ShapeRule, f: Fixture): ShapeResult {
  const bound = bindArgs(rule, f.positional, f.keywords, calleeNameFor(rule));
  if ('error' in bound) return { error: bound.error };
  return rule.infer(f.inputs, bound.args);
}

function label(f: Fixture): string {
  const args = [...f.positional.map((v) => JSON.stringify(v)), ...Object.entries(f.keywords).map(([k, v]) => `${k}=${JSON.stringify(v)}`)];
  return `${f.op}(${args.join(', ')}) on ${JSON.stringify(f.inputs)}${f.note ? ` [${f.note}]` : ''}`;
}

test('fixtures cover enough cases', () => {
  assert.ok(fixtures.length >= 150, `only ${fixtures.length} fixtures`);
});

for (const f of fixtures) {
  test(label(f), () => {
    const rule = getRule(f.op);
    assert.ok(rule, `no rule registered for ${f.op}`);
    assert.equal(rule.kind, f.kind);
    const r = run(rule, f);
    if (f.error !== undefined) {
      assert.ok(isShapeErr(r), `expected error ${JSON.stringify(f.error)}, got output ${JSON.stringify(r)}`);
      assert.equal(r.error, f.error);
    } else {
      assert.ok(!isShapeErr(r), `expected ${JSON.stringify(f.output)}, got error ${JSON.stringify(r)}`);
      assert.deepEqual(r.output, f.output);
      assert.equal(r.params, f.params);
      assert.equal(r.macs, f.macs);
    }
  });
}

test('every registered rule has a fixture case', () => {
  const covered = new Set(fixtures.map((f) => f.op));
  const missing = allRules()
    .map((r) => r.op)
    .filter((op) => !covered.has(op));
  assert.deepEqual(missing, []);
});

test('every registered rule has a fixture that succeeds', () => {
  const ok = new Set(fixtures.filter((f) => f.output).map((f) => f.op));
  assert.deepEqual(
    allRules()
      .map((r) => r.op)
      .filter((op) => !ok.has(op)),
    [],
  );
});

test('op names are unique', () => {
  const ops = allRules().map((r) => r.op);
  assert.equal(new Set(ops).size, ops.length);
});

test('formulas carry the numbers', () => {
  const conv = getRule('Conv2d')!;
  const b = bindArgs(conv, [3, 48, 11, 4, 2], {}, 'Conv2d');
  assert.ok('args' in b);
  const r = conv.infer([[1, 3, 224, 224]], b.args);
  assert.ok(!isShapeErr(r));
  assert.equal(r.formula?.[0], 'H: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55');
  assert.equal(r.formula?.[1], 'W: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55');

  const pool = getRule('MaxPool2d')!;
  const pb = bindArgs(pool, [2, 2, 1], { ceil_mode: true }, 'MaxPool2d');
  assert.ok('args' in pb);
  const pr = pool.infer([[1, 3, 5, 5]], pb.args);
  assert.ok(!isShapeErr(pr));
  assert.equal(pr.formula?.[0], 'H: ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 = 4 - 1 = 3 (the last window would start in the right padding)');

  const linear = getRule('Linear')!;
  const lb = bindArgs(linear, [4608, 2048], {}, 'Linear');
  assert.ok('args' in lb);
  const lr = linear.infer([[1, 4608]], lb.args);
  assert.ok(!isShapeErr(lr));
  assert.equal(lr.formula?.[0], 'in_features 4608 -> 2048');

  const flatten = getRule('Flatten')!;
  const fb = bindArgs(flatten, [], {}, 'Flatten');
  assert.ok('args' in fb);
  const fr = flatten.infer([[1, 128, 6, 6]], fb.args);
  assert.ok(!isShapeErr(fr));
  assert.deepEqual(fr.formula, ['128*6*6 = 4608']);
});

test('bindArgs fills defaults and names every parameter', () => {
  const b = bindArgs(getRule('Conv2d')!, [3, 64, 3], { padding: 1 }, 'Conv2d');
  assert.deepEqual(b, {
    args: {
      in_channels: 3,
      out_channels: 64,
      kernel_size: 3,
      stride: 1,
      padding: 1,
      dilation: 1,
      groups: 1,
      bias: true,
      padding_mode: 'zeros',
      device: null,
      dtype: null,
    },
  });
  // view's int list, spread or as one tuple
  const view = getRule('.view')!;
  assert.deepEqual(bindArgs(view, [1, -1], {}, 'view'), { args: { shape: [1, -1] } });
  assert.deepEqual(bindArgs(view, [[1, -1]], {}, 'view'), { args: { shape: [1, -1] } });
  // calleeName is the fallback for a rule without pyName
  const bare: ShapeRule = { ...getRule('Linear')!, pyName: undefined };
  assert.deepEqual(bindArgs(bare, [3], {}, 'Linear.__init__'), {
    error: "Linear.__init__() missing 1 required positional argument: 'out_features'",
  });
});

test('rules never throw on odd arguments', () => {
  const odd: ArgValue[] = [null, -1, 0, 2.5, 'x', true, [], [null], [-3, 'a'], [[1]], 1e9];
  const shapes: Shape[][] = [[], [[]], [[1, 3, 8, 8]], [[2, 3]], [[1, 3, 8, 8], [1, 3, 8, 8]], [[0]]];
  for (const rule of allRules()) {
    for (const v of odd) {
      for (const inputs of shapes) {
        const args: Record<string, ArgValue> = {};
        for (const p of rule.signature) args[p.name] = v;
        const r = rule.infer(inputs, args);
        assert.ok(isShapeErr(r) || Array.isArray(r.output), `${rule.op}: ${JSON.stringify(r)}`);
        const b = bindArgs(rule, [v, v], { [String(v)]: v }, rule.op);
        assert.ok('args' in b || typeof b.error === 'string');
      }
    }
  }
});
