// Which layer notes (media/layer-notes.json, sent by the host) apply to a node.
import type { ArgValue, GraphNode } from '../../src/core/model/ir';
import type { LayerNote, NoteCondition } from '../../src/shared/protocol';

function firstNumber(v: ArgValue | undefined): number | null {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === 'number' ? x : null;
}

function holds(when: NoteCondition, args: Record<string, ArgValue>): boolean {
  const value = firstNumber(args[when.arg]);
  if (value === null) return false;
  if (when.eq !== undefined && value !== when.eq) return false;
  if (when.gt !== undefined && !(value > when.gt)) return false;
  if (when.gtArg !== undefined) {
    // PyTorch's pooling stride defaults to the kernel size (None in the signature).
    const other = firstNumber(args[when.gtArg]) ?? (when.gtArg === 'stride' ? value : null);
    if (other === null || !(value > other)) return false;
  }
  return true;
}

export function notesFor(node: Pick<GraphNode, 'key' | 'args'>, notes: readonly LayerNote[]): LayerNote[] {
  return notes.filter((n) => n.keys.includes(node.key) && (!n.when || holds(n.when, node.args ?? {})));
}
