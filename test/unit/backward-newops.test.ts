// The backward passes of the classic-CNN ops against PyTorch's autograd (tools/make-newops-grad-fixtures.py):
// each case's OpDef.lower and OpDef.backward are emitted into a small ONNX graph, run in onnxruntime-node, and the
// output, dLoss/dInput and dLoss/dParameters compared with PyTorch's for the same input and upstream gradient.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { type Attribute, type OnnxNode, type OnnxTensor, encodeModel } from '../../src/core/onnx/model-proto';
import { bindArgs, calleeNameFor } from '../../src/core/ops/bind';
import { getRule, opOf } from '../../src/core/ops/registry';
import { type BackwardCall, type OnnxEmitter, isShapeErr } from '../../src/core/ops/types';
import type { ArgValue } from '../../src/core/types';
import { FIXTURE_DIR, TOLERANCE, relativeError } from '../fixtures/onnx/fixture';

interface GradCase {
  op: string;
  positional: ArgValue[];
  keywords: Record<string, ArgValue>;
  note: string;
  shape: number[];
  input: number[];
  outShape: number[];
  output: number[];
  dOut: number[];
  dInput: number[];
  state?: Record<string, { shape: number[]; data: number[] }>;
  dParams?: Record<string, number[]>;
}

const cases: GradCase[] = JSON.parse(readFileSync(join(FIXTURE_DIR, '..', 'grads-newops', 'cases.json'), 'utf8')).cases;

/** The emitter the ONNX builder offers ops, reduced to one call: its parameters come from the case's state_dict. */
class CaseEmitter implements OnnxEmitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private counter = 0;
  constructor(private readonly state: NonNullable<GradCase['state']> = {}) {}
  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, out?: string): string {
    const output = out ?? `${opType}_${this.counter++}`;
    this.nodes.push({ opType, inputs, outputs: [output], name: `n${this.nodes.length}`, attributes });
    return output;
  }
  floatConst(values: number[] | Float32Array, dims: number[]): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, dims, data: values instanceof Float32Array ? values : Float32Array.from(values) });
    return name;
  }
  scalar(v: number): string {
    return this.floatConst([v], []);
  }
  intConst(values: number[]): string {
    const name = `ints_${this.counter++}`;
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }
  param(name: string, shape: number[]): string {
    const t = this.state[name];
    assert.ok(t, `no '${name}' in the case's state_dict`);
    assert.deepEqual(t.shape, shape, name);
    if (!this.initializers.some((i) => i.name === name)) this.initializers.push({ name, dims: shape, data: Float32Array.from(t.data) });
    return name;
  }
  int(name: string, v: ArgValue | undefined): number {
    assert.ok(typeof v === 'number' && Number.isInteger(v), name);
    return v;
  }
  num(name: string, v: ArgValue | undefined): number {
    assert.ok(typeof v === 'number', name);
    return v;
  }
  pair(name: string, v: ArgValue | undefined): [number, number] {
    if (typeof v === 'number') return [v, v];
    assert.ok(Array.isArray(v), name);
    return [Number(v[0]), Number(v[v.length - 1])];
  }
  rank4(): void {}
  fail(why: string): never {
    throw new Error(why);
  }
}

test('the gradient fixtures cover every new op with a backward', () => {
  const keys = new Set(cases.map((c) => opOf(c.op)?.key));
  for (const key of ['mean', 'transpose', 'permute', 'hardswish', 'hardsigmoid', 'adaptive_max_pool2d', 'pad', 'upsample', 'batch_norm1d']) {
    assert.ok(keys.has(key), key);
    assert.ok(cases.find((c) => opOf(c.op)?.key === key) && opOf(cases.find((c) => opOf(c.op)?.key === key)!.op)!.backward, `${key} has a backward`);
  }
});

for (const c of cases) {
  test(`${c.op} ${c.note}: output, dLoss/dInput${c.dParams ? ' and dLoss/dParameters' : ''} equal PyTorch's`, async () => {
    const rule = getRule(c.op)!;
    const def = opOf(c.op)!;
    const bound = bindArgs(rule, c.positional, c.keywords, calleeNameFor(rule));
    assert.ok('args' in bound, JSON.stringify(bound));
    const shape = rule.infer([c.shape], bound.args);
    assert.ok(!isShapeErr(shape), JSON.stringify(shape));
    assert.deepEqual(shape.output, c.outShape);

    const g = new CaseEmitter(c.state);
    const call: BackwardCall = {
      spelling: c.op, args: bound.args, inputs: ['x'], inShapes: [c.shape], outShape: c.outShape, out: 'y', batched: true, batch: 1, dOut: 'dOut',
    };
    def.lower!(g, call);
    const grads = def.backward!(g, call);
    const dInput = g.op('Identity', [grads.inputs[0]!], {}, 'dInput');
    const paramNames = Object.keys(c.dParams ?? {});
    assert.deepEqual(Object.keys(grads.params ?? {}).sort(), [...paramNames].sort());
    for (const p of paramNames) g.op('Identity', [grads.params![p]], {}, `d_${p}`);
    const bytes = encodeModel({
      irVersion: 7, opset: 13, producerName: 'test', producerVersion: '0', metadata: {},
      graph: {
        name: 'case', nodes: g.nodes, initializers: g.initializers, valueInfo: [],
        inputs: [{ name: 'x', dims: c.shape }, { name: 'dOut', dims: c.outShape }],
        outputs: [{ name: 'y', dims: c.outShape }, { name: dInput, dims: c.shape }, ...paramNames.map((p) => ({ name: `d_${p}`, dims: null }))],
      },
    });
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(c.input), c.shape),
      dOut: new ort.Tensor('float32', Float32Array.from(c.dOut), c.outShape),
    });
    assert.ok(relativeError(out.y.data as Float32Array, c.output) <= TOLERANCE, `output: ${relativeError(out.y.data as Float32Array, c.output)}`);
    const err = relativeError(out.dInput.data as Float32Array, c.dInput);
    assert.ok(err <= TOLERANCE, `dInput: relative error ${err}`);
    for (const p of paramNames) {
      const e = relativeError(out[`d_${p}`].data as Float32Array, c.dParams![p]);
      assert.ok(e <= TOLERANCE, `d${p}: relative error ${e}`);
    }
  });
}
