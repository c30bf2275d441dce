// From a classifier's output to ranked classes: shared by the CLI, the extension host and the webview (pure, tiny).

/** What the model's last layer returns: raw logits, probabilities (Softmax) or log-probabilities (LogSoftmax). */
export type OutputKind = 'logits' | 'probabilities' | 'log-probabilities';

/** The output kind for the op (its registry key) that produces the model's output. */
export function outputKindOf(lastOpKey: string): OutputKind {
  if (lastOpKey === 'log_softmax') return 'log-probabilities';
  if (lastOpKey === 'softmax') return 'probabilities';
  return 'logits';
}

/** Probabilities from the model's output: as is after a Softmax, exp() after a LogSoftmax, else softmax. */
export function probabilities(out: ArrayLike<number>, kind: OutputKind): number[] {
  const values = Array.from(out);
  if (kind === 'log-probabilities') return values.map(Math.exp);
  if (kind === 'probabilities') return values;
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export interface RankedClass {
  index: number;
  label: string;
  prob: number;
}

/** The k most probable classes, highest first (ties: lower index first); labels by index, else the index itself. */
export function topK(probs: readonly number[], k: number, labels: readonly string[] | null): RankedClass[] {
  const order = probs.map((prob, index) => ({ index, prob })).sort((a, b) => b.prob - a.prob || a.index - b.index);
  return order.slice(0, Math.max(0, k)).map(({ index, prob }) => ({ index, label: labels?.[index] ?? String(index), prob }));
}
