// Entries as real-world files offer them (classes needing arguments, factories, __main__ calls) and the Python the
// classic-CNN family is written in: each test states what PyTorch would do with the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../src/core/model/analyze';
import { entryLocations } from '../../src/core/model/entries';
import { missingOutputReason, toInspectJson } from '../../src/core/model/report';
import { diskModules } from '../../src/core/module-files.node';

const root = join(__dirname, '..', '..');

const head = 'import functools\nimport typing\nimport warnings\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n';
const net = `${head}
class Net(nn.Module):
    def __init__(self, width, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.conv(x)), 1))


def small(**kwargs):
    return Net(4, **kwargs)
`;

test('a class needing arguments: the factory is picked, entries list both with needsArgs, a call expression builds it', () => {
  const a = analyzeSource(net);
  assert.equal(a.entry, 'small()');
  assert.deepEqual(a.output, [1, 10]);
  assert.deepEqual(a.entries.map((e) => [e.name, e.kind, e.needsArgs, e.entry]), [['Net', 'class', true, 'Net'], ['small', 'factory', false, 'small()']]);
  assert.equal(a.entries[0].params, 'width, num_classes=10');
  assert.equal(a.entries[0].range.line, 8);
  const b = analyzeSource(net, { entry: 'Net(8, num_classes=3)' });
  assert.equal(b.entry, 'Net(8, num_classes=3)');
  assert.deepEqual(b.output, [1, 3]);
  assert.equal(b.totalParams, 3 * 8 * 9 + 8 + 8 * 3 + 3);
  assert.deepEqual(analyzeSource(net, { entry: 'small' }).output, [1, 10]);
});

test('a module-level instance and a __main__ call give the arguments; a class with defaults still wins over __main__', () => {
  assert.deepEqual(analyzeSource(`${net}\nmodel = Net(6, num_classes=5)\n`).output, [1, 5]);
  const main = analyzeSource(net.replace('def small', 'def _small') + "\nif __name__ == '__main__':\n    model = Net(2, 7)\n");
  assert.equal(main.entry, 'Net(2, 7)');
  assert.deepEqual(main.output, [1, 7]);
});

test('a class needing arguments with no factory says so, and the CLI view names it as unsupported', () => {
  const a = analyzeSource(net.replace(/def small[\s\S]*$/, ''));
  assert.equal(a.output, null);
  const d = a.diagnostics.find((x) => x.code === 'entry')!;
  assert.match(d.message, /Net\(width, num_classes=10\) needs arguments/);
  assert.equal(toInspectJson(a).error?.kind, 'unsupported');
  assert.equal(missingOutputReason(a)?.line, 8);
});

test('Python of the family: staticmethod, classmethod, partial of a class, typing isinstance, jit and warnings, format strings', () => {
  const src = `${head}
class Block(nn.Sequential):
    def __init__(self, cin, cout, norm=nn.BatchNorm2d):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), norm(cout), nn.ReLU(inplace=True))

class Net(nn.Module):
    expansion = 2

    def __init__(self, widths=(4, 8)):
        super().__init__()
        assert isinstance(widths, typing.Sequence)
        warnings.warn("old default")
        make = functools.partial(Block, norm=functools.partial(nn.BatchNorm2d, eps=1e-3))
        self.stages = nn.ModuleDict()
        cin = 3
        for i, w in enumerate(widths):
            self.stages.add_module("stage%d" % (i + 1), make(cin, self.scale(w)))
            setattr(self, "head{}".format(i), nn.Identity())
            cin = self.scale(w)
        self.fc = nn.Linear(Net.out(cin), 10)

    @staticmethod
    def scale(w):
        return w * Net.expansion

    @classmethod
    def out(cls, c):
        return c * cls.expansion // 2

    def forward(self, x):
        if not torch.jit.is_scripting():
            for name, stage in self.stages.items():
                x = stage(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
`;
  const a = analyzeSource(src);
  assert.deepEqual(a.output, [1, 10], JSON.stringify(a.diagnostics));
  assert.deepEqual(a.layers.filter((l) => l.path).map((l) => l.path), ['stages.stage1.0', 'stages.stage1.1', 'stages.stage1.2', 'stages.stage2.0', 'stages.stage2.1', 'stages.stage2.2', 'fc']);
  assert.equal(a.graph.nodes.find((n) => n.path === 'stages.stage1.1')!.args.eps, 1e-3);
  // conv 3->8 (216), bn 8 (16), conv 8->16 (1152), bn 16 (32), fc 16->10 (170)
  assert.equal(a.totalParams, 216 + 16 + 1152 + 32 + 170);
});

test('plain classes (no nn.Module) as config records: attributes, staticmethod through self, partial, isinstance', () => {
  const src = `${head}
class Config(object):
    def __init__(self, channels, width_mult):
        self.channels = self.adjust(channels, width_mult)

    @staticmethod
    def adjust(c, width_mult):
        return int(c * width_mult)

    @property
    def double(self):
        return 2 * self.channels

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        conf = functools.partial(Config, width_mult=0.5)
        setting = [conf(16), conf(8)]
        assert isinstance(setting, typing.Sequence) and all([isinstance(s, Config) for s in setting])
        self.fc = nn.Linear(setting[0].channels, setting[1].double)

    def forward(self, x):
        return self.fc(x)
`;
  const a = analyzeSource(src, { input: [8] });
  assert.deepEqual(a.output, [1, 8], JSON.stringify(a.diagnostics));
  const missing = analyzeSource(src.replace('setting[1].double', 'setting[1].width'), { input: [8] });
  assert.match(missing.error?.message ?? '', /AttributeError: 'Config' object has no attribute 'width'/);
});

test('train mode: self.training is True and the branches on it run; eval (the default) skips them', () => {
  const src = `${head}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.aux = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        x = self.conv(x)
        if self.training:
            return x, self.aux(x)
        return x
`;
  assert.equal(analyzeSource(src).layers.length, 1);
  const t = analyzeSource(src, { mode: 'train' });
  assert.deepEqual(t.layers.map((l) => l.path), ['conv', 'aux']);
});

test('init calls: nn.init and in-place inits through .data resolve to state_dict keys, in order; bias=False has none', () => {
  const src = `${head}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4))
        self.fc = nn.Linear(4, 2)
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out')
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
        elif isinstance(m, nn.Linear):
            m.weight.data.normal_(0, 0.01)

    def forward(self, x):
        return x
`;
  const a = analyzeSource(src);
  assert.deepEqual(a.init!.map((c) => [c.target, c.fn, c.args]), [
    ['features.0.weight', 'kaiming_normal_', { a: 0, mode: 'fan_out', nonlinearity: 'leaky_relu' }],
    ['features.1.weight', 'constant_', { val: 1 }],
    ['features.1.bias', 'zeros_', {}],
    ['fc.weight', 'normal_', { mean: 0, std: 0.01 }],
  ]);
});

test('an import of a module the analysis does not know is named where its function meets a tensor', () => {
  const src = 'import torch.nn as nn\nimport t.functional as F\nclass N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.c = nn.Conv2d(3, 4, 3)\n    def forward(self, x):\n        return F.relu(self.c(x))\n';
  const a = analyzeSource(src);
  assert.equal(a.output, null);
  const why = missingOutputReason(a)!;
  assert.match(why.message, /t\.functional\.relu\(\).*module 't\.functional'/);
  assert.equal(why.line, 8);
});

test('--input is kept in the analysis even when the model cannot be built', () => {
  const a = analyzeSource(net.replace(/def small[\s\S]*$/, ''), { input: [3, 32, 32] });
  assert.deepEqual(a.input, [1, 3, 32, 32]);
  assert.equal(a.inputSource, 'option');
});

test('factories returning a model class of another file or of torchvision are offered (CodeLens) and picked; a bare name builds what NAME() builds', () => {
  const file = join(root, 'test/corpus/resnet_pkg/factory.py');
  const source = readFileSync(file, 'utf8');
  const opts = { file, readModule: diskModules() };
  const a = analyzeSource(source, opts);
  assert.deepEqual(a.entries.map((e) => [e.name, e.kind, e.needsArgs, e.entry]), [['resnet_small', 'factory', false, 'resnet_small()'], ['resnet18_10', 'factory', false, 'resnet18_10()']]);
  assert.deepEqual(entryLocations(a).map((l) => [l.name, l.line, l.kind, l.call]), [['resnet_small', 9, 'function', 'resnet_small()'], ['resnet18_10', 13, 'function', 'resnet18_10()']]);
  assert.equal(a.entry, 'resnet_small()');
  const comparable = (x: ReturnType<typeof analyzeSource>) => ({ ...toInspectJson(x), entry: null });
  for (const name of ['resnet_small', 'resnet18_10']) {
    const bare = analyzeSource(source, { ...opts, entry: name, input: [3, 64, 64] });
    assert.equal(bare.entry, name);
    assert.deepEqual(comparable(bare), comparable(analyzeSource(source, { ...opts, entry: `${name}()`, input: [3, 64, 64] })), name);
  }
  // a factory the static search cannot follow, and a function that needs arguments: a bare name is still the call
  const more = `${source}\n\ndef by_name(name='resnet18'):\n    return getattr(models, name)(num_classes=3)\n\n\ndef helper(x):\n    return x\n`;
  assert.ok(!analyzeSource(more, opts).entries.some((e) => e.name === 'by_name'));
  const byName = analyzeSource(more, { ...opts, entry: 'by_name', input: [3, 64, 64] });
  assert.deepEqual(byName.output, [1, 3]);
  assert.deepEqual(comparable(byName), comparable(analyzeSource(more, { ...opts, entry: 'by_name()', input: [3, 64, 64] })));
  assert.deepEqual(analyzeSource(more, { ...opts, entry: 'helper' }).error, { message: "TypeError: helper() missing 1 required positional argument: 'x'", line: 22 });
  assert.deepEqual(analyzeSource(more, { ...opts, entry: 'helper' }).error, analyzeSource(more, { ...opts, entry: 'helper()' }).error);
});
