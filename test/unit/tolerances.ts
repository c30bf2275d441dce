// The tolerances of the tests against PyTorch, in one place.

/** Forward outputs (logits, activations) of our ONNX against PyTorch's: max |ours - torch| / max |torch|. */
export const LOGITS_RELATIVE = 1e-4;

/** Per-op gradients (test/unit/backward.test.ts): max |ours - torch| / max |torch| per tensor. */
export const GRAD_RELATIVE = 1e-5;

/**
 * Whole-model training steps (test/unit/training.test.ts): per weight, |ours - torch| <= UPDATE_RELATIVE *
 * |torch_after - torch_before| + the "tiny abs": UPDATE_ULPS float32 ulps of torch_after (1e-4 of an update
 * can be under the weight's own float32 spacing: an Adam step of 1e-4 moves a weight of 0.14 by ~900 ulps, and
 * each step rounds once) plus UPDATE_ABSOLUTE of the largest update in the tensor (a weight whose gradient is a
 * near-cancelling sum over the batch moves little, and float32 summation order decides its last digits; PyTorch's
 * own CPU and GPU runs differ there too).
 */
export const UPDATE_RELATIVE = 1e-4;
export const UPDATE_ULPS = 4;
export const UPDATE_ABSOLUTE = 1e-5;

/** The spacing of float32 values around `v` (its unit in the last place). */
export function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The loss of each step, relative. */
export const LOSS_RELATIVE = 1e-5;

/** max |a - b| / max |b| (max |b| taken as 1 when b is all zeros). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`${actual.length} values, expected ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / (scale || 1);
}
