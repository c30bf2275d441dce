// The torchvision definitions the analysis ships (src/core/model/torchvision/*.py) against torchvision 0.14 itself
// (test/fixtures/torchvision, from tools/make-torchvision-fixtures.py): output, parameter count, every layer's
// output shape and the state_dict's keys and shapes, so torchvision's checkpoints bind by name. Modules built but
// never called by the eval-mode forward (googlenet's aux1/aux2) count in the parameters like PyTorch's, and are not
// among the layers that bind weights: the state_dict check leaves out exactly the keys torchvision's own hooks saw
// no call for, and train mode calls them.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeSource } from '../../src/core/model/analyze';
import { expectedParams } from '../../src/core/onnx/params';
// @ts-expect-error a build tool in plain JavaScript
import { bundleText } from '../../tools/bundle-torchvision.mjs';

interface TorchvisionFixture {
  factory: string;
  output: number[];
  totalParams: number;
  layers: [string, number[]][];
  stateDict: [string, number[]][];
  /** state_dict keys of modules the eval-mode forward never calls (googlenet's aux heads, called in training only). */
  notCalledInEval: string[];
  /** torchvision's parameter count for the model its DEFAULT weights load into. */
  weightsNumParams: number;
  /** googlenet's train-mode output: a namedtuple, its fields and their shapes. */
  trainOutput?: { type: string; fields: string[]; shapes: number[][]; modules: string[] };
}

const DIR = join(__dirname, '..', 'fixtures', 'torchvision');
const fixtures: TorchvisionFixture[] = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as TorchvisionFixture);
const SCRIPT = 'import torchvision.models as models\n';

test('the bundled torchvision sources are those of the .py files (node tools/bundle-torchvision.mjs)', () => {
  assert.equal(readFileSync(join(__dirname, '../../src/core/model/torchvision/sources.ts'), 'utf8'), bundleText());
});

for (const f of fixtures) {
  test(`torchvision.models.${f.factory}(): output, params, every layer and the state_dict equal torchvision 0.14's`, () => {
    const a = analyzeSource(SCRIPT, { entry: `models.${f.factory}(weights=None)`, input: [3, 224, 224] });
    assert.equal(a.error, undefined, a.error?.message);
    assert.deepEqual(a.output, f.output);
    assert.equal(a.totalParams, f.totalParams);
    const layers = a.graph.nodes.filter((n) => n.kind === 'module').map((n) => [n.path, n.cost?.outputShape ?? null]);
    assert.deepEqual(layers, f.layers);
    const ours = expectedParams(a).flatMap((m) => m.params.map((p) => [m.path ? `${m.path}.${p.name}` : p.name, p.shape] as [string, number[]]));
    const byKey = (x: [string, number[]], y: [string, number[]]) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
    // the whole state_dict, modules forward does not call in eval mode included (GoogLeNet's aux heads), as strict load_state_dict expects
    assert.deepEqual([...ours].sort(byKey), [...f.stateDict].sort(byKey));
  });
}

test('googlenet: aux1/aux2 are built (their parameters counted, as torchvision does) and called in train mode only; with weights they are dropped as torchvision drops them', () => {
  const f = fixtures.find((x) => x.factory === 'googlenet')!;
  assert.ok(f.notCalledInEval.length > 0 && f.notCalledInEval.every((k) => /^aux[12]\./.test(k)), 'the fixture names only the aux heads');
  const train = analyzeSource(SCRIPT, { entry: 'models.googlenet()', input: [3, 224, 224], mode: 'train' });
  assert.equal(train.error, undefined, train.error?.message);
  const calledInTrain = new Set(train.graph.nodes.filter((n) => n.kind === 'module').flatMap((n) => n.parameters.map((p) => `${n.path}.${p.name}`)));
  const calledInEval = new Set(analyzeSource(SCRIPT, { entry: 'models.googlenet()', input: [3, 224, 224] }).graph.nodes.filter((n) => n.kind === 'module').flatMap((n) => n.parameters.map((p) => `${n.path}.${p.name}`)));
  assert.deepEqual(f.notCalledInEval.filter((k) => !calledInTrain.has(k)), [], 'train mode calls the aux heads');
  assert.deepEqual(f.notCalledInEval.filter((k) => calledInEval.has(k)), [], 'eval mode does not');
  const pretrained = analyzeSource(SCRIPT, { entry: 'models.googlenet(weights="IMAGENET1K_V1")', input: [3, 224, 224] });
  assert.deepEqual(pretrained.output, [1, 1000]);
  assert.equal(pretrained.totalParams, f.weightsNumParams);
  for (const g of fixtures.filter((x) => x.factory !== 'googlenet')) assert.equal(g.weightsNumParams, g.totalParams, g.factory);
});

test('googlenet: train mode returns GoogLeNetOutputs(logits, aux_logits2, aux_logits1), a collections.namedtuple, eval mode the logits; shapes as torchvision\'s', () => {
  const f = fixtures.find((x) => x.factory === 'googlenet')!;
  assert.deepEqual(f.trainOutput?.fields, ['logits', 'aux_logits2', 'aux_logits1']);
  const outputsOf = (a: ReturnType<typeof analyzeSource>) => {
    const out = a.graph.nodes.find((n) => n.kind === 'output')!;
    return out.inputs.map((e) => {
      const edge = a.graph.edges.find((x) => x.id === e)!;
      return { from: a.graph.nodes.find((n) => n.id === edge.from)!.path, shape: edge.shape };
    });
  };
  const train = analyzeSource(SCRIPT, { entry: 'models.googlenet()', input: [3, 224, 224], mode: 'train' });
  assert.equal(train.error, undefined, train.error?.message);
  assert.deepEqual(outputsOf(train).map((o) => o.shape), f.trainOutput!.shapes);
  // torchvision's own forward swaps the aux names: aux_logits2 is aux1's output
  assert.deepEqual(outputsOf(train).map((o) => o.from), f.trainOutput!.modules, 'the module of each field, as torchvision\'s');
  const evalMode = analyzeSource(SCRIPT, { entry: 'models.googlenet()', input: [3, 224, 224] });
  assert.deepEqual(outputsOf(evalMode), [{ from: 'fc', shape: f.output }]);
  // what a training script does with it: fields by name and by index, unpacking, _fields, isinstance
  const script = `${SCRIPT}import torch.nn as nn
from torchvision.models import GoogLeNetOutputs

class Train(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = models.googlenet(num_classes=7)

    def forward(self, x):
        out = self.net(x)
        logits, aux2, aux1 = out
        assert isinstance(out, GoogLeNetOutputs) and out._fields == ('logits', 'aux_logits2', 'aux_logits1')
        return out.logits + 0.3 * out[1] + 0.3 * aux1, out.aux_logits1
`;
  const wrapped = analyzeSource(script, { entry: 'Train', input: [3, 224, 224], mode: 'train' });
  assert.equal(wrapped.error, undefined, wrapped.error?.message);
  assert.deepEqual(wrapped.diagnostics.filter((d) => d.severity !== 'info'), []);
  assert.deepEqual(outputsOf(wrapped).map((o) => o.shape), [[1, 7], [1, 7]]);
  assert.equal(outputsOf(wrapped)[1].from, `net.${f.trainOutput!.modules[2]}`);
});

test('a fine-tuning script: models.resnet18(weights=...) with its fc replaced; the weights are noted as not downloaded', () => {
  const source = `${SCRIPT}import torch.nn as nn\n\nnet = models.resnet18(weights="IMAGENET1K_V1")\nnet.fc = nn.Linear(512, 5)\n`;
  const a = analyzeSource(source, {});
  assert.deepEqual(a.output, [1, 5]);
  assert.equal(a.totalParams, 11_689_512 - 513_000 + 2_565);
  const note = a.diagnostics.find((d) => d.severity === 'info' && /weights argument is accepted and ignored/.test(d.message));
  assert.ok(note, JSON.stringify(a.diagnostics));
  assert.equal(note.range.line, 4);
});

test('resnet152 is analysed in well under a second', () => {
  analyzeSource(SCRIPT, { entry: 'models.resnet152()' });
  const start = performance.now();
  const a = analyzeSource(SCRIPT, { entry: 'models.resnet152()' });
  const ms = performance.now() - start;
  assert.deepEqual(a.output, [1, 1000]);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
