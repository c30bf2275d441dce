/** The training engine's graph: one ONNX graph per training step (forward, loss, backward, optimizer) and its contract. */
export type * from './types';
export {
  type GradientGraph,
  GRAD_INPUT_NAME,
  GRAD_OUTPUT_NAME,
  LABELS_NAME,
  LOSS_NAME,
  LR_NAME,
  NEXT_SUFFIX,
  STEP_NAME,
  WEBGPU_OPS,
  buildGradientGraph,
  buildTrainingStep,
} from './step';
