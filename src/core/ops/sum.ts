// Sum: torch.sum(x, dim, keepdim) and x.sum(dim, keepdim); no dim (or None, or []) sums everything. The dims are
// read as mean reads them (ATen's dim_list_to_bitset); the gradient spreads dY back over the summed dims.
import { ai, truthy } from './common';
import { axesOf, reductionRules, reductionTitle, spreadOverReduced } from './mean';
import type { Gradients, OpDef } from './types';

export const sum: OpDef = {
  key: 'sum',
  rules: reductionRules('sum'),
  title: reductionTitle,
  lower(g, { args: a, inputs: [x], inShapes: [s], out }) {
    const axes = axesOf(g, s, a.dim);
    if (axes.length === 0) {
      g.op('Identity', [x], {}, out);
      return;
    }
    g.op('ReduceSum', [x, g.intConst(axes)], { keepdims: ai(truthy(a.keepdim) ? 1 : 0) }, out);
  },
  backward(g, call): Gradients {
    const axes = axesOf(g, call.inShapes[0], call.args.dim);
    return { inputs: [axes.length === 0 ? call.dOut : spreadOverReduced(g, call, call.dOut, axes)] };
  },
};
