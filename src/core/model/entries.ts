// Where each entry the analysis offers is defined, for the editor's CodeLens, and the call its arguments box starts
// with: from Analysis.entries (the evaluator's own list of classes, factories and instances, with their ranges).
import type { Analysis } from './ir';

export interface EntryLocation {
  /** The candidate's name, as `options.entry` takes it. */
  name: string;
  /** 1-based line of its definition. */
  line: number;
  kind: 'class' | 'function' | 'variable';
  /** Calling it needs arguments the file does not give (`ResNet(block, layers)`). */
  needsArgs: boolean;
  /** The call the arguments box starts with: the remembered call when it is this candidate's, else how to build it. */
  call: string;
}

/** The name a chosen entry refers to: `resnet18()` -> resnet18, `ResNet(BasicBlock, [2, 2, 2, 2])` -> ResNet. */
export function entryName(entry: string): string {
  return /^\s*([A-Za-z_][\w.]*)/.exec(entry)?.[1] ?? entry.trim();
}

/** One location per entry the analysis offers, in source order. */
export function entryLocations(analysis: Pick<Analysis, 'entries'>, chosen?: string): EntryLocation[] {
  return analysis.entries.map((e) => {
    const kind = e.kind === 'class' ? 'class' : e.kind === 'factory' ? 'function' : 'variable';
    const remembered = chosen && entryName(chosen) === e.name && chosen.includes('(') ? chosen.trim() : null;
    // a call that needs arguments starts from the parameters as written, for the user to fill in
    const template = e.needsArgs && e.params !== undefined ? `${e.name}(${e.params})` : null;
    const call = remembered ?? template ?? (kind === 'variable' ? e.name : e.entry.includes('(') ? e.entry : `${e.name}()`);
    return { name: e.name, line: e.range.line, kind, needsArgs: e.needsArgs, call };
  });
}
