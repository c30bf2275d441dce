// Shape rules: one file per op, looked up by name in the registry (registry.ts).
import type { ArgValue, Shape } from '../model/ir';

export type Args = Record<string, ArgValue>;

export interface ShapeOk {
  output: Shape;
  params: number;
  macs: number;
  /** Derivations with numbers filled in, e.g. "H: (224 + 2*2 - 1*(11-1) - 1) / 4 + 1 = 55". */
  formula?: string[];
}

export interface ShapeErr {
  /** PyTorch's own wording, e.g. "mat1 and mat2 shapes cannot be multiplied (1x2304 and 1600x512)". */
  error: string;
}

export type ShapeResult = ShapeOk | ShapeErr;

/**
 * A parameter of a constructor or function signature: name and default.
 * A parameter without `default` is required. `kwOnly` parameters cannot be given positionally.
 */
export interface Param {
  name: string;
  default?: ArgValue;
  kwOnly?: boolean;
}

export interface ShapeRule {
  /** Name looked up: a module class ("Conv2d") or a qualified function ("F.relu", "torch.flatten") or a tensor method (".view"). */
  op: string;
  kind: 'module' | 'function' | 'method';
  /**
   * Signature used to bind call arguments to names, in Python order.
   * For functions and methods the tensor input(s) are NOT part of the signature when `tensorInputs` says so:
   * e.g. F.relu(input, inplace=False) has tensorInputs 1 and signature [inplace].
   */
  signature: Param[];
  /** Number of leading positional tensor arguments (functions: usually 1; modules: 0, inputs come from forward). 'variadic' for torch.cat's list. */
  tensorInputs?: number;
  /** Returns the output shape, params and MACs, or PyTorch's error message. */
  infer(inputs: Shape[], args: Args): ShapeResult;
}

export function isShapeErr(r: ShapeResult): r is ShapeErr {
  return (r as ShapeErr).error !== undefined;
}
