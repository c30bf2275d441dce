// The tolerances of the training engine's tests against PyTorch, in one place.

/** Per-op gradients (test/unit/backward.test.ts): max |ours - torch| / max |torch| per tensor. */
export const GRAD_RELATIVE = 1e-5;

/**
 * Whole-model training steps (test/unit/training.test.ts): per weight, |ours - torch| <= UPDATE_RELATIVE *
 * |torch_after - torch_before| + UPDATE_ABSOLUTE * max |torch_after - torch_before| over the tensor.
 */
export const UPDATE_RELATIVE = 1e-4;
export const UPDATE_ABSOLUTE = 1e-6;

/** The loss of each step, relative. */
export const LOSS_RELATIVE = 1e-5;
