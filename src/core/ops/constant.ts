// Tensors made in forward from their size alone: torch.zeros, torch.ones, torch.empty, torch.Tensor(...).
// The evaluator builds their nodes from the size it reads (args.size); nothing to bind, no input.
import { numel } from './common';
import type { OpDef } from './types';

export const constant: OpDef = {
  key: 'constant',
  rules: [],
  alsoSpelled: ['torch.zeros', 'torch.ones', 'torch.empty', 'torch.Tensor', 'torch.FloatTensor', 'torch.randn', 'torch.rand'],
  lower(g, { spelling, outShape, out }) {
    if (spelling === 'torch.randn' || spelling === 'torch.rand') g.fail('random tensors differ from run to run and cannot be exported');
    // torch.empty's values are unspecified; zeros are as good as any
    const fill = spelling === 'torch.ones' ? 1 : 0;
    g.op('Identity', [g.floatConst(new Float32Array(numel(outShape)).fill(fill), [...outShape])], {}, out);
  },
  // no inputs, nothing trained
  backward: () => ({ inputs: [] }),
};
