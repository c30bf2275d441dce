// Where each entry candidate of a file is defined, for the editor's CodeLens: the line of `class Name(`,
// `def name(` or `name = ...` at module level. Pure text; the analysis says which names are candidates.
import type { Analysis } from './ir';

export interface EntryLocation {
  /** The candidate's name, as `options.entry` takes it. */
  name: string;
  /** 1-based line of its definition. */
  line: number;
  kind: 'class' | 'function' | 'variable';
  /** The call the arguments box starts with: `Name()`, or the remembered call when it is this candidate's. */
  call: string;
}

/** The name a chosen entry refers to: `resnet18()` -> resnet18, `ResNet(BasicBlock, [2, 2, 2, 2])` -> ResNet. */
export function entryName(entry: string): string {
  return /^\s*([A-Za-z_][\w.]*)/.exec(entry)?.[1] ?? entry.trim();
}

/** One location per candidate of the analysis found at module level in the source, in source order. */
export function entryLocations(source: string, analysis: Pick<Analysis, 'candidates'>, chosen?: string): EntryLocation[] {
  const wanted = new Set(analysis.candidates);
  const out: EntryLocation[] = [];
  const seen = new Set<string>();
  source.split(/\r?\n/).forEach((text, i) => {
    const m = /^(?:class\s+([A-Za-z_]\w*)|def\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=))/.exec(text);
    const name = m?.[1] ?? m?.[2] ?? m?.[3];
    if (!m || !name || !wanted.has(name) || seen.has(name)) return;
    seen.add(name);
    const kind = m[1] ? 'class' : m[2] ? 'function' : 'variable';
    const call = chosen && entryName(chosen) === name && chosen.includes('(') ? chosen.trim() : kind === 'variable' ? name : `${name}()`;
    out.push({ name, line: i + 1, kind, call });
  });
  return out;
}
