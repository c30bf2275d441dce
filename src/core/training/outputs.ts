/** What goes beside a trained .pth so that `classify --weights` and the editor's Load Weights use it as is. */
import type { SampleTransform } from './data';
import { describeTransform } from './data';

/** class_indices.json as the seed's training script writes it: {"0": "name", ...}, indented by 4. */
export function classIndicesJson(classes: readonly string[]): string {
  return JSON.stringify(Object.fromEntries(classes.map((c, i) => [String(i), c])), null, 4) + '\n';
}

export interface TrainingRecord {
  transform: SampleTransform;
  classes: number;
  data: string;
  model: string;
  entry: string;
  optimizer: Record<string, unknown>;
  batch: number;
  seed: number;
  steps: number;
  cancelled: boolean;
  trainAccuracy: number | null;
  evalAccuracy: number | null;
  backend: string;
}

/** training.json: the preprocessing (`preset`, `input`) classify reads, and how the weights were made. */
export function trainingJson(r: TrainingRecord): string {
  const { transform: t } = r;
  const round = (v: number | null) => (v === null || Number.isNaN(v) ? null : Math.round(v * 1e4) / 1e4);
  return JSON.stringify({
    preset: t.preset,
    input: [t.channels, t.size.height, t.size.width],
    num_classes: r.classes,
    transforms: describeTransform(t),
    model: r.model,
    entry: r.entry,
    data: r.data,
    optimizer: r.optimizer,
    batch_size: r.batch,
    seed: r.seed,
    steps: r.steps,
    cancelled: r.cancelled,
    train_accuracy: round(r.trainAccuracy),
    eval_accuracy: round(r.evalAccuracy),
    backend: r.backend,
    trainer: 'alexnet-explorer train',
  }, null, 2) + '\n';
}
