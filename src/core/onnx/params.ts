// What state_dict a model's layers expect, for bindStateDict: names and shapes as PyTorch registers them.
import type { Analysis } from '../model/ir';
import type { ExpectedModule } from '../weights/bind';
import type { Tensor } from '../weights/tensor';
import { toFloat32 } from '../weights/tensor';
import type { FloatTensor } from './build';

/**
 * The modules of the state_dict with the parameters and buffers bindStateDict checks: every registered module
 * (Analysis.modules, called by forward or not, as PyTorch's strict load_state_dict expects); for an analysis
 * without that list, the modules forward calls.
 */
export function expectedParams(analysis: Analysis): ExpectedModule[] {
  if (analysis.modules) return analysis.modules.map((m) => ({ path: m.path, params: m.parameters.map(({ name, shape }) => ({ name, shape })) }));
  const seen = new Set<string>();
  const out: ExpectedModule[] = [];
  for (const node of analysis.graph.nodes) {
    if (node.kind !== 'module' || node.path === null || seen.has(node.path)) continue;
    seen.add(node.path);
    out.push({ path: node.path, params: node.parameters.map(({ name, shape }) => ({ name, shape })) });
  }
  return out;
}

/** The float32 tensors the ONNX builder takes, from bound tensors (float16 and bfloat16 widened; int buffers skipped). */
export function floatTensors(tensors: ReadonlyMap<string, Tensor>): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  for (const [key, t] of tensors) {
    if (t.dtype === 'int64' || t.dtype === 'int32' || t.dtype === 'int16' || t.dtype === 'int8' || t.dtype === 'uint8' || t.dtype === 'bool') continue;
    out.set(key, { shape: t.shape, data: toFloat32(t), ...(t.dtype === 'float16' ? { half: t.data as Uint16Array } : {}) });
  }
  return out;
}
