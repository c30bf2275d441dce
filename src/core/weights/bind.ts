/** Matches a state_dict to a model's parameters the way `module.load_state_dict(sd, strict=True)` does. */
import { escapeControls } from '../text';
import type { Checkpoint } from './checkpoint';
import { type Tensor, allocate, formatTorchSize } from './tensor';

/** One module of the model, in `named_modules()` order: its path ('' for the root) and its params and buffers. */
export interface ExpectedModule {
  path: string;
  params: { name: string; shape: number[] }[];
}

export interface SizeMismatch {
  key: string;
  checkpointShape: number[];
  modelShape: number[];
}

export interface BindResult {
  ok: boolean;
  /** PyTorch's RuntimeError text, word for word, or null when load_state_dict would succeed. */
  error: string | null;
  missing: string[];
  unexpected: string[];
  sizeMismatches: SizeMismatch[];
  /** The tensors the model's parameters and buffers get, by key, in model order. */
  tensors: Map<string, Tensor>;
  /** BatchNorm `num_batches_tracked` keys absent from an old-format state_dict, set to 0 as PyTorch does. */
  filled: string[];
}

export interface BindOptions {
  /** The model's class name, as PyTorch's message names it (default 'AlexNet'). */
  modelName?: string;
  /** The state_dict's `_metadata` (module path -> {version}); taken from a Checkpoint when one is passed. */
  moduleMetadata?: Map<string, Record<string, unknown>> | null;
}

interface ModuleNode {
  path: string;
  params: { name: string; shape: number[] }[];
  children: Map<string, ModuleNode>;
}

export function bindStateDict(
  expected: readonly ExpectedModule[],
  stateDict: Map<string, Tensor> | Checkpoint,
  options: BindOptions = {},
): BindResult {
  const given = stateDict instanceof Map ? stateDict : stateDict.tensors;
  const metadata = options.moduleMetadata !== undefined ? options.moduleMetadata : stateDict instanceof Map ? null : stateDict.moduleMetadata;
  const state = new Map(given);
  const result: BindResult = { ok: true, error: null, missing: [], unexpected: [], sizeMismatches: [], tensors: new Map(), filled: [] };
  const errorMessages: string[] = [];

  const visit = (node: ModuleNode): void => {
    const prefix = node.path === '' ? '' : `${node.path}.`;
    const version = metadata?.get(node.path)?.version;
    const names = new Set(node.params.map((p) => p.name));
    // _BatchNorm._load_from_state_dict: before version 2 there was no num_batches_tracked; it starts at 0
    const isBatchNorm = names.has('num_batches_tracked') && names.has('running_mean');
    if (isBatchNorm && (typeof version !== 'number' || version < 2) && !state.has(`${prefix}num_batches_tracked`)) {
      const zero: Tensor = { dtype: 'int64', shape: [], data: allocate('int64', 1) };
      state.set(`${prefix}num_batches_tracked`, zero);
      result.filled.push(`${prefix}num_batches_tracked`);
    }
    for (const param of node.params) {
      const key = prefix + param.name;
      let input = state.get(key);
      if (!input) {
        result.missing.push(key);
        continue;
      }
      // loading a 1-dim tensor into a 0-dim one takes its first element (checkpoints of PyTorch 0.3)
      if (param.shape.length === 0 && input.shape.length === 1 && input.shape[0] > 0) {
        input = { dtype: input.dtype, shape: [], data: input.data.slice(0, 1) };
      }
      if (!sameShape(input.shape, param.shape)) {
        result.sizeMismatches.push({ key, checkpointShape: [...input.shape], modelShape: [...param.shape] });
        errorMessages.push(
          `size mismatch for ${escapeControls(key)}: copying a param with shape ${formatTorchSize(input.shape)} from checkpoint, ` +
            `the shape in current model is ${formatTorchSize(param.shape)}.`,
        );
        continue;
      }
      result.tensors.set(key, input);
    }
    const extraStateKey = `${prefix}_extra_state`;
    if (state.has(extraStateKey)) result.unexpected.push(extraStateKey);
    for (const key of state.keys()) {
      if (!key.startsWith(prefix) || key === extraStateKey) continue;
      const inputName = key.slice(prefix.length).split('.', 1)[0];
      if (!node.children.has(inputName) && !names.has(inputName)) result.unexpected.push(key);
    }
    for (const child of node.children.values()) visit(child);
  };
  visit(moduleTree(expected));

  if (result.unexpected.length) {
    errorMessages.unshift(`Unexpected key(s) in state_dict: ${result.unexpected.map((k) => `"${escapeControls(k)}"`).join(', ')}. `);
  }
  if (result.missing.length) {
    errorMessages.unshift(`Missing key(s) in state_dict: ${result.missing.map((k) => `"${escapeControls(k)}"`).join(', ')}. `);
  }
  if (errorMessages.length) {
    result.ok = false;
    result.error = `Error(s) in loading state_dict for ${options.modelName ?? 'AlexNet'}:\n\t${errorMessages.join('\n\t')}`;
  }
  return result;
}

/** The module tree implied by the paths; modules missing from the list (a parent Sequential) are added empty. */
function moduleTree(expected: readonly ExpectedModule[]): ModuleNode {
  const root: ModuleNode = { path: '', params: [], children: new Map() };
  const nodeAt = (path: string): ModuleNode => {
    if (path === '') return root;
    let node = root;
    let walked = '';
    for (const name of path.split('.')) {
      walked = walked ? `${walked}.${name}` : name;
      let child = node.children.get(name);
      if (!child) {
        child = { path: walked, params: [], children: new Map() };
        node.children.set(name, child);
      }
      node = child;
    }
    return node;
  };
  for (const module of expected) nodeAt(module.path).params.push(...module.params);
  return root;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
