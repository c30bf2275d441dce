import { escapeControls } from '../text';
import { WeightsError } from './errors';
import type { Tensor } from './tensor';

/** What a reader found in a checkpoint file. */
export interface Checkpoint {
  format: 'pth' | 'safetensors';
  file: string;
  /** The state_dict, key -> contiguous tensor, in the file's order, `module.` prefixes already stripped. */
  tensors: Map<string, Tensor>;
  /** The wrapper key the state_dict came from (`state_dict`, `model`...), or null when it is the top level. */
  source: string | null;
  /** Other top-level keys, not read (epoch, optimizer...). */
  ignoredKeys: string[];
  /** The prefix removed from every key (`module.` of DataParallel), or null. */
  strippedPrefix: string | null;
  /**
   * The state_dict's `_metadata` (module path -> {version}), which load_state_dict hands to each module;
   * null when the file has none (a plain dict, safetensors).
   */
  moduleMetadata: Map<string, Record<string, unknown>> | null;
  /** safetensors' `__metadata__`. */
  fileMetadata: Record<string, string> | null;
  /** Sentences for the user about what was done (wrapper unwrapped, prefix stripped, entries skipped). */
  notes: string[];
}

/** Wrapper keys tried, in order, when the top level is not itself a state_dict. */
export const STATE_DICT_WRAPPERS = ['state_dict', 'model_state_dict', 'model', 'net'] as const;

const DATA_PARALLEL_PREFIX = 'module.';

/** Picks the state_dict out of an unpickled top level. `isTensor` says which values are tensors. */
export function selectStateDict(
  root: unknown,
  isTensor: (value: unknown) => boolean,
  file: string,
): { dict: Map<unknown, unknown>; source: string | null; ignoredKeys: string[] } {
  if (!(root instanceof Map)) {
    throw new WeightsError('no-state-dict', file, `holds ${describeValue(root)}, not a dict of tensors (a state_dict)`);
  }
  const hasTensors = (map: Map<unknown, unknown>): boolean => [...map.values()].some(isTensor);
  // wrappers first: a state_dict's values are tensors, never dicts, so a dict under 'model' is no state_dict entry
  for (const wrapper of STATE_DICT_WRAPPERS) {
    const inner = root.get(wrapper);
    if (inner instanceof Map && hasTensors(inner)) {
      const ignoredKeys = [...root.keys()].filter((key) => key !== wrapper).slice(0, 50).map((key) => describeKey(key, false));
      return { dict: inner, source: wrapper, ignoredKeys };
    }
  }
  if (hasTensors(root)) return { dict: root, source: null, ignoredKeys: [] };
  const keys = [...root.keys()].slice(0, 50).map((key) => describeKey(key));
  throw new WeightsError(
    'no-state-dict',
    file,
    `holds no state_dict: its top-level keys are ${keys.length ? keys.join(', ') : '(none)'}, and neither they nor ` +
      `${STATE_DICT_WRAPPERS.map((k) => `'${k}'`).join(', ')} hold tensors`,
  );
}

/** Strips DataParallel's `module.` from every key when all keys carry it, recording it and a note. */
export function stripDataParallelPrefix(checkpoint: Checkpoint): void {
  const keys = [...checkpoint.tensors.keys()];
  if (keys.length === 0 || !keys.every((key) => key.startsWith(DATA_PARALLEL_PREFIX))) return;
  checkpoint.tensors = new Map([...checkpoint.tensors].map(([key, t]) => [key.slice(DATA_PARALLEL_PREFIX.length), t]));
  if (checkpoint.moduleMetadata) {
    const renamed = new Map<string, Record<string, unknown>>();
    for (const [path, value] of checkpoint.moduleMetadata) {
      if (path === 'module') renamed.set('', value);
      else if (path.startsWith(DATA_PARALLEL_PREFIX)) renamed.set(path.slice(DATA_PARALLEL_PREFIX.length), value);
      else if (path !== '') renamed.set(path, value);
    }
    checkpoint.moduleMetadata = renamed;
  }
  checkpoint.strippedPrefix = DATA_PARALLEL_PREFIX;
  checkpoint.notes.push(
    "Removed the 'module.' prefix from every key: the checkpoint was saved from a model wrapped in nn.DataParallel or DistributedDataParallel.",
  );
}

export function describeValue(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return `a list/tuple of ${value.length} items`;
  if (value instanceof Map) return 'a dict';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

/**
 * A dict key as Python's repr would show it, cut short: a key built to be huge (a tuple that doubles itself) or to
 * forge terminal lines (control characters) is neither expanded nor printed raw. `quoted` false: a bare string.
 */
export function describeKey(key: unknown, quoted = true, budget = 80): string {
  let out = '';
  const visit = (value: unknown, depth: number): void => {
    if (out.length > budget) return;
    if (typeof value === 'string') out += quoted || depth > 0 ? `'${escapeControls(value.slice(0, budget))}'` : escapeControls(value.slice(0, budget));
    else if (value === null) out += 'None';
    else if (typeof value === 'boolean') out += value ? 'True' : 'False';
    else if (typeof value === 'number' || typeof value === 'bigint') out += String(value);
    else if (Array.isArray(value)) {
      out += '(';
      for (let i = 0; i < value.length && out.length <= budget; i++) {
        if (i > 0) out += ', ';
        visit(value[i], depth + 1);
      }
      out += ')';
    } else out += `<${describeValue(value)}>`;
  };
  visit(key, 0);
  return out.length > budget ? `${out.slice(0, budget)}...` : out;
}

