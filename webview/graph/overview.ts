// The depth a model opens at (torchview's `depth`, Netron's groups): the deepest nesting of its modules whose graph
// fits the panel at a readable scale. A block (a module instance's call: an Inception, a BasicBlock, a dense layer)
// then shows as one node; its groups come from the IR's `groups` (module paths), never from class names.
import type { Analysis } from '../../src/core/model/ir';
import type { LayerNote } from '../../src/shared/protocol';
import { READABLE_SCALE, layoutGraph } from './layout';
import { buildView } from './view';

/** More nodes than this and a first view is a list to scroll through, not a picture of the model. */
export const OVERVIEW_MAX_NODES = 48;

/**
 * The groups to collapse when a model is first shown: those at depth `d` and below, for the
 * largest `d` whose view has at most OVERVIEW_MAX_NODES nodes and whose width at READABLE_SCALE fits `panelWidth`;
 * nothing for a model that fits whole (AlexNet), every top-level group when no depth fits.
 */
export function overviewCollapsed(analysis: Analysis, notes: readonly LayerNote[], panelWidth: number): Set<string> {
  const groups = buildView(analysis, new Set(), notes).groups;
  const maxDepth = groups.reduce((m, g) => Math.max(m, g.depth), -1);
  // the groups inside fold too: a block opened in place shows its next level (an Inception's four branches)
  const atDepth = (d: number) => new Set(groups.filter((g) => g.depth >= d).map((g) => g.key));
  for (let d = maxDepth + 1; d > 0; d--) {
    const collapsed = atDepth(d);
    const view = buildView(analysis, collapsed, notes);
    if (view.nodes.length > OVERVIEW_MAX_NODES) continue;
    if (layoutGraph(view).width * READABLE_SCALE <= panelWidth) return collapsed;
  }
  return atDepth(0);
}
