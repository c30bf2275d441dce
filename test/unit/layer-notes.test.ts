// media/layer-notes.json: both languages everywhere, only ops the analyzer knows; the graph's strings in vscode.l10n.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zhBundle from '../../l10n/bundle.l10n.zh-cn.json';
import layerNotes from '../../media/layer-notes.json';
import { allOps, describeCall } from '../../src/core/ops/registry';
import type { LayerNote, UiLanguage } from '../../src/shared/protocol';
import { graphStrings } from '../../src/vscode/graphStrings';
import { uiLanguage } from '../../src/vscode/l10n';
import { graphInitMessage } from '../../src/vscode/l10nBundle';
import { notesFor } from '../../webview/graph/notes';

const LANGUAGES: UiLanguage[] = ['en', 'zh-cn'];
const notes = layerNotes.notes as LayerNote[];
const hasCjk = (s: string) => /[\u4e00-\u9fff]/.test(s);

test('every note has a unique id, op keys, and badge, title and text in English and Simplified Chinese', () => {
  assert.ok(notes.length >= 5);
  assert.equal(new Set(notes.map((n) => n.id)).size, notes.length, 'unique ids');
  for (const n of notes) {
    assert.ok(n.keys.length > 0, `${n.id}: keys`);
    for (const field of ['badge', 'title', 'text'] as const) {
      for (const lang of LANGUAGES) {
        const text = n[field][lang];
        assert.equal(typeof text, 'string', `${n.id}.${field}.${lang}`);
        assert.ok(text.trim().length > 0, `${n.id}.${field}.${lang} is empty`);
      }
      assert.deepEqual(Object.keys(n[field]).sort(), [...LANGUAGES].sort(), `${n.id}.${field}: exactly en and zh-cn`);
    }
    assert.ok(hasCjk(n.title['zh-cn']) && hasCjk(n.text['zh-cn']), `${n.id}: zh-cn is Chinese`);
    assert.ok(!hasCjk(n.text.en), `${n.id}: en is English`);
  }
});

test('every op key a note mentions is an op of the registry (the IR nodes\' keys)', () => {
  const known = new Map(allOps().map((o) => [o.key, o]));
  assert.ok(known.size > 0, 'the registry has ops');
  for (const n of notes) for (const key of n.keys) assert.ok(known.has(key), `${n.id}: unknown op ${key}`);
  // And the conditions name arguments of every spelling's signature.
  for (const n of notes) {
    if (!n.when) continue;
    for (const key of n.keys) {
      for (const rule of known.get(key)!.rules) {
        const params = rule.signature.map((p) => p.name);
        assert.ok(params.includes(n.when.arg), `${n.id}: ${rule.op} has no argument ${n.when.arg}`);
        if (n.when.gtArg) assert.ok(params.includes(n.when.gtArg), `${n.id}: ${rule.op} has no argument ${n.when.gtArg}`);
      }
    }
  }
});

test('the notes of the issue are there: ReLU, LRN, overlapping pooling, Dropout, the two-GPU split', () => {
  const at = (spelling: string, args: Record<string, number | number[] | null>) => notesFor({ key: describeCall(spelling, args, 'module').key, args }, notes);
  const conv = (args: Record<string, number>) => at('Conv2d', args).map((n) => n.id);
  assert.deepEqual(at('ReLU', {}).map((n) => n.id), ['relu']);
  assert.deepEqual(at('torch.nn.functional.relu', {}).map((n) => n.id), ['relu']);
  assert.deepEqual(at('LocalResponseNorm', { size: 5 }).map((n) => n.id), ['lrn']);
  assert.deepEqual(at('MaxPool2d', { kernel_size: 3, stride: 2 }).map((n) => n.id), ['overlapping-pool']);
  assert.deepEqual(at('MaxPool2d', { kernel_size: [2, 2], stride: [2, 2] }), [], 'not overlapping');
  assert.deepEqual(at('torch.nn.functional.max_pool2d', { kernel_size: 2, stride: null }), [], 'stride defaults to the kernel');
  assert.deepEqual(at('Dropout', { p: 0.5 }).map((n) => n.id), ['dropout']);
  assert.deepEqual(conv({ groups: 2, kernel_size: 5 }), ['two-gpu']);
  assert.deepEqual(conv({ groups: 1, kernel_size: 11 }), ['large-kernel']);
  assert.deepEqual(conv({ groups: 32, kernel_size: 3 }), ['grouped-conv']);
  assert.deepEqual(conv({ groups: 1, kernel_size: 3 }), []);
});

test('the graph webview\'s strings all have a zh-cn translation with the same placeholders', () => {
  const zh = zhBundle as Record<string, string>;
  const placeholders = (s: string) => (s.match(/\{\d\}/g) ?? []).sort().join();
  // the English texts as the extension looks them up (identity l10n, placeholders kept)
  const en = graphStrings({ t: (m) => m });
  for (const [key, text] of Object.entries(en)) {
    assert.equal(typeof zh[text], 'string', `${key}: "${text}" has no zh-cn translation`);
    assert.equal(placeholders(zh[text]), placeholders(text), `${key}: placeholders`);
  }
});

test('the UI language follows VS Code\'s: zh-cn in Chinese, everything else in English', () => {
  assert.equal(uiLanguage('zh-cn'), 'zh-cn');
  assert.equal(uiLanguage('zh-CN'), 'zh-cn');
  assert.equal(uiLanguage('en'), 'en');
  assert.equal(uiLanguage('de'), 'en');
  assert.equal(uiLanguage('zh-tw'), 'en');
  const zh = graphInitMessage('zh-cn');
  assert.equal(zh.strings.fit, '适应');
  assert.equal(zh.notes.length, notes.length);
});
