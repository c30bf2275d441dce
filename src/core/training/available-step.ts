// The training step builder (src/core/training/step.ts, written on the autograd branch) as the run loop's callers
// see it. Until that branch is merged there is none: the one line below becomes
// `export { buildTrainingStep } from './step';` and the CLI's `train` (and the bench) run.
import type { Analysis } from '../model/ir';
import type { FloatTensor } from '../onnx';
import type { TrainStepOptions, TrainingStep } from './types';

export type BuildTrainingStep = (analysis: Analysis, tensors: ReadonlyMap<string, FloatTensor>, options: TrainStepOptions) => TrainingStep;

export const buildTrainingStep: BuildTrainingStep | null = null;

export const STEP_MISSING =
  'this build cannot train yet: the training step graph (buildTrainingStep in src/core/training/step.ts) is not part of it';
