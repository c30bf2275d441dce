// What state_dict a model's layers expect, for bindStateDict: names and shapes as PyTorch registers them.
import type { Analysis, ArgValue } from '../model/ir';
import type { ExpectedModule } from '../weights/bind';
import type { Tensor } from '../weights/tensor';
import { toFloat32 } from '../weights/tensor';
import type { FloatTensor } from './build';

function truthy(v: ArgValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  return v;
}

function int(v: ArgValue | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

function pair(v: ArgValue | undefined): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length >= 1 && v.every((x) => typeof x === 'number')) {
    const xs = v as number[];
    return [xs[0], xs.length === 1 ? xs[0] : xs[1]];
  }
  return [NaN, NaN];
}

/** Parameters then buffers, in the order PyTorch registers them. */
function moduleParams(op: string, a: Record<string, ArgValue>): { name: string; shape: number[] }[] {
  switch (op) {
    case 'Conv2d': {
      const out = int(a.out_channels);
      const [kh, kw] = pair(a.kernel_size);
      const params = [{ name: 'weight', shape: [out, int(a.in_channels) / int(a.groups), kh, kw] }];
      if (truthy(a.bias)) params.push({ name: 'bias', shape: [out] });
      return params;
    }
    case 'Linear': {
      const params = [{ name: 'weight', shape: [int(a.out_features), int(a.in_features)] }];
      if (truthy(a.bias)) params.push({ name: 'bias', shape: [int(a.out_features)] });
      return params;
    }
    case 'BatchNorm2d': {
      const c = int(a.num_features);
      const params: { name: string; shape: number[] }[] = [];
      if (truthy(a.affine)) params.push({ name: 'weight', shape: [c] }, { name: 'bias', shape: [c] });
      if (truthy(a.track_running_stats)) {
        params.push({ name: 'running_mean', shape: [c] }, { name: 'running_var', shape: [c] }, { name: 'num_batches_tracked', shape: [] });
      }
      return params;
    }
    default:
      return [];
  }
}

/**
 * The modules the forward calls, each once, in the order first called, with the parameters and buffers
 * bindStateDict checks. Modules that forward never calls are not listed (their keys read as unexpected).
 */
export function expectedParams(analysis: Analysis): ExpectedModule[] {
  const seen = new Set<string>();
  const out: ExpectedModule[] = [];
  for (const node of analysis.graph.nodes) {
    if (node.kind !== 'module' || node.path === null || seen.has(node.path)) continue;
    seen.add(node.path);
    out.push({ path: node.path, params: moduleParams(node.op, node.args) });
  }
  return out;
}

/** The float32 tensors the ONNX builder takes, from bound tensors (float16 and bfloat16 widened; int buffers skipped). */
export function floatTensors(tensors: ReadonlyMap<string, Tensor>): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  for (const [key, t] of tensors) {
    if (t.dtype === 'int64' || t.dtype === 'int32' || t.dtype === 'int16' || t.dtype === 'int8' || t.dtype === 'uint8' || t.dtype === 'bool') continue;
    out.set(key, { shape: t.shape, data: toFloat32(t) });
  }
  return out;
}
