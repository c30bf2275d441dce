// The CLI's view of every corpus model equals what PyTorch computed (test/fixtures/corpus, made by tools/make-corpus-fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { diskModules } from '../../src/core/module-files.node';
import { toInspectJson } from '../../src/core/model/report';

const root = join(__dirname, '..', '..');
/** `entry` is a name (the automatic pick must find it) or a call expression (passed as the entry option); `mode` train or eval. */
interface Row { file: string; entry: string; input: number[]; error: string | null; mode?: 'train' | 'eval' }
interface FixtureInit { target: string; fn: string; args: Record<string, unknown>; line: number }
interface FixtureLayer { path: string; type: string; line: number; outputShape: number[]; params: number; macs?: number }
interface Fixture {
  entry: string; input: number[]; output?: number[]; totalParams: number; layers: FixtureLayer[]; init?: FixtureInit[];
  error?: { message: string; line: number; module?: { path: string; type: string; line: number } };
}

const rows: Row[] = JSON.parse(readFileSync(join(root, 'test/corpus/models.json'), 'utf8'));

test('the corpus has at least 12 sources, broken ones included', () => {
  assert.ok(rows.length >= 12);
  assert.ok(rows.filter((r) => r.error).length >= 4);
});

for (const row of rows) {
  test(`corpus: ${row.file} matches PyTorch`, () => {
    const source = readFileSync(join(root, 'test/corpus', row.file), 'utf8');
    const fixture: Fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/corpus', row.file.replace(/\.py$/, '.json')), 'utf8'));
    const isCall = !/^[A-Za-z_]\w*$/.test(row.entry);
    const analysis = analyzeSource(source, { file: join(root, 'test/corpus', row.file), readModule: diskModules(), ...(isCall ? { entry: row.entry } : {}), ...(row.mode ? { mode: row.mode } : {}) });
    const got = toInspectJson(analysis);
    // the file's own calls (the fixture records those; imported code's, torchvision's init loops, are checked elsewhere)
    const own = analysis.init?.filter((c) => !c.file) ?? [];
    assert.deepEqual(own.length ? own : undefined, fixture.init, 'nn.init calls of the model file, in order, by state_dict key');
    assert.equal(got.entry, fixture.entry, 'entry');
    assert.deepEqual(got.input, fixture.input, 'input');
    assert.equal(got.totalParams, fixture.totalParams, 'totalParams');
    const modules = got.layers.filter((l) => l.path !== null);
    const compared = modules.slice(0, fixture.layers.length).map((l, i) => {
      const f = fixture.layers[i];
      return {
        path: l.path, type: l.type, line: l.line, outputShape: l.outputShape, params: l.params,
        ...(f.macs !== undefined ? { macs: l.macs } : {}),
      };
    });
    assert.deepEqual(compared, fixture.layers, 'module layers in call order');
    if (fixture.error) {
      assert.ok(got.error, `expected PyTorch's error: ${fixture.error.message}`);
      assert.equal(got.error.message, fixture.error.message);
      assert.equal(got.error.line, fixture.error.module?.line ?? fixture.error.line, 'error line');
      assert.equal(got.output, undefined);
    } else {
      assert.equal(got.error, undefined, got.error?.message);
      assert.equal(modules.length, fixture.layers.length, 'number of module calls');
      if (Array.isArray(fixture.output![0])) {
        // forward returns a tuple (GoogLeNet's aux heads in train mode): `output` is its first tensor, the output node takes them all
        const outputs = fixture.output as unknown as number[][];
        assert.deepEqual(got.output, outputs[0]);
        const outNode = analysis.graph.nodes.find((n) => n.kind === 'output')!;
        assert.deepEqual(outNode.cost?.inputShapes, outputs, 'every tensor forward returns');
      } else {
        assert.deepEqual(got.output, fixture.output);
      }
    }
  });
}
